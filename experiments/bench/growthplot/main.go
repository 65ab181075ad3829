// Command growthplot reads the lines experiments/bench/growth.sh collects
// ("SERIES X JSON": a series name, the swept value, one bench result) and
// draws, per series, the time of a training step against the swept value
// on log–log axes, with the least-squares slope (the exponent of the
// growth) in the legend; it prints a markdown table of the points and the
// slopes.
//
//	go run ./experiments/bench/growthplot -out DIR < growth.txt
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/toymodels/superposition/interp"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// series are the swept settings growth.sh measures, with their axis labels.
var series = map[string]string{
	"sae-latents": "TopK SAE (d_in 512, k 32, 4,096 rows): dictionary size",
	"sae-k":       "TopK SAE (d_in 512, 4,096 latents, 4,096 rows): k",
	"lm-ctx":      "transformer step (lm defaults, 32 sequences): context length",
}

type point struct{ x, seconds float64 }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("growthplot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "docs/bench", "folder of the figures")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	data, err := read(stdin)
	if err == nil && len(data) == 0 {
		err = errors.New("no lines on stdin (run experiments/bench/growth.sh)")
	}
	if err == nil {
		err = os.MkdirAll(*out, 0o755)
	}
	if err != nil {
		fmt.Fprintf(stderr, "growthplot: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "| series | value | seconds per step | slope (log–log) |")
	fmt.Fprintln(stdout, "|---|---|---|---|")
	for _, name := range []string{"sae-latents", "sae-k", "lm-ctx"} {
		pts := data[name]
		if len(pts) == 0 {
			continue
		}
		slope := logSlope(pts)
		for i, p := range pts {
			s := ""
			if i == 0 {
				s = fmt.Sprintf("%.2f", slope)
			}
			fmt.Fprintf(stdout, "| %s | %g | %.4g | %s |\n", name, p.x, p.seconds, s)
		}
		ser := interp.Series{Name: fmt.Sprintf("measured (slope %.2f)", slope), Line: true, Points: true}
		for _, p := range pts {
			ser.X, ser.Y = append(ser.X, p.x), append(ser.Y, p.seconds)
		}
		path := filepath.Join(*out, name+".png")
		if err := interp.SaveChart(path, interp.Chart{Title: series[name], XLabel: strings.SplitN(series[name], ": ", 2)[1], YLabel: "seconds per step",
			LogX: true, LogY: true, Width: 5.5, Height: 3.6}, ser); err != nil {
			fmt.Fprintf(stderr, "growthplot: %v\n", err)
			return 1
		}
	}
	return 0
}

// read parses "SERIES X JSON" lines.
func read(r io.Reader) (map[string][]point, error) {
	out := map[string][]point{}
	sc := bufio.NewScanner(io.LimitReader(r, 1<<24))
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for n := 1; sc.Scan(); n++ {
		f := strings.SplitN(sc.Text(), " ", 3)
		if len(f) < 3 {
			return nil, fmt.Errorf("line %d: want SERIES X JSON", n)
		}
		if _, ok := series[f[0]]; !ok {
			return nil, fmt.Errorf("line %d: unknown series %q", n, f[0])
		}
		x, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		var res struct {
			StepsPerS float64 `json:"steps_per_s"`
		}
		if err := json.Unmarshal([]byte(f[2]), &res); err != nil || !(res.StepsPerS > 0) {
			return nil, fmt.Errorf("line %d: not a bench result with steps_per_s", n)
		}
		out[f[0]] = append(out[f[0]], point{x, 1 / res.StepsPerS})
	}
	return out, sc.Err()
}

// logSlope is the least-squares slope of log(seconds) against log(x).
func logSlope(pts []point) float64 {
	var sx, sy, sxx, sxy float64
	for _, p := range pts {
		x, y := math.Log(p.x), math.Log(p.seconds)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	n := float64(len(pts))
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}
