package sae

import (
	"encoding/binary"
	"encoding/json"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/toymodels/superposition/graph"
)

// Shapes of the genuine test SAEs.
const gIn, gSAE = 3, 4

// genuineValues are the F32 values of a genuine test SAE, multiples of 1/8
// (exact in F16 and BF16), with a positive threshold.
func genuineValues() map[string][]float32 {
	fill := func(n int, f func(i int) float32) []float32 {
		out := make([]float32, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	return map[string][]float32{
		ParamWEnc:      fill(gIn*gSAE, func(i int) float32 { return float32((i*5)%9-4) / 8 }),
		ParamBEnc:      fill(gSAE, func(i int) float32 { return float32(i%3-1) / 8 }),
		ParamWDec:      fill(gSAE*gIn, func(i int) float32 { return float32((i*7)%11-5) / 8 }),
		ParamBDec:      fill(gIn, func(i int) float32 { return float32(i) / 8 }),
		ParamThreshold: fill(gSAE, func(i int) float32 { return float32(i) / 16 }),
	}
}

// genuine returns the cfg.json (as SAELens 6 writes it) and the F32 tensors
// of a small SAE of architecture arch.
func genuine(arch string) (map[string]any, []fileTensor) {
	cfg := map[string]any{
		"architecture": arch, "d_in": gIn, "d_sae": gSAE, "dtype": "float32", "device": "cpu",
		"apply_b_dec_to_input": true, "normalize_activations": "none", "reshape_activations": "none",
		"metadata": map[string]any{"sae_lens_version": "6.18.0", "hook_name": "blocks.0.hook_resid_pre"},
	}
	shapes := map[string][]int{ParamWEnc: {gIn, gSAE}, ParamBEnc: {gSAE}, ParamWDec: {gSAE, gIn}, ParamBDec: {gIn}}
	switch arch {
	case "topk":
		cfg["k"], cfg["rescale_acts_by_decoder_norm"] = 2, false
	case "jumprelu":
		shapes[ParamThreshold] = []int{gSAE}
	}
	vals := genuineValues()
	var ts []fileTensor
	for _, name := range slices.Sorted(maps.Keys(shapes)) {
		ts = append(ts, fileTensor{name, "F32", shapes[name], encode("F32", vals[name])})
	}
	return cfg, ts
}

// saelensDir writes cfg and the tensors to a new folder.
func saelensDir(t testing.TB, cfg map[string]any, ts []fileTensor) string {
	t.Helper()
	dir := t.TempDir()
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, SAELensConfig), js, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, SAELensWeights), safetensorsFile(t, ts), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestImportSAELensConfig(t *testing.T) {
	tests := []struct {
		name    string
		arch    string
		set     map[string]any
		del     []string
		raw     string // cfg.json itself, instead of the edited one
		wantErr string // "" for a file that imports
		variant Variant
		k       int
	}{
		{name: "standard", arch: "standard", variant: ReLUL1Norm},
		{name: "no architecture (SAELens < 6)", arch: "standard", del: []string{"architecture"}, variant: ReLUL1Norm},
		{name: "SAELens 5 standard", arch: "standard", set: map[string]any{"activation_fn_str": "relu", "activation_fn_kwargs": map[string]any{},
			"finetuning_scaling_factor": false, "hook_layer": 0, "sae_lens_training_version": "5.10.0"}, del: []string{"metadata", "reshape_activations"}, variant: ReLUL1Norm},
		{name: "gated", arch: "standard", set: map[string]any{"architecture": "gated"}, wantErr: "architecture"},
		{name: "transcoder", arch: "standard", set: map[string]any{"architecture": "transcoder"}, wantErr: "architecture"},
		{name: "apply_b_dec_to_input false", arch: "standard", set: map[string]any{"apply_b_dec_to_input": false}, wantErr: "apply_b_dec_to_input"},
		{name: "apply_b_dec_to_input absent", arch: "standard", del: []string{"apply_b_dec_to_input"}, variant: ReLUL1Norm},
		{name: "apply_b_dec_to_input a string", arch: "standard", set: map[string]any{"apply_b_dec_to_input": "yes"}, wantErr: "apply_b_dec_to_input"},
		{name: "normalize_activations expected_average_only_in", arch: "standard", set: map[string]any{"normalize_activations": "expected_average_only_in"}, wantErr: "normalize_activations"},
		{name: "normalize_activations constant_norm_rescale", arch: "topk", set: map[string]any{"normalize_activations": "constant_norm_rescale"}, wantErr: "normalize_activations"},
		{name: "normalize_activations layer_norm", arch: "jumprelu", set: map[string]any{"normalize_activations": "layer_norm"}, wantErr: "normalize_activations"},
		{name: "normalize_activations true (SAELens < 6)", arch: "standard", set: map[string]any{"normalize_activations": true}, wantErr: "normalize_activations"},
		{name: "normalize_activations false (SAELens < 6)", arch: "standard", set: map[string]any{"normalize_activations": false}, variant: ReLUL1Norm},
		{name: "normalize_activations null", arch: "standard", set: map[string]any{"normalize_activations": nil}, variant: ReLUL1Norm},
		{name: "normalize_activations a number", arch: "standard", set: map[string]any{"normalize_activations": 3}, wantErr: "normalize_activations"},
		{name: "finetuning_scaling_factor true", arch: "standard", set: map[string]any{"finetuning_scaling_factor": true}, wantErr: "finetuning_scaling_factor"},
		{name: "activation_fn_str tanh-relu", arch: "standard", set: map[string]any{"activation_fn_str": "tanh-relu"}, wantErr: "activation_fn_str"},
		{name: "activation_fn tanh-relu", arch: "standard", set: map[string]any{"activation_fn": "tanh-relu"}, wantErr: "activation_fn"},
		{name: "activation_fn and activation_fn_str disagree", arch: "standard", set: map[string]any{"activation_fn": "relu", "activation_fn_str": "topk"}, wantErr: "activation_fn"},
		{name: "activation_fn_kwargs other than k", arch: "standard", set: map[string]any{"activation_fn_kwargs": map[string]any{"postact_fn": "relu"}}, wantErr: "activation_fn_kwargs.postact_fn"},
		{name: "dtype int8", arch: "standard", set: map[string]any{"dtype": "int8"}, wantErr: "dtype"},
		{name: "dtype torch.bfloat16", arch: "standard", set: map[string]any{"dtype": "torch.bfloat16"}, variant: ReLUL1Norm},
		{name: "dtype absent", arch: "standard", del: []string{"dtype"}, variant: ReLUL1Norm},
		{name: "reshape_activations hook_z", arch: "standard", set: map[string]any{"reshape_activations": "hook_z"}, variant: ReLUL1Norm},
		{name: "reshape_activations other", arch: "standard", set: map[string]any{"reshape_activations": "hook_q"}, wantErr: "reshape_activations"},
		{name: "d_in 0", arch: "standard", set: map[string]any{"d_in": 0}, wantErr: "d_in"},
		{name: "d_in missing", arch: "standard", del: []string{"d_in"}, wantErr: "d_in"},
		{name: "d_in 1.5", arch: "standard", set: map[string]any{"d_in": 1.5}, wantErr: "d_in"},
		{name: "d_sae -1", arch: "standard", set: map[string]any{"d_sae": -1}, wantErr: "d_sae"},
		{name: "d_sae 2^40", arch: "standard", set: map[string]any{"d_sae": 1 << 40}, wantErr: "d_sae"},
		{name: "d_in and d_sae 2^40", arch: "standard", set: map[string]any{"d_in": 1 << 40, "d_sae": 1 << 40}, wantErr: "d_sae"},
		{name: "d_sae 1e30", arch: "standard", set: map[string]any{"d_sae": 1e30}, wantErr: "d_sae"},
		{name: "d_sae larger than the weights", arch: "standard", set: map[string]any{"d_sae": 5}, wantErr: "W_dec"},
		{name: "topk with k", arch: "topk", variant: TopK, k: 2},
		{name: "topk with activation_fn_kwargs.k (SAELens < 6)", arch: "topk", del: []string{"k"},
			set: map[string]any{"activation_fn_str": "topk", "activation_fn_kwargs": map[string]any{"k": 3}}, variant: TopK, k: 3},
		{name: "standard with activation topk (SAELens < 6)", arch: "standard",
			set: map[string]any{"activation_fn_str": "topk", "activation_fn_kwargs": map[string]any{"k": 3}}, variant: TopK, k: 3},
		{name: "k in both places", arch: "topk", set: map[string]any{"activation_fn_kwargs": map[string]any{"k": 2}}, variant: TopK, k: 2},
		{name: "k and activation_fn_kwargs.k disagree", arch: "topk", set: map[string]any{"activation_fn_kwargs": map[string]any{"k": 3}}, wantErr: "k"},
		{name: "k 3.0", arch: "topk", set: map[string]any{"k": json.RawMessage("3.0")}, variant: TopK, k: 3},
		{name: "k 2.7", arch: "topk", set: map[string]any{"k": 2.7}, wantErr: "k 2.7"},
		{name: "activation_fn_kwargs.k 2.7", arch: "topk", del: []string{"k"}, set: map[string]any{"activation_fn_kwargs": map[string]any{"k": 2.7}}, wantErr: "activation_fn_kwargs.k 2.7"},
		{name: "k 0", arch: "topk", set: map[string]any{"k": 0}, wantErr: "k 0"},
		{name: "k above d_sae", arch: "topk", set: map[string]any{"k": gSAE + 1}, wantErr: "k 5"},
		{name: "k a string", arch: "topk", set: map[string]any{"k": "2"}, wantErr: "k"},
		{name: "k 1e400", arch: "topk", set: map[string]any{"k": json.RawMessage("1e400")}, wantErr: "k"},
		{name: "k missing", arch: "topk", del: []string{"k"}, wantErr: "k: missing"},
		{name: "topk with activation relu", arch: "topk", set: map[string]any{"activation_fn_str": "relu"}, wantErr: "activation_fn_str"},
		{name: "jumprelu", arch: "jumprelu", variant: JumpReLU},
		{name: "jumprelu with activation topk", arch: "jumprelu", set: map[string]any{"activation_fn": "topk"}, wantErr: "activation_fn"},
		{name: "rescale_acts_by_decoder_norm", arch: "topk", set: map[string]any{"rescale_acts_by_decoder_norm": true}, variant: TopK, k: 2},
		{name: "superposition_variant of another family", arch: "standard", set: map[string]any{"superposition_variant": "topk"}, wantErr: "superposition_variant"},
		{name: "superposition_variant relu-l1", arch: "standard", set: map[string]any{"superposition_variant": "relu-l1"}, variant: ReLUL1},
		{name: "superposition_config of another family", arch: "standard", set: map[string]any{"superposition_config": map[string]any{"variant": "jumprelu"}}, wantErr: "superposition_config.variant"},
		{name: "superposition_config of another size", arch: "standard", set: map[string]any{"superposition_config": map[string]any{"variant": "relu-l1", "d_in": 7}}, wantErr: "superposition_config.d_in"},
		{name: "superposition_config with another k", arch: "topk", set: map[string]any{"superposition_config": map[string]any{"variant": "topk", "k": 3}}, wantErr: "superposition_config.k"},
		{name: "not JSON", arch: "standard", raw: `{"d_in": [`, wantErr: "cfg.json"},
		{name: "not an object", arch: "standard", raw: `[]`, wantErr: "cfg.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, ts := genuine(tt.arch)
			maps.Copy(cfg, tt.set)
			for _, k := range tt.del {
				delete(cfg, k)
			}
			dir := t.TempDir()
			js, err := json.Marshal(cfg)
			if tt.raw != "" {
				js = []byte(tt.raw)
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, SAELensConfig), js, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, SAELensWeights), safetensorsFile(t, ts), 0o644); err != nil {
				t.Fatal(err)
			}
			m, p, err := ImportSAELens(dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ImportSAELens(%s) error = %v; want one naming %q", js, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ImportSAELens(%s) error = %v; want none", js, err)
			}
			if c := m.Config(); c.Variant != tt.variant || c.Inputs != gIn || c.Latents != gSAE || (tt.k != 0 && c.K != tt.k) {
				t.Errorf("imported %s, %d → %d, k %d; want %s, %d → %d, k %d", c.Variant, c.Inputs, c.Latents, c.K, tt.variant, gIn, gSAE, tt.k)
			}
			if got := p.Shape(ParamWEnc); !slices.Equal(got, []int{gIn, gSAE}) {
				t.Errorf("W_enc shape %v; want [%d %d]", got, gIn, gSAE)
			}
		})
	}
}

