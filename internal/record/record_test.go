package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"
)

type inner struct {
	Name  string
	Score *float64
}

type sample struct {
	F       float64
	G       float32
	I       int
	U       uint64
	B       bool
	S       string
	Nil     []float64
	Empty   []float64
	Grid    [][]float64
	Arr     [2]int8
	Ptr     *float64
	NilPtr  *float64
	M       map[string]float64
	NilMap  map[string]int
	Hidden  []float64 `json:"-"`
	Inner   inner
	Inners  []inner
	Pointed *inner
	F32     []float32
	NilF32  []float32
}

func zero() *float64 { z := 0.0; return &z }

func full() sample {
	return sample{
		F: math.NaN(), G: float32(math.Inf(-1)), I: -7, U: math.MaxUint64, B: true, S: "ünï\x00code",
		Empty: []float64{}, Grid: [][]float64{{}, nil, {math.Copysign(0, -1), math.MaxFloat64}},
		Arr: [2]int8{-128, 127}, Ptr: zero(), M: map[string]float64{"b": math.Inf(1), "a": 0, "": -1},
		Hidden: []float64{1, 2}, Inner: inner{"x", zero()}, Inners: []inner{{}, {"y", nil}}, Pointed: &inner{},
		F32: []float32{float32(math.Inf(1)), -0.5, 3},
	}
}

// bitsEqual compares two samples, floats by their bits.
func bitsEqual(a, b sample) bool {
	ja, _ := Marshal(a)
	jb, _ := Marshal(b)
	return bytes.Equal(ja, jb) && reflect.DeepEqual(normalise(a), normalise(b))
}

// normalise replaces the floats DeepEqual cannot compare (NaN) by their bits.
func normalise(s sample) sample {
	s.F = float64(math.Float64bits(s.F))
	return s
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   sample
	}{
		{"zero value", sample{}},
		{"every kind", full()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := Marshal(tc.in)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			var got sample
			if err := Unmarshal(data, &got); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if math.Float64bits(got.F) != math.Float64bits(tc.in.F) || math.Float32bits(got.G) != math.Float32bits(tc.in.G) {
				t.Errorf("floats = %v, %v; want %v, %v bit for bit", got.F, got.G, tc.in.F, tc.in.G)
			}
			if (got.Ptr == nil) != (tc.in.Ptr == nil) || (got.Empty == nil) != (tc.in.Empty == nil) || (got.Nil == nil) != (tc.in.Nil == nil) {
				t.Errorf("nil-ness changed: Ptr %v→%v, Empty %v→%v", tc.in.Ptr, got.Ptr, tc.in.Empty, got.Empty)
			}
			if !bitsEqual(got, tc.in) {
				t.Errorf("round trip = %+v; want %+v", got, tc.in)
			}
			// What the JSON of a summary would show is unchanged (NaN
			// aside, which JSON cannot carry).
			a, b := tc.in, got
			a.F, b.F, a.G, b.G, a.M, b.M = 0, 0, 0, 0, nil, nil
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if !bytes.Equal(ja, jb) {
				t.Errorf("JSON after the round trip = %s; want %s", jb, ja)
			}
		})
	}
}

func TestMapOrderIsFixed(t *testing.T) {
	m := map[string]int{}
	for i := range 50 {
		m[string(rune('a'+i))] = i
	}
	first, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		again, _ := Marshal(m)
		if !bytes.Equal(first, again) {
			t.Fatal("Marshal of one map gave two encodings")
		}
	}
}

func TestRefused(t *testing.T) {
	type hidden struct{ x int }
	type iface struct{ V any }
	tests := []struct {
		name string
		v    any
	}{
		{"unexported field", hidden{1}},
		{"interface field", iface{1}},
		{"channel", make(chan int)},
		{"function", func() {}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Marshal(tc.v); err == nil {
				t.Errorf("Marshal(%T) = nil error; want a refusal", tc.v)
			}
		})
	}
}

func TestCorrupt(t *testing.T) {
	good, err := Marshal(full())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"truncated", good[:len(good)/2]},
		{"trailing byte", append(append([]byte{}, good...), 0)},
		{"forged length", append([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 0xff, 0xff, 0xff, 0xff, 0x0f)},
		// F, G, I, U, B, then S (a length and 10 bytes): Nil's marker.
		{"bad nil marker", func() []byte { b := append([]byte{}, good...); b[8+4+1+10+1+1+10] = 7; return b }()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s sample
			err := Unmarshal(tc.data, &s)
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("Unmarshal = %v; want an error wrapping ErrCorrupt", err)
			}
		})
	}
	if err := Unmarshal(good, sample{}); err == nil {
		t.Error("Unmarshal into a non-pointer = nil error")
	}
}

func TestForgedCountDoesNotAllocate(t *testing.T) {
	// A slice claiming 2⁶⁰ elements in a few bytes is refused before any
	// allocation.
	data := []byte{1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10}
	var s []float64
	allocs := testing.AllocsPerRun(10, func() { _ = Unmarshal(data, &s) })
	if err := Unmarshal(data, &s); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Unmarshal = %v; want ErrCorrupt", err)
	}
	if allocs > 10 {
		t.Errorf("Unmarshal of a forged count made %v allocations; want a handful", allocs)
	}
}
