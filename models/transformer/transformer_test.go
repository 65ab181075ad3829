package transformer

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/models/sae"
)

// tiny is a small model for fast tests.
var tiny = Config{DModel: 16, Heads: 2, DMLP: 32, Ctx: 8}

// initParams declares the parameters of m in a fresh float32 store.
func initParams(t *testing.T, m *Model, seed uint64) *graph.Params {
	t.Helper()
	p := graph.NewParams(seed)
	b := graph.NewBuilder(p)
	m.Params(b)
	if b.Err() != nil {
		t.Fatal(b.Err())
	}
	return p
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{DModel: 10, Heads: 3}, "not a multiple"},
		{Config{Act: "gelu"}, "act_fn"},
		{Config{DMLP: -1}, "positive"},
		{Config{LNEps: math.NaN()}, "eps"},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v; want an error containing %q", tt.cfg, err, tt.want)
		}
	}
	m, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Config(), DefaultConfig(); got != want {
		t.Errorf("New(Config{}).Config() = %+v; want the defaults %+v", got, want)
	}
}

// TestExportImportRoundTrip: the exported files hold TransformerLens' names
// and shapes, and importing them gives back the same parameters.
func TestExportImportRoundTrip(t *testing.T) {
	for _, act := range []string{ReLU, SoLU} {
		cfg := tiny
		cfg.Act = act
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		p := initParams(t, m, 3)
		dir := t.TempDir()
		if err := ExportTransformerLens(dir, m, p); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, WeightsFile))
		if err != nil {
			t.Fatal(err)
		}
		ts, err := sae.DecodeSafetensors(data)
		if err != nil {
			t.Fatal(err)
		}
		wantShapes := map[string][]int{
			"embed.W_E": {256, 16}, "pos_embed.W_pos": {8, 16}, "blocks.0.attn.W_Q": {2, 16, 8},
			"blocks.0.attn.W_O": {2, 8, 16}, "blocks.0.mlp.W_in": {16, 32}, "blocks.0.mlp.b_in": {32},
			"blocks.0.mlp.W_out": {32, 16}, "unembed.W_U": {16, 256}, "ln_final.w": {16},
		}
		if act == SoLU {
			wantShapes["blocks.0.mlp.ln.w"] = []int{32}
		}
		for name, want := range wantShapes {
			if got := ts[name].Shape; !slices.Equal(got, want) {
				t.Errorf("%s: exported %s has shape %v; want %v", act, name, got, want)
			}
		}
		// W_Q[h, i, j] is column h·d_head + j of row i.
		wq := p.Float64s("blocks.0.attn.W_Q")
		if got, want := ts["blocks.0.attn.W_Q"].Data[(1*16+3)*8+5], float32(wq[3*16+1*8+5]); got != want {
			t.Errorf("%s: TL W_Q[1,3,5] = %v; want W_Q[3, 8+5] = %v", act, got, want)
		}
		m2, p2, err := ImportTransformerLens(dir, 9)
		if err != nil {
			t.Fatal(err)
		}
		if m2.Config() != m.Config() {
			t.Errorf("%s: imported config %+v; want %+v", act, m2.Config(), m.Config())
		}
		for _, name := range m.ParamNames() {
			a, b := p.Float64s(name), p2.Float64s(name)
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("%s: %s[%d] = %v after the round trip; want %v", act, name, i, b[i], a[i])
				}
			}
		}
	}
}