// TestImportSAELensPeer reads the cfg.json the project's PyTorch peer
// writes (lm_peer.py sae --save-sae): SAELens 6's top-level k.
func TestImportSAELensPeer(t *testing.T) {
	_, ts := genuine("topk")
	peer := map[string]any{"architecture": "topk", "k": 2, "d_in": gIn, "d_sae": gSAE, "hook_name": "blocks.0.mlp.hook_post",
		"dtype": "float32", "normalize_activations": "none", "apply_b_dec_to_input": true}
	m, _, err := ImportSAELens(saelensDir(t, peer, ts))
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Config(); c.Variant != TopK || c.K != 2 {
		t.Errorf("imported %s with k %d; want topk with k 2", c.Variant, c.K)
	}
}

func TestImportSAELensWeights(t *testing.T) {
	vals := genuineValues()
	with := func(name string, f func(v []float32)) []float32 {
		v := slices.Clone(vals[name])
		f(v)
		return v
	}
	replace := func(x fileTensor) func([]fileTensor) []fileTensor {
		return func(ts []fileTensor) []fileTensor {
			for i := range ts {
				if ts[i].name == x.name {
					ts[i] = x
					return ts
				}
			}
			return append(ts, x)
		}
	}
	f64 := make([]byte, 8*gIn*gSAE)
	for i, v := range vals[ParamWEnc] {
		binary.LittleEndian.PutUint64(f64[8*i:], math.Float64bits(float64(v)))
	}
	f64Inexact := slices.Clone(f64)
	binary.LittleEndian.PutUint64(f64Inexact, math.Float64bits(0.1))
	tests := []struct {
		name    string
		arch    string
		set     map[string]any
		edit    func([]fileTensor) []fileTensor
		wantErr string
	}{
		{name: "missing b_enc", arch: "standard", edit: func(ts []fileTensor) []fileTensor {
			return slices.DeleteFunc(ts, func(x fileTensor) bool { return x.name == ParamBEnc })
		}, wantErr: "b_enc: missing"},
		{name: "missing threshold", arch: "jumprelu", edit: func(ts []fileTensor) []fileTensor {
			return slices.DeleteFunc(ts, func(x fileTensor) bool { return x.name == ParamThreshold })
		}, wantErr: "threshold: missing"},
		{name: "gated's b_gate", arch: "standard", edit: replace(fileTensor{"b_gate", "F32", []int{gSAE}, encode("F32", vals[ParamBEnc])}), wantErr: "b_gate"},
		{name: "threshold in a standard SAE", arch: "standard", edit: replace(fileTensor{ParamThreshold, "F32", []int{gSAE}, encode("F32", vals[ParamThreshold])}), wantErr: "threshold"},
		{name: "training log_threshold", arch: "jumprelu", edit: replace(fileTensor{"log_threshold", "F32", []int{gSAE}, encode("F32", vals[ParamThreshold])}), wantErr: "log_threshold"},
		{name: "scaling_factor of ones", arch: "standard", edit: replace(fileTensor{"scaling_factor", "F32", []int{gSAE}, encode("F32", []float32{1, 1, 1, 1})})},
		{name: "scaling_factor not ones", arch: "standard", edit: replace(fileTensor{"scaling_factor", "F32", []int{gSAE}, encode("F32", []float32{1, 2, 1, 1})}), wantErr: "scaling_factor[1]"},
		{name: "W_dec transposed", arch: "standard", edit: replace(fileTensor{ParamWDec, "F32", []int{gIn, gSAE}, encode("F32", vals[ParamWDec])}), wantErr: "W_dec: shape"},
		{name: "NaN in W_enc", arch: "standard", edit: replace(fileTensor{ParamWEnc, "F32", []int{gIn, gSAE},
			encode("F32", with(ParamWEnc, func(v []float32) { v[5] = float32(math.NaN()) }))}), wantErr: "W_enc[5] is NaN"},
		{name: "Inf in b_dec (F16)", arch: "standard", edit: replace(fileTensor{ParamBDec, "F16", []int{gIn},
			encode("F16", with(ParamBDec, func(v []float32) { v[2] = float32(math.Inf(-1)) }))}), wantErr: "b_dec[2] is -Inf"},
		{name: "Inf in threshold (BF16)", arch: "jumprelu", edit: replace(fileTensor{ParamThreshold, "BF16", []int{gSAE},
			encode("BF16", with(ParamThreshold, func(v []float32) { v[0] = float32(math.Inf(1)) }))}), wantErr: "threshold[0] is +Inf"},
		{name: "I8 tensor", arch: "standard", edit: replace(fileTensor{ParamBDec, "I8", []int{gIn}, []byte{1, 2, 3}}), wantErr: "I8"},
		{name: "F64 that float32 holds", arch: "standard", edit: replace(fileTensor{ParamWEnc, "F64", []int{gIn, gSAE}, f64})},
		{name: "F64 that float32 does not hold", arch: "standard", edit: replace(fileTensor{ParamWEnc, "F64", []int{gIn, gSAE}, f64Inexact}), wantErr: "W_enc[0]"},
		{name: "negative threshold", arch: "jumprelu", edit: replace(fileTensor{ParamThreshold, "F32", []int{gSAE},
			encode("F32", with(ParamThreshold, func(v []float32) { v[1] = -0.5 }))}), wantErr: "threshold[1]"},
		{name: "beyond float16, cfg.json's dtype", arch: "standard", set: map[string]any{"dtype": "float16"}, edit: replace(fileTensor{ParamWDec, "F32", []int{gSAE, gIn},
			encode("F32", with(ParamWDec, func(v []float32) { v[3] = 1e5 }))}), wantErr: "W_dec[3] = 100000: beyond the range of cfg.json's dtype float16"},
		{name: "rescale_acts_by_decoder_norm with a zero decoder row", arch: "topk", set: map[string]any{"rescale_acts_by_decoder_norm": true},
			edit:    replace(fileTensor{ParamWDec, "F32", []int{gSAE, gIn}, encode("F32", with(ParamWDec, func(v []float32) { clear(v[3:6]) }))}),
			wantErr: "rescale_acts_by_decoder_norm: W_dec row 1"},
		{name: "no tensors", arch: "standard", edit: func([]fileTensor) []fileTensor { return nil }, wantErr: "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, ts := genuine(tt.arch)
			maps.Copy(cfg, tt.set)
			if tt.edit != nil {
				ts = tt.edit(ts)
			}
			_, _, err := ImportSAELens(saelensDir(t, cfg, ts))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ImportSAELens error = %v; want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), SAELensWeights) {
				t.Fatalf("ImportSAELens error = %v; want one naming %s and %q", err, SAELensWeights, tt.wantErr)
			}
		})
	}
}

