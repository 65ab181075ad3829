package interp

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type jsInner struct {
	A float64 `json:"a"`
	B []float32
}

type jsBase struct {
	Seed uint64 `json:"seed"`
}

type jsOuter struct {
	jsBase
	Name    string             `json:"name"`
	Skip    int                `json:"-"`
	Empty   string             `json:"empty,omitempty"`
	Inner   jsInner            `json:"inner"`
	Ptr     *jsInner           `json:"ptr"`
	NilPtr  *jsInner           `json:"nil_ptr,omitempty"`
	Map     map[string]float64 `json:"map"`
	IntMap  map[int]string     `json:"int_map"`
	List    []jsInner          `json:"list"`
	Any     any                `json:"any"`
	When    time.Time          `json:"when"`
	Raw     json.RawMessage    `json:"raw"`
	Bytes   []byte             `json:"bytes"`
	Quoted  int                `json:"quoted,string"`
	private int
}

func sample() jsOuter {
	return jsOuter{
		jsBase: jsBase{Seed: 7}, Name: "x", Skip: 3, Inner: jsInner{A: 1.5, B: []float32{0.25, 2}},
		Ptr: &jsInner{A: -2}, Map: map[string]float64{"z": 1, "a": 2}, IntMap: map[int]string{10: "ten", 2: "two"},
		List: []jsInner{{A: 3}, {A: 4}}, Any: map[string]any{"k": []any{1, "s"}}, When: time.Unix(0, 0).UTC(),
		Raw: json.RawMessage(`{"r":1}`), Bytes: []byte("hi"), Quoted: 12, private: 1,
	}
}

// TestMarshalFiniteMatchesEncodingJSON: on values without NaN the fallback
// encoder writes exactly what json.MarshalIndent writes.
func TestMarshalFiniteMatchesEncodingJSON(t *testing.T) {
	for _, v := range []any{sample(), &[]jsOuter{sample(), {}}, map[string]any{"b": 1, "a": []int{1}}, 3.5, nil, []float64{}} {
		want, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got, bad, err := marshalFinite(v)
		if err != nil || len(bad) != 0 || string(got) != string(want) {
			t.Errorf("marshalFinite(%T) = %s, %v, %v; want %s", v, got, bad, err, want)
		}
	}
}

// TestWriteJSONNonFinite: NaN and infinite numbers become null, listed with
// their paths, and the rest of the summary is written (issue 19, item 5).
func TestWriteJSONNonFinite(t *testing.T) {
	v := sample()
	v.Inner.A = math.NaN()
	v.List[1].B = []float32{1, float32(math.Inf(1))}
	v.Map["a"] = math.Inf(-1)
	path := filepath.Join(t.TempDir(), "summary.json")
	if err := WriteJSON(path, v); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Name  string `json:"name"`
		Inner struct {
			A *float64 `json:"a"`
		} `json:"inner"`
		NonFinite []NonFinite `json:"non_finite"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("summary does not decode: %v\n%s", err, data)
	}
	if got.Name != "x" || got.Inner.A != nil {
		t.Errorf("name %q, inner.a %v; want x and null", got.Name, got.Inner.A)
	}
	var paths []string
	for _, nf := range got.NonFinite {
		paths = append(paths, nf.Path+"="+nf.Value)
	}
	want := "inner.a=NaN ptr.B=? map.a=-Inf list[1].B[1]=+Inf"
	want = strings.ReplaceAll(want, " ptr.B=?", "")
	if strings.Join(paths, " ") != want {
		t.Errorf("non_finite paths %v; want %s", paths, want)
	}
}
