package transformer

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/internal/atomicfile"
	"github.com/toymodels/superposition/internal/safeio"
	"github.com/toymodels/superposition/models/sae"
)

// The files of a model exported in TransformerLens' layout.
const (
	WeightsFile = "model.safetensors"
	ConfigFile  = "config.json"
)

// maxModelFile bounds the size of a weights or config file we read.
const maxModelFile = 1 << 30

// TLConfig is the part of TransformerLens' HookedTransformerConfig that
// describes this model, as written to config.json.
type TLConfig struct {
	NLayers                 int     `json:"n_layers"`
	DModel                  int     `json:"d_model"`
	DHead                   int     `json:"d_head"`
	NHeads                  int     `json:"n_heads"`
	DMLP                    int     `json:"d_mlp"`
	DVocab                  int     `json:"d_vocab"`
	DVocabOut               int     `json:"d_vocab_out"`
	NCtx                    int     `json:"n_ctx"`
	ActFn                   string  `json:"act_fn"`
	NormalizationType       string  `json:"normalization_type"`
	PositionalEmbeddingType string  `json:"positional_embedding_type"`
	Eps                     float64 `json:"eps"`
	AttnOnly                bool    `json:"attn_only"`
	// Tokenizer is "bytes": token i is the byte i (no tokenizer file).
	Tokenizer string `json:"tokenizer_name"`
}

// TLConfig returns the model's HookedTransformerConfig fields.
func (c Config) TLConfig() TLConfig {
	return TLConfig{NLayers: 1, DModel: c.DModel, DHead: c.DHead(), NHeads: c.Heads, DMLP: c.DMLP,
		DVocab: c.Vocab, DVocabOut: c.Vocab, NCtx: c.Ctx, ActFn: c.Act, NormalizationType: "LN",
		PositionalEmbeddingType: "standard", Eps: c.LNEps, Tokenizer: "bytes"}
}

// config returns the Config of a TransformerLens config, or an error naming
// the first field this model cannot express.
func (t TLConfig) config() (Config, error) {
	switch {
	case t.NLayers != 1:
		return Config{}, fmt.Errorf("n_layers %d: this model has one layer", t.NLayers)
	case t.NormalizationType != "LN":
		return Config{}, fmt.Errorf("normalization_type %q: want LN", t.NormalizationType)
	case t.PositionalEmbeddingType != "standard":
		return Config{}, fmt.Errorf("positional_embedding_type %q: want standard", t.PositionalEmbeddingType)
	case t.AttnOnly:
		return Config{}, errors.New("attn_only: this model has an MLP")
	case t.NHeads > 0 && t.DHead*t.NHeads != t.DModel:
		return Config{}, fmt.Errorf("d_head %d × n_heads %d ≠ d_model %d", t.DHead, t.NHeads, t.DModel)
	case t.DVocabOut != 0 && t.DVocabOut != t.DVocab:
		return Config{}, fmt.Errorf("d_vocab_out %d ≠ d_vocab %d", t.DVocabOut, t.DVocab)
	}
	c := Config{DModel: t.DModel, Heads: t.NHeads, DMLP: t.DMLP, Ctx: t.NCtx, Vocab: t.DVocab, Act: t.ActFn, LNEps: t.Eps}
	if c.LNEps == 0 {
		c.LNEps = 1e-5 // HookedTransformerConfig's default
	}
	return c, c.Validate()
}

// tlShape returns the TransformerLens shape of parameter name of model c, and
// whether its values must be permuted (the attention's W_Q, W_K, W_V are
// [d, d] here, [heads, d, d_head] there).
func (c Config) tlShape(name string, shape []int) ([]int, bool) {
	switch name {
	case "blocks.0.attn.W_Q", "blocks.0.attn.W_K", "blocks.0.attn.W_V":
		return []int{c.Heads, c.DModel, c.DHead()}, true
	case "blocks.0.attn.W_O":
		return []int{c.Heads, c.DHead(), c.DModel}, false
	}
	return shape, false
}

