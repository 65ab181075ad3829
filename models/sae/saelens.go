package sae

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/toymodels/superposition/internal/half"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/internal/atomicfile"
	"github.com/toymodels/superposition/internal/safeio"
	"gorgonia.org/tensor"
)

// SAELens' file names.
const (
	SAELensConfig  = "cfg.json"
	SAELensWeights = "sae_weights.safetensors"
)

// SAELensConfigJSON is the cfg.json [ExportSAELens] writes: SAELens' fields
// (in its pre-6.0 spelling, which SAELens 6 still reads) and ours.
type SAELensConfigJSON struct {
	Architecture          string         `json:"architecture"`
	DIn                   int            `json:"d_in"`
	DSAE                  int            `json:"d_sae"`
	Dtype                 string         `json:"dtype"`
	Device                string         `json:"device"`
	ApplyBDecToInput      bool           `json:"apply_b_dec_to_input"`
	NormalizeActivations  string         `json:"normalize_activations"`
	ActivationFn          string         `json:"activation_fn_str"`
	ActivationFnKwargs    map[string]any `json:"activation_fn_kwargs"`
	FinetuningScaling     bool           `json:"finetuning_scaling_factor"`
	ModelName             string         `json:"model_name"`
	HookName              string         `json:"hook_name"`
	HookLayer             int            `json:"hook_layer"`
	HookHeadIndex         *int           `json:"hook_head_index"`
	ContextSize           int            `json:"context_size"`
	PrependBOS            bool           `json:"prepend_bos"`
	DatasetPath           string         `json:"dataset_path"`
	DatasetTrustRemote    bool           `json:"dataset_trust_remote_code"`
	SAELensTrainingVer    string         `json:"sae_lens_training_version"`
	Variant               Variant        `json:"superposition_variant"`
	SuperpositionTraining *Config        `json:"superposition_config,omitempty"`
}

// ExportSAELens writes dir/cfg.json and dir/sae_weights.safetensors in
// SAELens' layout: W_enc [d_in, d_sae], b_enc, W_dec [d_sae, d_in], b_dec,
// and threshold for JumpReLU (BatchTopK is exported as the JumpReLU it is
// at inference, with its learned threshold). The weights' SHA-256 is stored
// in the safetensors metadata so that [ImportSAELens] detects corruption.
// Each file is written atomically.
func ExportSAELens(dir string, m *Model, p *graph.Params, modelName, hookName string) error {
	cfg := m.Config()
	c := SAELensConfigJSON{
		Architecture: "standard", DIn: cfg.Inputs, DSAE: cfg.Latents, Dtype: "float32", Device: "cpu",
		ApplyBDecToInput: true, NormalizeActivations: "none", ActivationFn: "relu", ActivationFnKwargs: map[string]any{},
		ModelName: modelName, HookName: hookName, ContextSize: 1, DatasetPath: "synthetic",
		SAELensTrainingVer: "superposition-go", Variant: cfg.Variant, SuperpositionTraining: &cfg,
	}
	names := []string{ParamWEnc, ParamBEnc, ParamWDec, ParamBDec}
	switch cfg.Variant {
	case TopK:
		c.Architecture, c.ActivationFn, c.ActivationFnKwargs = "topk", "topk", map[string]any{"k": cfg.K}
	case JumpReLU, BatchTopK:
		c.Architecture = "jumprelu"
		names = append(names, ParamThreshold)
	}
	tensors := make([]Tensor, 0, len(names))
	for _, n := range names {
		t := p.Tensor(n)
		if t == nil {
			return fmt.Errorf("sae: export: parameter %s missing", n)
		}
		vals := p.Float64s(n)
		f := make([]float32, len(vals))
		for i, v := range vals {
			f[i] = float32(v)
		}
		tensors = append(tensors, Tensor{Name: n, Shape: t.Shape().Clone(), Data: f})
	}
	data, err := EncodeSafetensors(tensors, map[string]string{"format": "pt"})
	if err != nil {
		return err
	}
	js, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sae: export: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, SAELensWeights), data); err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, SAELensConfig), append(js, '\n'))
}

