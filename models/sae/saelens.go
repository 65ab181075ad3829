package sae

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/internal/atomicfile"
	"gorgonia.org/tensor"
)

// SAELens' file names.
const (
	SAELensConfig  = "cfg.json"
	SAELensWeights = "sae_weights.safetensors"
)

// SAELensConfigJSON is the part of SAELens' cfg.json that applies to our
// SAEs. Unknown fields are ignored on import.
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

// ImportSAELens reads an SAE written by [ExportSAELens] (or by SAELens, for
// the standard, topk and jumprelu architectures) into a model and float32
// parameters. Every error names the file and the problem.
func ImportSAELens(dir string) (*Model, *graph.Params, error) {
	cpath := filepath.Join(dir, SAELensConfig)
	raw, err := os.ReadFile(cpath)
	if err != nil {
		return nil, nil, fmt.Errorf("sae: import: %w", err)
	}
	var c SAELensConfigJSON
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, nil, fmt.Errorf("sae: import: %s: %w", cpath, err)
	}
	if c.DIn < 1 || c.DSAE < 1 {
		return nil, nil, fmt.Errorf("sae: import: %s: d_in %d, d_sae %d: must be positive", cpath, c.DIn, c.DSAE)
	}
	var cfg Config
	switch {
	case c.SuperpositionTraining != nil:
		cfg = *c.SuperpositionTraining
	case c.Architecture == "standard":
		cfg = Config{Variant: ReLUL1Norm}
	case c.Architecture == "topk":
		k, _ := c.ActivationFnKwargs["k"].(float64)
		cfg = Config{Variant: TopK, K: int(k)}
	case c.Architecture == "jumprelu":
		cfg = Config{Variant: JumpReLU}
	default:
		return nil, nil, fmt.Errorf("sae: import: %s: architecture %q is not supported (want standard, topk or jumprelu)", cpath, c.Architecture)
	}
	if cfg.Train.Steps == 0 {
		cfg.Train = graph.DefaultConfig()
	}
	cfg.Inputs, cfg.Latents = c.DIn, c.DSAE
	m, err := New(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("sae: import: %s: %w", cpath, err)
	}
	wpath := filepath.Join(dir, SAELensWeights)
	data, err := os.ReadFile(wpath)
	if err != nil {
		return nil, nil, fmt.Errorf("sae: import: %w", err)
	}
	tensors, err := DecodeSafetensors(data)
	if err != nil {
		return nil, nil, fmt.Errorf("sae: import: %s: %w", wpath, err)
	}
	want := map[string][]int{ParamWEnc: {c.DIn, c.DSAE}, ParamBEnc: {c.DSAE}, ParamWDec: {c.DSAE, c.DIn}, ParamBDec: {c.DIn}}
	if cfg.Variant == JumpReLU || cfg.Variant == BatchTopK {
		want[ParamThreshold] = []int{c.DSAE}
	}
	p := graph.NewParamsOf(tensor.Float32, 0)
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t, ok := tensors[n]
		if !ok {
			return nil, nil, fmt.Errorf("sae: import: %s: tensor %s missing", wpath, n)
		}
		if !slices.Equal(t.Shape, want[n]) {
			return nil, nil, fmt.Errorf("sae: import: %s: tensor %s has shape %v; cfg.json says %v", wpath, n, t.Shape, want[n])
		}
		vals := make([]float64, len(t.Data))
		for i, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, nil, fmt.Errorf("sae: import: %s: tensor %s[%d] is %v", wpath, n, i, v)
			}
			vals[i] = float64(v)
		}
		if err := p.Set(n, t.Shape, vals); err != nil {
			return nil, nil, err
		}
	}
	return m, p, nil
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

// halfToFloat32 returns the IEEE 754 binary16 value with bits h, exactly
// (every binary16 value, subnormals included, is a normal float32).
func halfToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch exp {
	case 0: // zero or subnormal: mant·2⁻²⁴
		return math.Float32frombits(sign | math.Float32bits(float32(math.Ldexp(float64(mant), -24))))
	case 0x1f: // infinity, or NaN with its payload
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// bfloat16ToFloat32 returns the bfloat16 value with bits b: the upper half
// of a float32.
func bfloat16ToFloat32(b uint16) float32 { return math.Float32frombits(uint32(b) << 16) }

// float32ToHalf rounds f to the nearest binary16, ties to even, as torch's
// .to(torch.float16) does: beyond 65504 (from 65520 up) it is ±Inf, below
// 2⁻¹⁴ a subnormal or zero.
func float32ToHalf(f float32) uint16 {
	sign := uint16(math.Float32bits(f)>>16) & 0x8000
	a := math.Abs(float64(f))
	switch {
	case a != a:
		return sign | 0x7e00
	case a >= 65520:
		return sign | 0x7c00
	case a < 0x1p-14:
		// A multiple of 2⁻²⁴; 1024 of them are the smallest normal, 0x0400.
		return sign | uint16(math.RoundToEven(a*0x1p24))
	}
	frac, exp := math.Frexp(a) // a = frac·2^exp, frac in [0.5, 1)
	m := math.RoundToEven(frac * 2048)
	e := exp + 14 // the biased exponent of 2^(exp−1)
	if m == 2048 {
		m, e = 1024, e+1
	}
	return sign | uint16(e)<<10 | uint16(m-1024)
}

// float32ToBFloat16 rounds f to the nearest bfloat16, ties to even, as
// torch's .to(torch.bfloat16) does.
func float32ToBFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	if f != f {
		return uint16(b>>16) | 0x40
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

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
