package interp

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium renders path headlessly and returns the DOM after load and the
// browser's log.
func chromium(t *testing.T, path string) (dom, log string) {
	t.Helper()
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv("REQUIRE_CHROMIUM") != "" {
			t.Fatal("REQUIRE_CHROMIUM is set but no chromium is installed")
		}
		t.Skip("no chromium (apt-get install -y chromium); .ci/run installs it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--user-data-dir="+t.TempDir(), "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000",
		"--dump-dom", "file://"+path)
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, errs.String())
	}
	return out.String(), errs.String()
}

var consoleError = regexp.MustCompile(`:CONSOLE[:(]|Uncaught`)

// TestReportInChromium renders a report, copied away from the figures it was
// made from, in headless Chromium: every figure must load and the console
// must stay free of errors. A report with a broken figure must fail the same
// checks.
func TestReportInChromium(t *testing.T) {
	dir := t.TempDir()
	chart := filepath.Join(dir, "chart.png")
	if err := SaveChart(chart, Chart{Title: "t"}, Series{X: []float64{0, 1}, Y: []float64{1, 0}, Line: true}); err != nil {
		t.Fatal(err)
	}
	heat := filepath.Join(dir, "heat.png")
	if err := SaveHeatmaps(heat, 1, []HeatPanel{{Title: "h", Z: [][]float64{{1, -1}, {0, 0.5}}}}); err != nil {
		t.Fatal(err)
	}
	rep := Report{Title: "browser test", Sections: []Section{{Heading: "s", Figures: []Figure{{Path: chart, Caption: "chart"}, {Path: heat, Caption: "heat"}}}}, Config: map[string]int{"seed": 1}}
	built := filepath.Join(dir, "report.html")
	if err := rep.Write(built); err != nil {
		t.Fatal(err)
	}
	// Self-contained: only report.html travels.
	elsewhere := filepath.Join(t.TempDir(), "copy.html")
	data, err := os.ReadFile(built)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(elsewhere, data, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(chart)
	os.Remove(heat)
	dom, log := chromium(t, elsewhere)
	if !strings.Contains(dom, `data-figures="2/2"`) {
		t.Errorf("figures loaded: %s; want 2/2", between(dom, "data-figures="))
	}
	if m := consoleError.FindString(log); m != "" {
		t.Errorf("console message in the browser log (the report logs only errors): %s", log)
	}

	broken := strings.Replace(string(data), "data:image/png;base64,", "data:image/png;base64,AAAA", 1)
	bad := filepath.Join(t.TempDir(), "broken.html")
	if err := os.WriteFile(bad, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, log = chromium(t, bad)
	if !strings.Contains(dom, `data-figures="1/2"`) || consoleError.FindString(log) == "" {
		t.Errorf("a broken figure went unnoticed: %s; log:\n%s", between(dom, "data-figures="), log)
	}
}

func between(s, key string) string {
	i := strings.Index(s, key)
	if i < 0 {
		return fmt.Sprintf("(no %s)", key)
	}
	return s[i:min(len(s), i+len(key)+12)]
}