// Limits of [ImportSAELens], fixed before anything large is read.
const (
	// maxSAELensConfig bounds cfg.json (SAELens writes a few kilobytes).
	maxSAELensConfig = 1 << 20
	// maxSAELensMatrix bounds d_in·d_sae, the weights of each of W_enc and
	// W_dec: 2³⁰, 4 GiB as float32. A 131072-latent SAE of a model with
	// d_model 4096 has 2²⁹; Gemma Scope's million-latent ones are beyond it.
	// At its peak the import holds the file, one tensor as float64 and the
	// float32 parameters: about 24 GiB at the bound for an F32 file.
	maxSAELensMatrix = 1 << 30
	// saelensHeader is the room allowed for the safetensors header (names,
	// shapes, offsets and metadata; SAELens' are under a kilobyte).
	saelensHeader = 1 << 20
)

// saelensDtypes are cfg.json's dtypes (SAELens' DTYPE_MAP, without the
// "torch." prefix it also accepts).
var saelensDtypes = []string{"float32", "float64", "float16", "bfloat16"}

// saelensFile is cfg.json as [ImportSAELens] reads it: every field that
// SAELens (versions 3 to 6) writes and that changes the forward pass, with
// pointers and raw values where absence, null or an old spelling differ.
type saelensFile struct {
	Architecture         *string                    `json:"architecture"`
	DIn                  int                        `json:"d_in"`
	DSAE                 int                        `json:"d_sae"`
	Dtype                *string                    `json:"dtype"`
	ApplyBDecToInput     *bool                      `json:"apply_b_dec_to_input"`
	NormalizeActivations json.RawMessage            `json:"normalize_activations"`
	ActivationFnStr      *string                    `json:"activation_fn_str"` // SAELens < 6
	ActivationFn         *string                    `json:"activation_fn"`     // its 6.0 spelling
	ActivationFnKwargs   map[string]json.RawMessage `json:"activation_fn_kwargs"`
	K                    json.RawMessage            `json:"k"` // SAELens 6 TopK
	FinetuningScaling    *bool                      `json:"finetuning_scaling_factor"`
	ReshapeActivations   *string                    `json:"reshape_activations"`
	RescaleByDecoderNorm *bool                      `json:"rescale_acts_by_decoder_norm"`
	Variant              Variant                    `json:"superposition_variant"`
	Superposition        *Config                    `json:"superposition_config"`
}

