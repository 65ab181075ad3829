package sae

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/toymodels/superposition/graph"
	"gorgonia.org/tensor"
)

// FuzzImportSAELens writes the two inputs as cfg.json and
// sae_weights.safetensors (an empty input leaves its file out): the import
// returns an error or an SAE whose parameters have the shapes its config
// gives, never panics, and allocates in proportion to the files, not to the
// sizes they claim.
func FuzzImportSAELens(f *testing.F) {
	for _, arch := range []string{"standard", "topk", "jumprelu"} {
		cfg, ts := genuine(arch)
		js, err := json.Marshal(cfg)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(js, safetensorsFile(f, ts))
		for i := range ts {
			ts[i].dtype, ts[i].data = "F16", encode("F16", genuineValues()[ts[i].name])
		}
		f.Add(js, safetensorsFile(f, ts))
	}
	f.Add([]byte(`{"architecture": "topk", "k": 2, "d_in": 3, "d_sae": 1099511627776}`), []byte{})
	f.Add([]byte(`{"d_in": 3, "d_sae": 4, "normalize_activations": "layer_norm"}`), []byte("\x02\x00\x00\x00\x00\x00\x00\x00{}"))
	m, err := New(Config{Variant: BatchTopK, Inputs: gIn, Latents: gSAE, K: 2})
	if err != nil {
		f.Fatal(err)
	}
	p := graph.NewParamsOf(tensor.Float32, 0)
	for name, vals := range genuineValues() {
		shape := map[string][]int{ParamWEnc: {gIn, gSAE}, ParamWDec: {gSAE, gIn}, ParamBDec: {gIn}}[name]
		if shape == nil {
			shape = []int{gSAE}
		}
		v := make([]float64, len(vals))
		for i, x := range vals {
			v[i] = float64(x)
		}
		if err := p.Set(name, shape, v); err != nil {
			f.Fatal(err)
		}
	}
	dir := f.TempDir()
	if err := ExportSAELens(dir, m, p, "toy", "tms.hidden"); err != nil {
		f.Fatal(err)
	}
	cfg, err := os.ReadFile(filepath.Join(dir, SAELensConfig))
	if err != nil {
		f.Fatal(err)
	}
	weights, err := os.ReadFile(filepath.Join(dir, SAELensWeights))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(cfg, weights)

	f.Fuzz(func(t *testing.T, cfg, weights []byte) {
		dir := t.TempDir()
		for name, data := range map[string][]byte{SAELensConfig: cfg, SAELensWeights: weights} {
			if len(data) == 0 {
				continue
			}
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m, p, err := ImportSAELens(dir)
		runtime.ReadMemStats(&after)
		if grew, allowed := after.TotalAlloc-before.TotalAlloc, uint64(4<<20+64*(len(cfg)+len(weights))); grew > allowed {
			t.Fatalf("import of %d + %d bytes allocated %d bytes; want at most %d", len(cfg), len(weights), grew, allowed)
		}
		if err != nil {
			return
		}
		c := m.Config()
		want := map[string][]int{ParamWEnc: {c.Inputs, c.Latents}, ParamBEnc: {c.Latents}, ParamWDec: {c.Latents, c.Inputs}, ParamBDec: {c.Inputs}}
		if family(c.Variant) == "jumprelu" {
			want[ParamThreshold] = []int{c.Latents}
		}
		if len(p.Names()) != len(want) {
			t.Fatalf("imported parameters %v; want %d of them", p.Names(), len(want))
		}
		for name, shape := range want {
			if got := p.Shape(name); !slices.Equal(got, shape) {
				t.Fatalf("%s has shape %v; the config (%s, %d → %d) makes it %v", name, got, c.Variant, c.Inputs, c.Latents, shape)
			}
		}
	})
}
