package sae

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/toymodels/superposition/graph"
	"gorgonia.org/tensor"
)

func trainedForExport(t *testing.T, v Variant) (*Model, *graph.Params) {
	t.Helper()
	m, p := newModel(t, v, 6, 10, tensor.Float32)
	return m, p
}

func TestSAELensRoundTrip(t *testing.T) {
	for _, v := range Variants {
		t.Run(string(v), func(t *testing.T) {
			m, p := trainedForExport(t, v)
			dir := t.TempDir()
			if err := ExportSAELens(dir, m, p, "toy", "tms.hidden"); err != nil {
				t.Fatal(err)
			}
			m2, p2, err := ImportSAELens(dir)
			if err != nil {
				t.Fatal(err)
			}
			if m2.Config().Variant != v || m2.Config().Latents != 10 || m2.Config().Inputs != 6 {
				t.Errorf("imported %+v; want %s, 6 → 10", m2.Config(), v)
			}
			for _, name := range p2.Names() {
				got, want := p2.Float64s(name), p.Float64s(name)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%s[%d] = %v after the round trip; want %v", name, i, got[i], want[i])
					}
				}
			}
			// The imported model computes the same latents.
			x := batch(t, 8, 6, 12, 4)
			xf := make([]float32, len(x))
			for i, v := range x {
				xf[i] = float32(v)
			}
			enc := func(m *Model, p *graph.Params) []float32 {
				out, err := graph.Forward(p, xf, 6, 8, func(b *graph.Builder, x *graph.Node) []*graph.Node {
					_, f := m.Encode(b, x, true)
					return []*graph.Node{f}
				})
				if err != nil {
					t.Fatal(err)
				}
				return out[0]
			}
			a, b := enc(m, p), enc(m2, p2)
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("latent %d: %v before export, %v after import", i, a[i], b[i])
				}
			}
		})
	}
}

// TestSafetensorsIndependentReader parses an exported file with nothing but
// the format's definition: an 8-byte little-endian header length, a JSON
// header, then little-endian data.
func TestSafetensorsIndependentReader(t *testing.T) {
	m, p := trainedForExport(t, JumpReLU)
	dir := t.TempDir()
	if err := ExportSAELens(dir, m, p, "toy", "tms.hidden"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, SAELensWeights))
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(data[:8])
	if (8+n)%8 != 0 {
		t.Errorf("data starts at byte %d; want a multiple of 8", 8+n)
	}
	var header map[string]struct {
		Dtype       string `json:"dtype"`
		Shape       []int  `json:"shape"`
		DataOffsets []int  `json:"data_offsets"`
	}
	if err := json.Unmarshal(bytes.TrimRight(data[8:8+n], " "), &header); err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{"W_enc": {6, 10}, "b_enc": {10}, "W_dec": {10, 6}, "b_dec": {6}, "threshold": {10}}
	body := data[8+n:]
	for name, shape := range want {
		e, ok := header[name]
		if !ok {
			t.Fatalf("no tensor %s in %v", name, header)
		}
		if e.Dtype != "F32" || len(e.Shape) != len(shape) || e.Shape[0] != shape[0] {
			t.Errorf("%s: dtype %s shape %v; want F32 %v", name, e.Dtype, e.Shape, shape)
		}
		vals := p.Float64s(name)
		if e.DataOffsets[1]-e.DataOffsets[0] != 4*len(vals) {
			t.Fatalf("%s: %d bytes; want %d", name, e.DataOffsets[1]-e.DataOffsets[0], 4*len(vals))
		}
		for i, v := range vals {
			got := math.Float32frombits(binary.LittleEndian.Uint32(body[e.DataOffsets[0]+4*i:]))
			if got != float32(v) {
				t.Fatalf("%s[%d] = %v in the file; want %v", name, i, got, v)
			}
		}
	}
	var cfg map[string]any
	raw, err := os.ReadFile(filepath.Join(dir, SAELensConfig))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg["architecture"] != "jumprelu" || cfg["d_in"] != 6.0 || cfg["d_sae"] != 10.0 {
		t.Errorf("cfg.json: architecture %v, d_in %v, d_sae %v; want jumprelu, 6, 10", cfg["architecture"], cfg["d_in"], cfg["d_sae"])
	}
}

// TestSafetensorsCorruption flips every byte and truncates at every length:
// each must give an error, or (for the metadata) the same tensors, never a
// different model and never a panic.
func TestSafetensorsCorruption(t *testing.T) {
	m, p := trainedForExport(t, TopK)
	dir := t.TempDir()
	if err := ExportSAELens(dir, m, p, "toy", "tms.hidden"); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(dir, SAELensWeights))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := DecodeSafetensors(good)
	if err != nil {
		t.Fatal(err)
	}
	same := func(got map[string]Tensor) bool {
		if len(got) != len(ref) {
			return false
		}
		for n, r := range ref {
			g, ok := got[n]
			if !ok || !slices.Equal(g.Shape, r.Shape) || len(g.Data) != len(r.Data) {
				return false
			}
			for i := range r.Data {
				if math.Float32bits(g.Data[i]) != math.Float32bits(r.Data[i]) {
					return false
				}
			}
		}
		return true
	}
	for i := range good {
		for _, mask := range []byte{0x01, 0x80} {
			bad := bytes.Clone(good)
			bad[i] ^= mask
			got, err := DecodeSafetensors(bad)
			if err == nil && !same(got) {
				t.Fatalf("flipping bit %#x of byte %d gives a different model without an error", mask, i)
			}
		}
	}
	for n := 0; n < len(good); n++ {
		if _, err := DecodeSafetensors(good[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(good))
		}
	}
}

func FuzzDecodeSafetensors(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x02\x00\x00\x00\x00\x00\x00\x00{}"))
	tensors := []Tensor{{Name: "a", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}}
	good, err := EncodeSafetensors(tensors, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := DecodeSafetensors(data)
		if err != nil {
			return
		}
		for name, tt := range got {
			n := 1
			for _, d := range tt.Shape {
				n *= d
			}
			if n != len(tt.Data) {
				t.Fatalf("tensor %s: %d values for shape %v", name, len(tt.Data), tt.Shape)
			}
		}
	})
}