// saelensPlan is what cfg.json asks of the import.
type saelensPlan struct {
	cfg Config
	// dtype is SAELens' compute dtype: it rounds the weights to it on load.
	dtype string
	// rescale is TopK's rescale_acts_by_decoder_norm, folded into the
	// weights as SAELens folds it when saving.
	rescale bool
	// ours marks a file of [ExportSAELens], whose JumpReLU is ours
	// (pre·H(pre−θ)) for every θ.
	ours bool
	// shapes are the tensors the file must hold.
	shapes map[string][]int
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

// family is the SAELens architecture of a variant at inference.
func family(v Variant) string {
	switch v {
	case ReLUL1, ReLUL1Norm:
		return "standard"
	case TopK:
		return "topk"
	case JumpReLU, BatchTopK:
		return "jumprelu"
	}
	return ""
}

// plan checks every field of f that changes the forward pass, supporting
// what the model here computes exactly and naming the first field it does
// not.
func (f *saelensFile) plan() (saelensPlan, error) {
	var pl saelensPlan
	switch {
	case f.DIn < 1:
		return pl, fmt.Errorf("d_in %d: must be at least 1", f.DIn)
	case f.DSAE < 1:
		return pl, fmt.Errorf("d_sae %d: must be at least 1", f.DSAE)
	case f.DIn > maxSAELensMatrix/f.DSAE:
		return pl, fmt.Errorf("d_in %d × d_sae %d: more than the %d weights a matrix may have here", f.DIn, f.DSAE, maxSAELensMatrix)
	}
	pl.dtype = "float32"
	if f.Dtype != nil {
		pl.dtype = strings.TrimPrefix(*f.Dtype, "torch.")
		if !slices.Contains(saelensDtypes, pl.dtype) {
			return pl, fmt.Errorf("dtype %q: not supported (want one of %v)", *f.Dtype, saelensDtypes)
		}
	}
	if f.ApplyBDecToInput != nil && !*f.ApplyBDecToInput {
		return pl, errors.New("apply_b_dec_to_input false: not supported (the encoder here always subtracts b_dec from its input)")
	}
	if !isNull(f.NormalizeActivations) {
		var on bool
		var mode string
		switch {
		case json.Unmarshal(f.NormalizeActivations, &on) == nil:
			// SAELens < 6 wrote a bool; true is expected_average_only_in.
			if on {
				return pl, errors.New("normalize_activations true: not supported (it scales the input by a factor that is not in the files)")
			}
		case json.Unmarshal(f.NormalizeActivations, &mode) == nil:
			if mode != "none" {
				return pl, fmt.Errorf("normalize_activations %q: not supported (only none: the model here does not rescale its input)", mode)
			}
		default:
			return pl, fmt.Errorf("normalize_activations %s: want a string", f.NormalizeActivations)
		}
	}
	if f.FinetuningScaling != nil && *f.FinetuningScaling {
		return pl, errors.New("finetuning_scaling_factor true: not supported (the decoder here does not scale the latents)")
	}
	// hook_z reshaping flattens [n_heads, d_head] into the d_in rows the
	// model here reads; on flat rows it changes nothing.
	if r := f.ReshapeActivations; r != nil && *r != "none" && *r != "hook_z" {
		return pl, fmt.Errorf("reshape_activations %q: not supported (want none or hook_z)", *r)
	}
	actField, act := "activation_fn_str", ""
	if f.ActivationFnStr != nil {
		act = *f.ActivationFnStr
	}
	if f.ActivationFn != nil {
		if f.ActivationFnStr != nil && act != *f.ActivationFn {
			return pl, fmt.Errorf("activation_fn %q: activation_fn_str says %q", *f.ActivationFn, act)
		}
		actField, act = "activation_fn", *f.ActivationFn
	}
	arch := "standard" // SAELens' default for a config without one
	if f.Architecture != nil {
		arch = *f.Architecture
	}
	var v Variant
	switch arch {
	case "standard":
		// SAELens < 6 ran TopK as a standard SAE with activation topk.
		switch act {
		case "", "relu":
			v = ReLUL1Norm
		case "topk":
			v = TopK
		}
	case "topk":
		if act == "" || act == "topk" {
			v = TopK
		}
	case "jumprelu":
		if act == "" || act == "relu" {
			v = JumpReLU
		}
	default:
		return pl, fmt.Errorf("architecture %q: not supported (want standard, topk or jumprelu)", arch)
	}
	if v == "" {
		return pl, fmt.Errorf("%s %q: not supported for architecture %s", actField, act, arch)
	}
	for _, key := range slices.Sorted(maps.Keys(f.ActivationFnKwargs)) {
		if key != "k" {
			return pl, fmt.Errorf("activation_fn_kwargs.%s: not supported (only k)", key)
		}
	}
	k, kField := 0, ""
	for _, src := range []struct {
		field string
		raw   json.RawMessage
	}{{"k", f.K}, {"activation_fn_kwargs.k", f.ActivationFnKwargs["k"]}} {
		if isNull(src.raw) {
			continue
		}
		var x float64
		if err := json.Unmarshal(src.raw, &x); err != nil || x != math.Trunc(x) || x < 1 || x > float64(f.DSAE) {
			return pl, fmt.Errorf("%s %s: must be a whole number in [1, d_sae=%d]", src.field, src.raw, f.DSAE)
		}
		if kField != "" && int(x) != k {
			return pl, fmt.Errorf("%s %d: %s says %d", src.field, int(x), kField, k)
		}
		k, kField = int(x), src.field
	}
	if f.Variant != "" {
		if family(f.Variant) != family(v) {
			return pl, fmt.Errorf("superposition_variant %q: not a %s SAE", string(f.Variant), family(v))
		}
		v = f.Variant
	}
	pl.cfg = Config{Variant: v, K: k}
	if s := f.Superposition; s != nil {
		switch {
		case family(s.Variant) != family(v) || (f.Variant != "" && s.Variant != f.Variant):
			return pl, fmt.Errorf("superposition_config.variant %q: the file is a %s SAE", string(s.Variant), v)
		case s.Inputs != 0 && s.Inputs != f.DIn:
			return pl, fmt.Errorf("superposition_config.d_in %d: d_in is %d", s.Inputs, f.DIn)
		case s.Latents != 0 && s.Latents != f.DSAE:
			return pl, fmt.Errorf("superposition_config.latents %d: d_sae is %d", s.Latents, f.DSAE)
		case s.Variant == TopK && kField != "" && s.K != k:
			return pl, fmt.Errorf("superposition_config.k %d: %s is %d", s.K, kField, k)
		}
		pl.cfg, pl.ours = *s, true
	} else if v == TopK && kField == "" {
		return pl, errors.New("k: missing (a topk SAE needs k or activation_fn_kwargs.k)")
	}
	if pl.cfg.Train.Steps == 0 {
		pl.cfg.Train = graph.DefaultConfig()
	}
	pl.cfg.Inputs, pl.cfg.Latents = f.DIn, f.DSAE
	if err := pl.cfg.WithDefaults().Validate(); err != nil {
		return pl, err
	}
	pl.rescale = pl.cfg.Variant == TopK && f.RescaleByDecoderNorm != nil && *f.RescaleByDecoderNorm
	pl.shapes = map[string][]int{ParamWEnc: {f.DIn, f.DSAE}, ParamBEnc: {f.DSAE}, ParamWDec: {f.DSAE, f.DIn}, ParamBDec: {f.DIn}}
	if family(pl.cfg.Variant) == "jumprelu" {
		pl.shapes[ParamThreshold] = []int{f.DSAE}
	}
	return pl, nil
}

// maxBytes is the largest weights file cfg.json allows: the header's room
// and every tensor an SAE of its size may hold (a threshold, and SAELens'
// scaling_factor), in the widest dtype read, F64.
func (pl saelensPlan) maxBytes() int64 {
	d, l := int64(pl.cfg.Inputs), int64(pl.cfg.Latents)
	return 8 + saelensHeader + 8*(2*d*l+d+3*l)
}

// ImportSAELens reads an SAE written by [ExportSAELens], or by SAELens
// (versions 3 to 6) for the standard, topk and jumprelu architectures, into
// a model and float32 parameters. Both files are read only if they are
// regular files within the sizes cfg.json's d_in and d_sae allow (d_in·d_sae
// at most 2³⁰).
//
// Every cfg.json field that changes the forward pass is either computed
// exactly or refused by name: apply_b_dec_to_input false,
// normalize_activations other than none, finetuning_scaling_factor true,
// activation functions other than relu and topk, and kwargs other than k
// are refused; TopK's k is read from k or activation_fn_kwargs.k (a whole
// number in [1, d_sae]); rescale_acts_by_decoder_norm is folded into
// W_enc, b_enc and W_dec as SAELens folds it on saving (the same function,
// to float32 rounding); hook_z reshaping is the caller's flattening of heads
// into d_in rows. Metadata (hook, model, dataset, device) is not checked.
//
// Tensors may be F32, F16, BF16 or F64 (F64 only with values float32 holds
// exactly); each is rounded to cfg.json's dtype, as SAELens does on load,
// and then held exactly as float32 (the model computes in float32 whatever
// that dtype). The file must hold exactly the
// architecture's tensors (and at most an all-ones scaling_factor, which
// SAELens drops), with their shapes and finite values; a JumpReLU threshold
// must not be negative unless the file is ours (SAELens' JumpReLU is
// ReLU(pre)·H(pre−θ)). Every error names the file and the field or tensor.
func ImportSAELens(dir string) (*Model, *graph.Params, error) {
	cpath := filepath.Join(dir, SAELensConfig)
	raw, err := safeio.ReadFile(cpath, maxSAELensConfig)
	if err != nil {
		return nil, nil, fmt.Errorf("sae: import: %w", err)
	}
	var f saelensFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, nil, fmt.Errorf("sae: import: %s: %w", cpath, err)
	}
	pl, err := f.plan()
	if err != nil {
		return nil, nil, fmt.Errorf("sae: import: %s: %w", cpath, err)
	}
	wpath := filepath.Join(dir, SAELensWeights)
	data, err := safeio.ReadFile(wpath, pl.maxBytes())
	if err != nil {
		return nil, nil, fmt.Errorf("sae: import: %w", err)
	}
	p, err := pl.load(data)
	if err != nil {
		return nil, nil, fmt.Errorf("sae: import: %s: %w", wpath, err)
	}
	m, err := New(pl.cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("sae: import: %s: %w", cpath, err)
	}
	return m, p, nil
}

