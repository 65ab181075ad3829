package transformer

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/toymodels/superposition/corpus"
)

// cacheStream is an activation stream of the tiny model over windows of a
// short text.
func cacheStream(t *testing.T) (*ActivationStream, []byte) {
	t.Helper()
	m, _ := New(tiny)
	p := initParams(t, m, 3)
	data := text(4000)
	win, err := corpus.NewWindows(data, tiny.Ctx, 11)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewActivationStream(m, p, win, HookMLPPost, 4, 96, 5)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, data
}

// TestCacheHoldsTheStream: a float32 cache hands out the rows the stream
// would have, bit for bit, with their origins and the stream's sample and
// scale, shard after shard and again from the start; a float16 cache the
// same rows rounded to binary16.
func TestCacheHoldsTheStream(t *testing.T) {
	const rows, shard = 250, 64
	source := map[string]string{"model": "tiny", "seed": "5"}
	for _, f16 := range []bool{false, true} {
		t.Run(map[bool]string{false: "float32", true: "float16"}[f16], func(t *testing.T) {
			dir := t.TempDir()
			s, _ := cacheStream(t)
			info, err := WriteCache(dir, s, rows, shard, 40, f16, source)
			if err != nil {
				t.Fatal(err)
			}
			if len(info.Shards) != 4 || info.Rows != rows {
				t.Fatalf("%d shards of %d rows; want 4 shards, %d rows", len(info.Shards), info.Rows, rows)
			}
			ref, data := cacheStream(t)
			sample := ref.Sample(40)
			c, err := OpenCache(dir, source)
			if err != nil {
				t.Fatal(err)
			}
			if c.Info().Scale != ref.Scale {
				t.Errorf("cache scale %v; want the stream's %v", c.Info().Scale, ref.Scale)
			}
			if got := c.Sample(40); !close16(got, sample, f16) {
				t.Error("the cache's sample differs from the stream's")
			}
			w := tiny.DMLP
			want, got := make([]float32, 50*w), make([]float32, 50*w)
			for batch := range rows / 50 {
				ref.Fill(want)
				c.Fill(got)
				if !close16(got, want, f16) {
					t.Fatalf("batch %d: cache rows differ from the stream's", batch)
				}
				if !slices.Equal(c.Origins(), ref.Origins()) {
					t.Fatalf("batch %d: origins %v; want %v", batch, c.Origins()[:4], ref.Origins()[:4])
				}
				for _, o := range c.Origins() {
					if o < 0 || o >= int64(len(data)) {
						t.Fatalf("origin %d outside the %d bytes of the data", o, len(data))
					}
				}
			}
			// After the last row: the first again.
			first := make([]float32, w)
			again, _ := OpenCache(dir, source)
			again.Fill(first)
			c.Fill(got[:w])
			if !slices.Equal(got[:w], first) || c.Err() != nil {
				t.Errorf("after its last row the cache does not start again (err %v)", c.Err())
			}
		})
	}
}

// close16 compares rows exactly, or within binary16's rounding.
func close16(got, want []float32, f16 bool) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		if !f16 && got[i] != want[i] {
			return false
		}
		if f16 && math.Abs(float64(got[i]-want[i])) > 1e-3*math.Abs(float64(want[i]))+1e-7 {
			return false
		}
	}
	return true
}

// TestCacheRefuses: a damaged shard is an error of the Fill that reads it,
// naming the file; a cache of another source, or a folder already holding
// one, is refused.
func TestCacheRefuses(t *testing.T) {
	dir := t.TempDir()
	s, _ := cacheStream(t)
	source := map[string]string{"model": "tiny"}
	if _, err := WriteCache(dir, s, 100, 40, 10, false, source); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteCache(dir, s, 100, 40, 10, false, source); err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Errorf("a second WriteCache into the folder = %v; want a refusal", err)
	}
	if _, err := OpenCache(dir, map[string]string{"model": "other"}); err == nil || !strings.Contains(err.Error(), "another model") {
		t.Errorf("OpenCache with another source = %v; want a refusal", err)
	}
	manifest := filepath.Join(dir, "cache.json")
	good, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	for _, forged := range []string{`"rows": -5`, `"width": 1099511627776`} {
		bad := strings.Replace(string(good), `"rows": 40`, forged, 1)
		if forged[1] == 'w' {
			bad = strings.Replace(string(good), `"width": 32`, forged, 1)
		}
		if err := os.WriteFile(manifest, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenCache(dir, source); err == nil {
			t.Errorf("a manifest with %s: OpenCache = nil error", forged)
		}
	}
	if err := os.WriteFile(manifest, good, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "shard-00001.act")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := OpenCache(dir, source)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 60*tiny.DMLP)
	c.Fill(x) // shard 0, then into the damaged shard 1
	if err := c.Err(); err == nil || !strings.Contains(err.Error(), "shard-00001.act") {
		t.Errorf("Fill across a damaged shard: Err = %v; want one naming shard-00001.act", err)
	}
}
