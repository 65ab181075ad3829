package paper

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		in   string
		want Shard
		err  string
	}{
		{"0/1", Shard{0, 1}, ""},
		{"3/7", Shard{3, 7}, ""},
		{" 6 / 7 ", Shard{6, 7}, ""},
		{"7/7", Shard{}, "index"},
		{"-1/3", Shard{}, "index"},
		{"0/0", Shard{}, "count"},
		{"0/5000", Shard{}, "count"},
		{"3", Shard{}, "INDEX/COUNT"},
		{"a/b", Shard{}, "INDEX/COUNT"},
		{"", Shard{}, "INDEX/COUNT"},
	}
	for _, tc := range tests {
		got, err := ParseShard(tc.in)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ParseShard(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseShard(%q) error = %v; want one mentioning %q", tc.in, err, tc.err)
		}
	}
}

// TestDeal: units go costliest first to the least-loaded shard, so the
// loads balance by cost, not by count; the deal is a function of the costs.
func TestDeal(t *testing.T) {
	tests := []struct {
		name   string
		costs  []float64
		shards int
		want   []int
	}{
		{"one shard", []float64{1, 2, 3}, 1, []int{0, 0, 0}},
		{"equal costs round robin", []float64{1, 1, 1, 1, 1}, 2, []int{0, 1, 0, 1, 0}},
		{"one heavy unit alone", []float64{8, 1, 1, 1, 1, 1, 1, 1, 1}, 2, []int{0, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"more shards than units", []float64{2, 5}, 4, []int{1, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := deal(tc.costs, make([]float64, tc.shards))
			if !slices.Equal(got, tc.want) {
				t.Errorf("deal(%v, %d shards) = %v; want %v", tc.costs, tc.shards, got, tc.want)
			}
		})
	}
	// Balance: the greedy deal's largest load is at most the mean plus the
	// costliest unit.
	costs := make([]float64, 144)
	for i := range costs {
		costs[i] = float64(1 + (i*37)%11)
	}
	loads := make([]float64, 7)
	deal(costs, loads)
	total, most := 0.0, 0.0
	for _, c := range costs {
		total, most = total+c, max(most, c)
	}
	if hi := slices.Max(loads); hi > total/7+most {
		t.Errorf("largest load %v with mean %v and costliest unit %v; want at most mean + costliest", hi, total/7, most)
	}
}

// TestRunUnitsSplitsAndMerges: each shard computes only its own units; a
// merge of their parts (through files) gives every unit's result without
// computing any, as the unsharded run computes them.
func TestRunUnitsSplitsAndMerges(t *testing.T) {
	ctx := context.Background()
	costs := []float64{5, 1, 1, 3, 2, 2, 4}
	square := func(calls *[]int) func(context.Context, []int) ([]float64, error) {
		return func(_ context.Context, only []int) ([]float64, error) {
			*calls = append(*calls, only...)
			out := make([]float64, len(only))
			for j, u := range only {
				out[j] = float64(u * u)
			}
			return out, nil
		}
	}
	var calls []int
	want, err := runUnits(ctx, Run{}, "squares", costs, square(&calls))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const n = 3
	var parts []Part
	seen := map[int]bool{}
	for i := range n {
		s, err := NewShard(Shard{i, n})
		if err != nil {
			t.Fatal(err)
		}
		var mine []int
		if _, err := runUnits(ctx, Run{Shards: s}, "squares", costs, square(&mine)); err != nil {
			t.Fatal(err)
		}
		if err := (Run{Shards: s}).shardDone(); !errors.Is(err, ErrShardDone) {
			t.Errorf("shardDone of a shard = %v; want ErrShardDone", err)
		}
		for _, u := range mine {
			if seen[u] {
				t.Errorf("unit %d computed by two shards", u)
			}
			seen[u] = true
		}
		path := filepath.Join(dir, Shard{i, n}.FileName())
		if err := WritePart(path, s.Part("test", "{}")); err != nil {
			t.Fatal(err)
		}
		p, err := ReadPart(path)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	if len(seen) != len(costs) {
		t.Errorf("shards computed %d units; want %d", len(seen), len(costs))
	}
	slices.Reverse(parts) // any order
	m, err := NewMerge(parts)
	if err != nil {
		t.Fatal(err)
	}
	var none []int
	got, err := runUnits(ctx, Run{Shards: m}, "squares", costs, square(&none))
	if err != nil {
		t.Fatal(err)
	}
	if len(none) > 0 {
		t.Errorf("the merge computed units %v; want none", none)
	}
	if !slices.Equal(got, want) {
		t.Errorf("merged results = %v; want %v", got, want)
	}
	if err := m.Done(); err != nil {
		t.Errorf("Done = %v; want nil", err)
	}
	// The merge refuses a sweep the parts do not hold.
	if _, err := runUnits(ctx, Run{Shards: m}, "squares", costs, square(&none)); err == nil {
		t.Error("a second sweep the parts do not hold: nil error")
	}
}

func TestNewMergeRefuses(t *testing.T) {
	part := func(i, n int, cfg string) Part {
		return Part{Experiment: "x", Config: cfg, Shard: Shard{i, n}}
	}
	tests := []struct {
		name  string
		parts []Part
		want  string
	}{
		{"none", nil, "no shard parts"},
		{"missing", []Part{part(0, 3, "a"), part(2, 3, "a")}, "shard 1 of 3 missing"},
		{"twice", []Part{part(0, 2, "a"), part(1, 2, "a"), part(1, 2, "a")}, "two parts of shard 1/2"},
		{"two splits", []Part{part(0, 2, "a"), part(0, 3, "a")}, "two splits"},
		{"another run", []Part{part(0, 2, "a"), part(1, 2, "b")}, "another run"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewMerge(tc.parts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("NewMerge = %v; want an error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestReadPartCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shard-0-of-1.part")
	if err := WritePart(path, Part{Experiment: "x", Shard: Shard{0, 1}, Stages: []PartStage{{Name: "s", Units: 2, Mine: []int{0, 1}, Records: [][]byte{{1}, {2}}}}}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []int{0, 12, len(data) / 2, len(data) - 1} {
		bad := append([]byte(nil), data...)
		bad[at] ^= 1
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadPart(path); err == nil {
			t.Errorf("ReadPart with byte %d flipped = nil error", at)
		}
	}
}