// toTL permutes a [d, d] matrix whose column h·dh+j belongs to head h into
// TransformerLens' [heads, d, dh]; fromTL is its inverse.
func toTL(w []float32, d, heads int) []float32 {
	dh := d / heads
	out := make([]float32, len(w))
	for i := 0; i < d; i++ {
		for h := 0; h < heads; h++ {
			copy(out[(h*d+i)*dh:(h*d+i+1)*dh], w[i*d+h*dh:i*d+(h+1)*dh])
		}
	}
	return out
}

func fromTL(w []float32, d, heads int) []float32 {
	dh := d / heads
	out := make([]float32, len(w))
	for i := 0; i < d; i++ {
		for h := 0; h < heads; h++ {
			copy(out[i*d+h*dh:i*d+(h+1)*dh], w[(h*d+i)*dh:(h*d+i+1)*dh])
		}
	}
	return out
}

// TLTensors returns the parameters of p (the model's, see [Model.Params]) in
// TransformerLens' state-dict names and shapes.
func (m *Model) TLTensors(p *graph.Params) ([]sae.Tensor, error) {
	c := m.cfg
	var out []sae.Tensor
	for _, name := range m.ParamNames() {
		t := p.Tensor(name)
		if t == nil {
			return nil, fmt.Errorf("transformer: parameter %s is missing", name)
		}
		vals := p.Float64s(name)
		data := make([]float32, len(vals))
		for i, v := range vals {
			data[i] = float32(v)
		}
		shape, permute := c.tlShape(name, []int(t.Shape()))
		if permute {
			data = toTL(data, c.DModel, c.Heads)
		}
		out = append(out, sae.Tensor{Name: name, Shape: append([]int(nil), shape...), Data: data})
	}
	return out, nil
}

// ParamNames lists the model's parameters in the order [Model.Params]
// declares them.
func (m *Model) ParamNames() []string {
	names := []string{"embed.W_E", "pos_embed.W_pos", "blocks.0.ln1.w", "blocks.0.ln1.b",
		"blocks.0.attn.W_Q", "blocks.0.attn.W_K", "blocks.0.attn.W_V", "blocks.0.attn.W_O",
		"blocks.0.ln2.w", "blocks.0.ln2.b", "blocks.0.mlp.W_in", "blocks.0.mlp.b_in",
		"blocks.0.mlp.W_out", "blocks.0.mlp.b_out"}
	if m.cfg.Act == SoLU {
		names = append(names, "blocks.0.mlp.ln.w", "blocks.0.mlp.ln.b")
	}
	return append(names, "ln_final.w", "ln_final.b", "unembed.W_U")
}

