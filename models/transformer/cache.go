package transformer

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/toymodels/superposition/graph"
	"github.com/toymodels/superposition/internal/atomicfile"
	"github.com/toymodels/superposition/internal/half"
	"github.com/toymodels/superposition/internal/safeio"
	"github.com/toymodels/superposition/internal/sealed"
)

// An activation cache is a folder of shards holding the rows an
// [ActivationStream] handed out, in order, so that several SAEs train on the
// same activations without running the model again:
//
//	cache.json           CacheInfo, written last (a folder without it is unfinished)
//	sample.act           the stream's Sample rows (an SAE's b_dec initialisation)
//	shard-00000.act …    ShardRows rows each: values, then each row's origin
//
// Every .act file is sealed (internal/sealed: length and SHA-256, checked as
// it is read) and written atomically. Values are float32, or float16
// (rounded to nearest, ties to even), halving the disk. A reader holds one
// shard in memory at a time.

// CacheInfo is an activation cache's manifest.
type CacheInfo struct {
	// Hook and Width say what the rows are; Rows how many, in shards of
	// ShardRows (the last may hold fewer).
	Hook      string `json:"hook"`
	Width     int    `json:"width"`
	Rows      int    `json:"rows"`
	ShardRows int    `json:"shard_rows"`
	// Float16 stores the values as binary16.
	Float16 bool `json:"float16"`
	// Scale is the stream's activation scale, already applied to the rows.
	Scale float32 `json:"scale"`
	// SampleRows is the number of rows in sample.act.
	SampleRows int `json:"sample_rows"`
	// Shards are the shard files' names and SHA-256s, in order.
	Shards []CacheShard `json:"shards"`
	// Source identifies what the activations were harvested from (the
	// model's SHA-256, the corpus's, seeds, windows per pass): a cache is
	// reused only by a run with the same Source.
	Source map[string]string `json:"source"`
}

// CacheShard is one shard of a cache.
type CacheShard struct {
	File   string `json:"file"`
	Rows   int    `json:"rows"`
	SHA256 string `json:"sha256"`
}

const (
	cacheMagic   = "SPOSACTS"
	cacheVersion = 1
	cacheInfo    = "cache.json"
	// maxCacheShard bounds a shard file a reader loads; maxCacheRows and
	// maxCacheWidth a manifest's shard and row sizes.
	maxCacheShard = 1 << 31
	maxCacheRows  = 1 << 26
	maxCacheWidth = 1 << 20
)

// WriteCache draws rows activations from s (in the order Fill hands them
// out, shardRows at a time) and writes them, with s's Sample of sampleRows
// rows and the manifest, into the folder dir, which must not hold a cache
// yet. source identifies what the stream reads (see CacheInfo.Source).
func WriteCache(dir string, s *ActivationStream, rows, shardRows, sampleRows int, float16 bool, source map[string]string) (CacheInfo, error) {
	if rows < 1 || shardRows < 1 || sampleRows < 0 {
		return CacheInfo{}, fmt.Errorf("transformer: cache of %d rows in shards of %d: want positive sizes", rows, shardRows)
	}
	if _, err := os.Stat(filepath.Join(dir, cacheInfo)); err == nil {
		return CacheInfo{}, fmt.Errorf("transformer: %s already holds a cache", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return CacheInfo{}, err
	}
	info := CacheInfo{Hook: s.hook, Width: s.width, Rows: rows, ShardRows: shardRows, Float16: float16, Scale: s.Scale, Source: source}
	sample := s.Sample(sampleRows)
	info.SampleRows = len(sample) / s.width
	if _, err := writeShard(filepath.Join(dir, "sample.act"), sample, nil, float16); err != nil {
		return CacheInfo{}, err
	}
	x := make([]float32, min(shardRows, rows)*s.width)
	for done, k := 0, 0; done < rows; k++ {
		n := min(shardRows, rows-done)
		s.Fill(x[:n*s.width])
		if err := s.Err(); err != nil {
			return CacheInfo{}, err
		}
		name := fmt.Sprintf("shard-%05d.act", k)
		sum, err := writeShard(filepath.Join(dir, name), x[:n*s.width], s.Origins(), float16)
		if err != nil {
			return CacheInfo{}, err
		}
		info.Shards = append(info.Shards, CacheShard{File: name, Rows: n, SHA256: sum})
		done += n
	}
	js, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return CacheInfo{}, err
	}
	return info, atomicfile.WriteFile(filepath.Join(dir, cacheInfo), append(js, '\n'))
}

// writeShard seals rows (and their origins, when given) into path and
// returns the file's SHA-256.
func writeShard(path string, x []float32, origins []int64, float16 bool) (string, error) {
	size := 4
	if float16 {
		size = 2
	}
	payload := make([]byte, 0, len(x)*size+8*len(origins))
	for _, v := range x {
		if float16 {
			payload = binary.LittleEndian.AppendUint16(payload, half.FromFloat32(v))
		} else {
			payload = binary.LittleEndian.AppendUint32(payload, math.Float32bits(v))
		}
	}
	for _, o := range origins {
		payload = binary.LittleEndian.AppendUint64(payload, uint64(o))
	}
	data := sealed.Seal(cacheMagic, cacheVersion, payload)
	if err := atomicfile.WriteFile(path, data); err != nil {
		return "", err
	}
	return sha256Hex(data), nil
}