// TestImportSAELensDtypes stores one SAE in every dtype and reads back the
// same parameters; with cfg.json's dtype narrower than the file's, the
// weights are rounded to it as SAELens rounds them on load.
func TestImportSAELensDtypes(t *testing.T) {
	third := float32(1.0 / 3)
	tests := []struct {
		file, cfg string
		b0        float32 // the value stored as b_dec[0]
		want      float32 // b_dec[0] after the import
	}{
		{"F32", "float32", third, third},
		{"F16", "float32", 0x1p-20, 0x1p-20}, // a binary16 subnormal
		{"BF16", "bfloat16", -0x1p-130, -0x1p-130},
		{"F64", "float64", third, third},
		{"F16", "float16", -65504, -65504},
		{"F32", "float16", third, 0x1.554p-2},    // 0.333251953125
		{"F32", "bfloat16", third, 0x1.56p-2},    // 0.333984375
		{"F32", "torch.float16", 1 + 0x1p-11, 1}, // a tie, to even
	}
	for _, tt := range tests {
		t.Run(tt.file+" as "+tt.cfg, func(t *testing.T) {
			cfg, ts := genuine("jumprelu")
			cfg["dtype"] = tt.cfg
			vals := genuineValues()
			vals[ParamBDec][0] = tt.b0
			for i := range ts {
				ts[i].dtype, ts[i].data = tt.file, encode(tt.file, vals[ts[i].name])
			}
			_, p, err := ImportSAELens(saelensDir(t, cfg, ts))
			if err != nil {
				t.Fatal(err)
			}
			vals[ParamBDec][0] = tt.want
			for _, name := range p.Names() {
				for i, got := range p.Float64s(name) {
					if float32(got) != vals[name][i] {
						t.Errorf("%s[%d] = %v; want %v", name, i, got, vals[name][i])
					}
				}
			}
		})
	}
}