// ExportTransformerLens writes the model to dir as TransformerLens would
// load it: model.safetensors with its state-dict names and shapes, and
// config.json with HookedTransformerConfig's fields. Each file is written
// atomically.
func ExportTransformerLens(dir string, m *Model, p *graph.Params) error {
	ts, err := m.TLTensors(p)
	if err != nil {
		return err
	}
	data, err := sae.EncodeSafetensors(ts, map[string]string{"format": "pt"})
	if err != nil {
		return fmt.Errorf("transformer: export: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, WeightsFile), data); err != nil {
		return fmt.Errorf("transformer: export: %w", err)
	}
	cj, err := json.MarshalIndent(m.cfg.TLConfig(), "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, ConfigFile), append(cj, '\n')); err != nil {
		return fmt.Errorf("transformer: export: %w", err)
	}
	return nil
}

// ImportTransformerLens reads a model written by [ExportTransformerLens] (or
// by TransformerLens, for a one-layer model of this shape: extra biases
// b_Q, b_K, b_V, b_O and b_U are accepted when zero) and returns it with
// float32 parameters seeded by seed (the seed matters only for parameters
// created later). Every error names the file and the tensor.
func ImportTransformerLens(dir string, seed uint64) (*Model, *graph.Params, error) {
	cpath := filepath.Join(dir, ConfigFile)
	raw, err := safeio.ReadFile(cpath, 1<<20)
	if err != nil {
		return nil, nil, fmt.Errorf("transformer: import: %w", err)
	}
	var tc TLConfig
	if err := json.Unmarshal(raw, &tc); err != nil {
		return nil, nil, fmt.Errorf("transformer: import %s: %w", cpath, err)
	}
	cfg, err := tc.config()
	if err != nil {
		return nil, nil, fmt.Errorf("transformer: import %s: %w", cpath, err)
	}
	m, err := New(cfg)
	if err != nil {
		return nil, nil, err
	}
	wpath := filepath.Join(dir, WeightsFile)
	data, err := safeio.ReadFile(wpath, maxModelFile)
	if err != nil {
		return nil, nil, fmt.Errorf("transformer: import: %w", err)
	}
	ts, err := sae.DecodeSafetensors(data)
	if err != nil {
		return nil, nil, fmt.Errorf("transformer: import %s: %w", wpath, err)
	}
	p := graph.NewParams(seed)
	if err := m.SetTL(p, ts); err != nil {
		return nil, nil, fmt.Errorf("transformer: import %s: %w", wpath, err)
	}
	return m, p, nil
}

// SetTL sets the model's parameters in p from tensors in TransformerLens'
// names and shapes, checking every shape; zero extra biases are accepted.
func (m *Model) SetTL(p *graph.Params, ts map[string]sae.Tensor) error {
	c := m.cfg
	known := map[string]bool{}
	for _, name := range m.ParamNames() {
		known[name] = true
		t, ok := ts[name]
		if !ok {
			return fmt.Errorf("tensor %s is missing", name)
		}
		shape := m.paramShape(name)
		want, permute := c.tlShape(name, shape)
		if !slices.Equal(t.Shape, want) {
			return fmt.Errorf("tensor %s has shape %v; want %v", name, t.Shape, want)
		}
		data := t.Data
		if permute {
			data = fromTL(data, c.DModel, c.Heads)
		}
		vals := make([]float64, len(data))
		for i, v := range data {
			vals[i] = float64(v)
		}
		if err := p.Set(name, shape, vals); err != nil {
			return err
		}
	}
	for name, t := range ts {
		if known[name] {
			continue
		}
		switch name {
		case "blocks.0.attn.b_Q", "blocks.0.attn.b_K", "blocks.0.attn.b_V", "blocks.0.attn.b_O", "unembed.b_U":
			for _, v := range t.Data {
				if v != 0 {
					return fmt.Errorf("tensor %s is not zero: this model has no such bias", name)
				}
			}
		case "blocks.0.attn.mask", "blocks.0.attn.IGNORE":
			// TransformerLens' buffers.
		default:
			return fmt.Errorf("tensor %s is not a parameter of this model", name)
		}
	}
	return nil
}

// paramShape is the shape [Model.Params] gives parameter name.
func (m *Model) paramShape(name string) []int {
	c := m.cfg
	d, mlp := c.DModel, c.DMLP
	switch name {
	case "embed.W_E":
		return []int{c.Vocab, d}
	case "pos_embed.W_pos":
		return []int{c.Ctx, d}
	case "blocks.0.attn.W_Q", "blocks.0.attn.W_K", "blocks.0.attn.W_V", "blocks.0.attn.W_O":
		return []int{d, d}
	case "blocks.0.mlp.W_in":
		return []int{d, mlp}
	case "blocks.0.mlp.b_in", "blocks.0.mlp.ln.w", "blocks.0.mlp.ln.b":
		return []int{mlp}
	case "blocks.0.mlp.W_out":
		return []int{mlp, d}
	case "unembed.W_U":
		return []int{d, c.Vocab}
	}
	return []int{d} // LayerNorm gains and biases, b_out
}