// Cache reads an activation cache as a graph.Features source: its rows in
// the order they were written, again from the first after the last.
type Cache struct {
	dir    string
	info   CacheInfo
	shard  int       // the shard in vals
	vals   []float32 // its rows
	origs  []int64
	next   int // the next row of vals
	at     []int64
	err    error
	sample []float32
}

var _ graph.Features = (*Cache)(nil)

// OpenCache opens the cache in dir; source, when not nil, must equal the
// cache's CacheInfo.Source (a cache of another model or run is refused).
func OpenCache(dir string, source map[string]string) (*Cache, error) {
	data, err := safeio.ReadFile(filepath.Join(dir, cacheInfo), 1<<24)
	if err != nil {
		return nil, fmt.Errorf("transformer: cache: %w", err)
	}
	var info CacheInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("transformer: cache %s: %w", dir, err)
	}
	rows := 0
	for _, sh := range info.Shards {
		if filepath.Base(sh.File) != sh.File || sh.Rows < 1 || sh.Rows > maxCacheRows {
			return nil, fmt.Errorf("transformer: cache %s: shard %q of %d rows: want a file name and 1 to %d rows", dir, sh.File, sh.Rows, maxCacheRows)
		}
		rows += sh.Rows
	}
	if info.Width < 1 || info.Width > maxCacheWidth || info.SampleRows < 0 || info.SampleRows > maxCacheRows || rows != info.Rows {
		return nil, fmt.Errorf("transformer: cache %s: width %d, %d rows in shards summing to %d", dir, info.Width, info.Rows, rows)
	}
	if source != nil && !sameSource(info.Source, source) {
		return nil, fmt.Errorf("transformer: cache %s was harvested from another model or configuration", dir)
	}
	c := &Cache{dir: dir, info: info, shard: -1}
	if c.sample, _, err = c.read("sample.act", "", info.SampleRows, false); err != nil {
		return nil, err
	}
	return c, nil
}

func sameSource(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// read loads a shard file of rows rows (and their origins when withOrigins),
// checking its seal and, when sum is given, its SHA-256 against it.
func (c *Cache) read(name, sum string, rows int, withOrigins bool) ([]float32, []int64, error) {
	path := filepath.Join(c.dir, name)
	data, err := safeio.ReadFile(path, maxCacheShard)
	if err != nil {
		return nil, nil, fmt.Errorf("transformer: cache: %w", err)
	}
	if sum != "" && sha256Hex(data) != sum {
		return nil, nil, fmt.Errorf("transformer: cache %s: its SHA-256 is not the manifest's", path)
	}
	body, err := sealed.Open(data, cacheMagic, cacheVersion)
	if err != nil {
		return nil, nil, fmt.Errorf("transformer: cache %s: %w", path, err)
	}
	size := 4
	if c.info.Float16 {
		size = 2
	}
	n := rows * c.info.Width
	want := n * size
	if withOrigins {
		want += 8 * rows
	}
	if len(body) != want {
		return nil, nil, fmt.Errorf("transformer: cache %s: %d bytes; %d rows of %d want %d", path, len(body), rows, c.info.Width, want)
	}
	vals := make([]float32, n)
	for i := range vals {
		if c.info.Float16 {
			vals[i] = half.ToFloat32(binary.LittleEndian.Uint16(body[2*i:]))
		} else {
			vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
		}
	}
	var origs []int64
	if withOrigins {
		for i := range rows {
			origs = append(origs, int64(binary.LittleEndian.Uint64(body[n*size+8*i:])))
		}
	}
	return vals, origs, nil
}

// Info returns the cache's manifest.
func (c *Cache) Info() CacheInfo { return c.info }

// Width implements graph.Features.
func (c *Cache) Width() int { return c.info.Width }

// Sample returns a copy of the first rows of the stream's buffer as it was
// when the cache was written, as [ActivationStream.Sample] returned them.
func (c *Cache) Sample(rows int) []float32 {
	return append([]float32(nil), c.sample[:min(rows, c.info.SampleRows)*c.info.Width]...)
}

// Fill implements graph.Features: the next rows of the cache. A shard that
// cannot be read (changed or damaged since it was written) leaves zeros and
// is reported by [Cache.Err].
func (c *Cache) Fill(x []float32) {
	w := c.info.Width
	c.at = c.at[:0]
	if c.err != nil {
		clear(x)
		return
	}
	for r := 0; r < len(x)/w; r++ {
		if c.next*w >= len(c.vals) {
			k := (c.shard + 1) % len(c.info.Shards)
			sh := c.info.Shards[k]
			vals, origs, err := c.read(sh.File, sh.SHA256, sh.Rows, true)
			if err != nil {
				c.err = err
				clear(x)
				return
			}
			c.shard, c.vals, c.origs, c.next = k, vals, origs, 0
		}
		copy(x[r*w:(r+1)*w], c.vals[c.next*w:(c.next+1)*w])
		c.at = append(c.at, c.origs[c.next])
		c.next++
	}
}

// Origins returns where each row of the last Fill came from, as
// [ActivationStream.Origins].
func (c *Cache) Origins() []int64 { return c.at }

// Err returns the first error of a Fill.
func (c *Cache) Err() error { return c.err }

// HasCache reports whether dir holds a finished cache (its manifest).
func HasCache(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, cacheInfo))
	return err == nil && fi.Mode().IsRegular()
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