// saelensLatents is SAELens' encoder, written out from sae_lens/saes in
// float64: pre = (x − b_dec)·W_enc + b_enc; standard ReLU(pre); topk the k
// largest of pre·‖W_dec rows‖ (when rescaled), then ReLU; jumprelu
// ReLU(pre)·H(pre − θ).
func saelensLatents(arch string, k int, rescale bool, vals map[string][]float32, x []float64) []float64 {
	out := make([]float64, gSAE)
	for j := range out {
		pre := float64(vals[ParamBEnc][j])
		for i := range gIn {
			pre += (x[i] - float64(vals[ParamBDec][i])) * float64(vals[ParamWEnc][i*gSAE+j])
		}
		if rescale {
			var n float64
			for i := range gIn {
				n += float64(vals[ParamWDec][j*gIn+i]) * float64(vals[ParamWDec][j*gIn+i])
			}
			pre *= math.Sqrt(n)
		}
		out[j] = pre
	}
	switch arch {
	case "topk":
		order := []int{0, 1, 2, 3}
		slices.SortStableFunc(order, func(a, b int) int { return -cmpFloat(out[a], out[b]) })
		kept := make([]float64, gSAE)
		for _, j := range order[:k] {
			kept[j] = max(out[j], 0)
		}
		return kept
	case "jumprelu":
		for j := range out {
			if !(out[j] > float64(vals[ParamThreshold][j])) {
				out[j] = 0
			}
		}
	}
	for j := range out {
		out[j] = max(out[j], 0)
	}
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestImportSAELensForward: an imported SAELens SAE computes SAELens'
// latents (to float32 rounding) and reconstruction, including TopK with
// rescale_acts_by_decoder_norm on a decoder whose rows are not unit norm.
func TestImportSAELensForward(t *testing.T) {
	tests := []struct {
		name    string
		arch    string
		rescale bool
	}{
		{"standard", "standard", false},
		{"topk", "topk", false},
		{"topk rescaled", "topk", true},
		{"jumprelu", "jumprelu", false},
	}
	xs := [][]float64{{0.3, -1.2, 2}, {1, 1, 1}, {-0.7, 0.25, 0.9}, {2, -2, 0.5}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, ts := genuine(tt.arch)
			if tt.rescale {
				cfg["rescale_acts_by_decoder_norm"] = true
			}
			m, p, err := ImportSAELens(saelensDir(t, cfg, ts))
			if err != nil {
				t.Fatal(err)
			}
			var xf []float32
			for _, x := range xs {
				for _, v := range x {
					xf = append(xf, float32(v))
				}
			}
			out, err := graph.Forward(p, xf, gIn, len(xs), func(b *graph.Builder, x *graph.Node) []*graph.Node {
				_, f := m.Encode(b, x, true)
				return []*graph.Node{f, m.Decode(b, f)}
			})
			if err != nil {
				t.Fatal(err)
			}
			vals := genuineValues()
			for r, x := range xs {
				want := saelensLatents(tt.arch, 2, tt.rescale, vals, x)
				for j, w := range want {
					if got := float64(out[0][r*gSAE+j]); math.Abs(got-w) > 1e-5 {
						t.Errorf("row %d: latent %d = %v; SAELens computes %v", r, j, got, w)
					}
				}
				// SAELens decodes f/‖W_dec row‖ with the file's W_dec when rescaled.
				for i := range gIn {
					w := float64(vals[ParamBDec][i])
					for j, f := range want {
						if tt.rescale {
							var n float64
							for c := range gIn {
								n += float64(vals[ParamWDec][j*gIn+c]) * float64(vals[ParamWDec][j*gIn+c])
							}
							f /= math.Sqrt(n)
						}
						w += f * float64(vals[ParamWDec][j*gIn+i])
					}
					if got := float64(out[1][r*gIn+i]); math.Abs(got-w) > 1e-5 {
						t.Errorf("row %d: reconstruction %d = %v; SAELens computes %v", r, i, got, w)
					}
				}
			}
		})
	}
}