// load checks the weights file against the plan and returns its parameters.
func (pl saelensPlan) load(data []byte) (*graph.Params, error) {
	ts, err := decodeSafetensors(data)
	if err != nil {
		return nil, err
	}
	d, l := pl.cfg.Inputs, pl.cfg.Latents
	for _, name := range slices.Sorted(maps.Keys(ts)) {
		if _, ok := pl.shapes[name]; ok {
			continue
		}
		if name != "scaling_factor" {
			return nil, fmt.Errorf("tensor %s: not part of a %s SAE", name, family(pl.cfg.Variant))
		}
		vals, err := pl.values(name, ts[name], []int{l})
		if err != nil {
			return nil, err
		}
		for i, v := range vals {
			if v != 1 {
				return nil, fmt.Errorf("tensor scaling_factor[%d] = %v: not supported (the decoder here does not scale the latents)", i, v)
			}
		}
	}
	p := graph.NewParamsOf(tensor.Float32, 0)
	// W_dec first: with rescale_acts_by_decoder_norm its row norms n fold
	// into the others (W_enc·diag(n), b_enc·n, diag(n)⁻¹·W_dec).
	var norms []float64
	for _, name := range []string{ParamWDec, ParamWEnc, ParamBEnc, ParamBDec, ParamThreshold} {
		shape, ok := pl.shapes[name]
		if !ok {
			continue
		}
		t, ok := ts[name]
		if !ok {
			return nil, fmt.Errorf("tensor %s: missing", name)
		}
		vals, err := pl.values(name, t, shape)
		if err != nil {
			return nil, err
		}
		switch {
		case name == ParamThreshold && !pl.ours:
			for i, v := range vals {
				if v < 0 {
					return nil, fmt.Errorf("tensor threshold[%d] = %v: negative thresholds are not supported (SAELens' JumpReLU is ReLU(pre)·H(pre−θ), the one here pre·H(pre−θ))", i, v)
				}
			}
		case pl.rescale && name == ParamWDec:
			norms = make([]float64, l)
			for i := range norms {
				row := vals[i*d : (i+1)*d]
				for _, v := range row {
					norms[i] += v * v
				}
				norms[i] = math.Sqrt(norms[i])
				if norms[i] == 0 {
					return nil, fmt.Errorf("rescale_acts_by_decoder_norm: W_dec row %d is zero (SAELens would divide by its norm)", i)
				}
				for j := range row {
					row[j] /= norms[i]
				}
			}
		case pl.rescale && (name == ParamWEnc || name == ParamBEnc):
			for i := range vals {
				vals[i] *= norms[i%l]
			}
		}
		for i, v := range vals {
			if f := float32(v); math.IsInf(float64(f), 0) {
				return nil, fmt.Errorf("rescale_acts_by_decoder_norm: tensor %s[%d] = %v after folding the decoder norms: beyond float32", name, i, v)
			}
		}
		if err := p.Set(name, shape, vals); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// values returns tensor t's values as SAELens holds them after loading
// (rounded to cfg.json's dtype), refusing a wrong shape, values float32
// cannot hold exactly, NaN and infinities.
func (pl saelensPlan) values(name string, t rawTensor, shape []int) ([]float64, error) {
	if !slices.Equal(t.shape, shape) {
		return nil, fmt.Errorf("tensor %s: shape %v; cfg.json's d_in and d_sae make it %v", name, t.shape, shape)
	}
	vals := make([]float64, t.len())
	for i := range vals {
		v := t.at(i)
		f := float32(v)
		if t.dtype == "F64" && float64(f) != v && v == v {
			return nil, fmt.Errorf("tensor %s[%d] = %v: an F64 value float32 parameters cannot hold exactly", name, i, v)
		}
		switch pl.dtype {
		case "float16":
			f = halfToFloat32(float32ToHalf(f))
		case "bfloat16":
			f = bfloat16ToFloat32(float32ToBFloat16(f))
		}
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				return nil, fmt.Errorf("tensor %s[%d] = %v: beyond the range of cfg.json's dtype %s, to which SAELens rounds it", name, i, v, pl.dtype)
			}
			return nil, fmt.Errorf("tensor %s[%d] is %v", name, i, v)
		}
		vals[i] = float64(f)
	}
	return vals, nil
}