func TestImportRefusesBadFiles(t *testing.T) {
	m, _ := New(tiny)
	p := initParams(t, m, 1)
	dir := t.TempDir()
	if err := ExportTransformerLens(dir, m, p); err != nil {
		t.Fatal(err)
	}
	ts, _ := m.TLTensors(p)
	byName := map[string]sae.Tensor{}
	for _, x := range ts {
		byName[x.Name] = x
	}
	bad := map[string]sae.Tensor{}
	for k, v := range byName {
		bad[k] = v
	}
	bad["unembed.b_U"] = sae.Tensor{Name: "unembed.b_U", Shape: []int{256}, Data: append(make([]float32, 255), 1)}
	if err := m.SetTL(graph.NewParams(1), bad); err == nil || !strings.Contains(err.Error(), "unembed.b_U") {
		t.Errorf("SetTL with a nonzero b_U = %v; want an error naming it", err)
	}
	delete(bad, "unembed.b_U")
	delete(bad, "ln_final.w")
	if err := m.SetTL(graph.NewParams(1), bad); err == nil || !strings.Contains(err.Error(), "ln_final.w") {
		t.Errorf("SetTL without ln_final.w = %v; want an error naming it", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"n_layers": 2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ImportTransformerLens(dir, 1); err == nil || !strings.Contains(err.Error(), "n_layers") {
		t.Errorf("import of a 2-layer config = %v; want an error naming n_layers", err)
	}
}

// text is a short repetitive byte stream.
func text(n int) []byte {
	s := []byte(strings.Repeat("func main() { return x + y }\n", n/29+1))
	return s[:n]
}

func TestBitsPerByte(t *testing.T) {
	m, _ := New(tiny)
	p := initParams(t, m, 2)
	data := text(8*10 + 5) // 10 windows of 9 bytes, and a tail of 4 dropped
	if got := Windows(data, 8); got != 10 {
		t.Fatalf("Windows = %d; want 10", got)
	}
	ctx := context.Background()
	// Batches of 3 windows (and a last batch of 1) give the figure of one
	// batch of all 10.
	all, err := BitsPerByte(ctx, m, p, data, 10, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	split, err := BitsPerByte(ctx, m, p, data, 3, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(all-split) > 1e-5 {
		t.Errorf("bits in batches of 3 = %v; in one batch %v", split, all)
	}
	// A fresh model predicts about uniformly: near 8 bits per byte.
	if all < 6 || all > 12 {
		t.Errorf("bits per byte of an untrained model = %v; want about 8", all)
	}
	// Zero-ablating the MLP changes the loss; the identity hook does not.
	same, err := BitsPerByte(ctx, m, p, data, 10, 0, graph.HookPoints{HookMLPPost: func([]float32, int, int) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if same != all {
		t.Errorf("bits with an identity hook = %v; want %v", same, all)
	}
	zero, err := BitsPerByte(ctx, m, p, data, 10, 0, graph.HookPoints{HookMLPPost: func(x []float32, _, _ int) error { clear(x); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if zero == all {
		t.Errorf("zero-ablating %s left the loss at %v", HookMLPPost, all)
	}
}

// TestEveryHookPointIsReached: each hook point's function runs once per
// batch with the shape TransformerLens would give it (flattened).
func TestEveryHookPointIsReached(t *testing.T) {
	m, _ := New(tiny)
	p := initParams(t, m, 2)
	seen := map[string][2]int{}
	hooks := graph.HookPoints{}
	for _, name := range HookNames {
		if name == HookPattern {
			continue
		}
		hooks[name] = func(_ []float32, rows, cols int) error {
			seen[name] = [2]int{rows, cols}
			return nil
		}
	}
	if _, err := BitsPerByte(context.Background(), m, p, text(8*4+1), 4, 0, hooks); err != nil {
		t.Fatal(err)
	}
	for name := range hooks {
		want := [2]int{32, 16}
		if name == HookMLPPre || name == HookMLPPost {
			want[1] = 32
		}
		if seen[name] != want {
			t.Errorf("hook %s saw %v; want %v", name, seen[name], want)
		}
	}
}

func TestSampleIsSeeded(t *testing.T) {
	m, _ := New(tiny)
	p := initParams(t, m, 2)
	a, err := Sample(m, p, []byte("func "), 20, 1, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Sample(m, p, []byte("func "), 20, 1, 7)
	c, _ := Sample(m, p, []byte("func "), 20, 1, 8)
	if len(a) != 20 || string(a) != string(b) {
		t.Errorf("Sample twice with seed 7: %q and %q; want the same 20 bytes", a, b)
	}
	if string(a) == string(c) {
		t.Errorf("Sample with seeds 7 and 8 both gave %q", a)
	}
	if _, err := Sample(m, p, []byte("x"), 5, 0, 1); err == nil {
		t.Error("Sample at temperature 0 succeeded; want an error")
	}
}