// TestImportSAELensSpecialFiles: a FIFO, a device behind a symbolic link or
// a file larger than cfg.json allows is refused at once, whichever of the
// two files it is.
func TestImportSAELensSpecialFiles(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		make    func(path string) error
		wantErr string
	}{
		{"cfg.json a FIFO", SAELensConfig, func(p string) error { return syscall.Mkfifo(p, 0o644) }, "not a regular file"},
		{"cfg.json linked to /dev/zero", SAELensConfig, func(p string) error { return os.Symlink("/dev/zero", p) }, "not a regular file"},
		{"cfg.json of 2 MiB", SAELensConfig, func(p string) error { return sparse(p, 2<<20) }, "more than the"},
		{"weights a FIFO", SAELensWeights, func(p string) error { return syscall.Mkfifo(p, 0o644) }, "not a regular file"},
		{"weights linked to /dev/zero", SAELensWeights, func(p string) error { return os.Symlink("/dev/zero", p) }, "not a regular file"},
		{"weights of 1 GiB", SAELensWeights, func(p string) error { return sparse(p, 1<<30) }, "more than the"},
		{"weights missing", SAELensWeights, func(string) error { return nil }, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, ts := genuine("standard")
			dir := saelensDir(t, cfg, ts)
			path := filepath.Join(dir, tt.file)
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if err := tt.make(path); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { _, _, err := ImportSAELens(dir); done <- err }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.file) {
					t.Errorf("ImportSAELens error = %v; want one naming %s and %q", err, tt.file, tt.wantErr)
				}
			case <-time.After(time.Second):
				t.Fatalf("ImportSAELens still running after a second")
			}
		})
	}
}