// Tensor is one named float32 tensor of a safetensors file.
type Tensor struct {
	// Name is the tensor's key in the file's header.
	Name string
	// Shape is the tensor's shape, outermost axis first.
	Shape []int
	// Data are the values in row-major order, len(Data) = ∏ Shape.
	Data []float32
}

type safetensorsEntry struct {
	Dtype       string `json:"dtype"`
	Shape       []int  `json:"shape"`
	DataOffsets []int  `json:"data_offsets"`
}

// checksumKey is the metadata key of the data section's SHA-256.
const checksumKey = "superposition_sha256"

// maxHeader bounds the JSON header we accept (the format's own limit is
// 100 MB).
const maxHeader = 100 << 20

// dtypeSizes are the bytes per value of the dtypes we read.
var dtypeSizes = map[string]int{"F16": 2, "BF16": 2, "F32": 4, "F64": 8}

// EncodeSafetensors lays tensors out in the safetensors format: an 8-byte
// little-endian header length, the JSON header (names, dtypes F32, shapes,
// byte offsets, metadata, padded with spaces to a multiple of 8), then the
// raw little-endian data in the given order.
func EncodeSafetensors(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	var body bytes.Buffer
	header := map[string]any{}
	entries := map[string]safetensorsEntry{}
	for _, t := range tensors {
		n := 1
		for _, d := range t.Shape {
			n *= d
		}
		if n != len(t.Data) {
			return nil, fmt.Errorf("safetensors: %s: %d values for shape %v", t.Name, len(t.Data), t.Shape)
		}
		start := body.Len()
		if err := binary.Write(&body, binary.LittleEndian, t.Data); err != nil {
			return nil, err
		}
		e := safetensorsEntry{Dtype: "F32", Shape: t.Shape, DataOffsets: []int{start, body.Len()}}
		header[t.Name], entries[t.Name] = e, e
	}
	meta := map[string]string{}
	for k, v := range metadata {
		meta[k] = v
	}
	meta[checksumKey] = digest(entries, body.Bytes())
	header["__metadata__"] = meta
	hj, err := json.Marshal(header)
	if err != nil {
		return nil, err
	}
	for len(hj)%8 != 0 {
		hj = append(hj, ' ')
	}
	out := make([]byte, 8, 8+len(hj)+body.Len())
	binary.LittleEndian.PutUint64(out, uint64(len(hj)))
	out = append(out, hj...)
	return append(out, body.Bytes()...), nil
}

// DecodeSafetensors parses a safetensors file of F32, F16 or BF16 tensors
// (converted to float32 exactly) or F64 ones (rounded to float32), checking
// every length, offset and shape, and the data checksum when the metadata
// carries one. It never panics on bad input, and allocates no more than the
// data holds.
func DecodeSafetensors(data []byte) (map[string]Tensor, error) {
	raw, err := decodeSafetensors(data)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Tensor, len(raw))
	for name, t := range raw {
		vals := make([]float32, t.len())
		for i := range vals {
			vals[i] = float32(t.at(i))
		}
		out[name] = Tensor{Name: name, Shape: t.shape, Data: vals}
	}
	return out, nil
}

// rawTensor is one tensor of a safetensors file as stored: its dtype (a key
// of dtypeSizes), shape and little-endian bytes (a slice of the file).
type rawTensor struct {
	dtype string
	shape []int
	data  []byte
}

func (t rawTensor) len() int { return len(t.data) / dtypeSizes[t.dtype] }

// at returns value i exactly: every F16, BF16, F32 and F64 value is a float64.
func (t rawTensor) at(i int) float64 {
	switch t.dtype {
	case "F16":
		return float64(halfToFloat32(binary.LittleEndian.Uint16(t.data[2*i:])))
	case "BF16":
		return float64(bfloat16ToFloat32(binary.LittleEndian.Uint16(t.data[2*i:])))
	case "F32":
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(t.data[4*i:])))
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(t.data[8*i:]))
}