// sparse creates a file of n bytes without writing them.
func sparse(path string, n int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := f.Truncate(n); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// TestSAELensWeightsLimit: the largest file cfg.json allows is the header's
// room plus every tensor of its size in F64, and d_in·d_sae is bounded
// before it is multiplied out.
func TestSAELensWeightsLimit(t *testing.T) {
	tests := []struct {
		din, dsae int
		want      int64
	}{
		{3, 4, 8 + saelensHeader + 8*(2*12+3+3*4)},
		{1 << 15, 1 << 15, 8 + saelensHeader + 8*(2<<30+1<<15+3<<15)},
	}
	for _, tt := range tests {
		f := saelensFile{DIn: tt.din, DSAE: tt.dsae}
		pl, err := f.plan()
		if err != nil {
			t.Fatalf("plan(d_in %d, d_sae %d): %v", tt.din, tt.dsae, err)
		}
		if got := pl.maxBytes(); got != tt.want {
			t.Errorf("maxBytes(d_in %d, d_sae %d) = %d; want %d", tt.din, tt.dsae, got, tt.want)
		}
	}
	f := saelensFile{DIn: 1<<15 + 1, DSAE: 1 << 15}
	if _, err := f.plan(); err == nil || !strings.Contains(err.Error(), "d_sae") {
		t.Errorf("plan(d_in 2¹⁵+1, d_sae 2¹⁵) error = %v; want one naming d_in × d_sae", err)
	}
}