// decodeSafetensors checks a safetensors file and returns its tensors
// without copying their data: every size and offset is checked against the
// file before anything is allocated for it.
func decodeSafetensors(data []byte) (map[string]rawTensor, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("safetensors: %d bytes: too short for the header length", len(data))
	}
	hl := binary.LittleEndian.Uint64(data)
	if hl > maxHeader || hl > uint64(len(data)-8) {
		return nil, fmt.Errorf("safetensors: header length %d does not fit in %d bytes", hl, len(data))
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data[8 : 8+hl]))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("safetensors: header: %w", err)
	}
	for _, b := range data[8+dec.InputOffset() : 8+hl] {
		if b != ' ' {
			return nil, fmt.Errorf("safetensors: header: %q after the JSON object (only space padding is allowed)", b)
		}
	}
	body := data[8+hl:]
	out := map[string]rawTensor{}
	type span struct{ lo, hi int }
	var spans []span
	entries := map[string]safetensorsEntry{}
	var checksum string
	for name, msg := range raw {
		if name == "__metadata__" {
			var meta map[string]string
			if err := json.Unmarshal(msg, &meta); err != nil {
				return nil, fmt.Errorf("safetensors: metadata: %w", err)
			}
			checksum = meta[checksumKey]
			continue
		}
		var e safetensorsEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
		}
		size, ok := dtypeSizes[e.Dtype]
		if !ok {
			return nil, fmt.Errorf("safetensors: tensor %q: dtype %q not supported (want F32, F16, BF16 or F64)", name, e.Dtype)
		}
		n := 1
		for _, d := range e.Shape {
			if d < 0 || (d > 0 && n > math.MaxInt32/d) {
				return nil, fmt.Errorf("safetensors: tensor %q: bad shape %v", name, e.Shape)
			}
			n *= d
		}
		if len(e.DataOffsets) != 2 {
			return nil, fmt.Errorf("safetensors: tensor %q: data_offsets %v: want [begin, end]", name, e.DataOffsets)
		}
		lo, hi := e.DataOffsets[0], e.DataOffsets[1]
		if lo < 0 || hi < lo || hi > len(body) {
			return nil, fmt.Errorf("safetensors: tensor %q: offsets [%d, %d] outside the %d data bytes", name, lo, hi, len(body))
		}
		if hi-lo != n*size {
			return nil, fmt.Errorf("safetensors: tensor %q: %d bytes for shape %v of %s", name, hi-lo, e.Shape, e.Dtype)
		}
		spans = append(spans, span{lo, hi})
		entries[name] = e
		out[name] = rawTensor{dtype: e.Dtype, shape: e.Shape, data: body[lo:hi:hi]}
	}
	// The tensors must tile the data section exactly.
	sort.Slice(spans, func(i, j int) bool { return spans[i].lo < spans[j].lo })
	at := 0
	for _, s := range spans {
		if s.lo != at {
			return nil, fmt.Errorf("safetensors: data bytes [%d, %d) overlap or leave a gap", min(at, s.lo), max(at, s.lo))
		}
		at = s.hi
	}
	if at != len(body) {
		return nil, fmt.Errorf("safetensors: %d data bytes after the last tensor", len(body)-at)
	}
	if checksum != "" && digest(entries, body) != checksum {
		return nil, errors.New("safetensors: checksum mismatch: the file is corrupted")
	}
	return out, nil
}

// halfToFloat32, bfloat16ToFloat32, float32ToHalf and float32ToBFloat16
// are internal/half's conversions (torch's rounding).
func halfToFloat32(h uint16) float32     { return half.ToFloat32(h) }
func bfloat16ToFloat32(b uint16) float32 { return half.BFloat16ToFloat32(b) }
func float32ToHalf(f float32) uint16     { return half.FromFloat32(f) }
func float32ToBFloat16(f float32) uint16 { return half.BFloat16FromFloat32(f) }

// digest is the SHA-256 of the tensors' names, dtypes, shapes and offsets
// (in name order) and of the data section: renaming or reshaping a tensor
// changes it as surely as changing a value.
func digest(entries map[string]safetensorsEntry, body []byte) string {
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		e := entries[n]
		fmt.Fprintf(h, "%s\x00%s\x00%v\x00%v\x00", n, e.Dtype, e.Shape, e.DataOffsets)
	}
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}
