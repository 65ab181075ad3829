package corpus

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeRoot is a tiny GOROOT/src: a test file, two testdata directories, a
// non-Go file, nested directories, names whose byte order differs from
// WalkDir's (b-x.go < b.go < b/b.go) and two held-out files.
const fakeRoot = "testdata/goroot/src"

func TestPathHash(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
	}{
		{"", 0xcbf29ce484222325},
		{"a", 0xaf63dc4c8601ec8c},
		{"foobar", 0x85944171f73967e8},
	}
	for _, tt := range tests {
		if got := pathHash(tt.in); got != tt.want {
			t.Errorf("pathHash(%q) = %#x; want %#x", tt.in, got, tt.want)
		}
	}
}

func TestHeldOut(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"b/c/v24.go", true},
		{"v10.go", true},
		{"a.go", false},
		{"b/c/d.go", false},
	}
	for _, tt := range tests {
		if got := HeldOut(tt.path); got != tt.want {
			t.Errorf("HeldOut(%q) = %v; want %v", tt.path, got, tt.want)
		}
	}
}

func TestLoad(t *testing.T) {
	c, err := Load(fakeRoot)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		path string
		val  bool
	}{
		{"a.go", false},
		{"b-x.go", false},
		{"b.go", false},
		{"b/b.go", false},
		{"b/c/d.go", false},
		{"b/c/v24.go", true},
		{"testdata2/e.go", false},
		{"v10.go", true},
		{"z.go", false},
	}
	if len(c.Files) != len(want) {
		var got []string
		for _, f := range c.Files {
			got = append(got, f.Path)
		}
		t.Fatalf("Load(%s) files = %q; want %d files", fakeRoot, got, len(want))
	}
	var train, val []byte
	for i, w := range want {
		f := c.Files[i]
		if f.Path != w.path || f.Val != w.val {
			t.Errorf("Files[%d] = %q val %v; want %q val %v", i, f.Path, f.Val, w.path, w.val)
			continue
		}
		src, err := os.ReadFile(filepath.Join(fakeRoot, w.path))
		if err != nil {
			t.Fatal(err)
		}
		stream, dst := c.Train, &train
		if w.val {
			stream, dst = c.Val, &val
		}
		if f.Offset != len(*dst) || f.Len != len(src) {
			t.Errorf("%s: offset %d len %d; want %d %d", w.path, f.Offset, f.Len, len(*dst), len(src))
		} else if got := string(stream[f.Offset : f.Offset+f.Len]); got != string(src) {
			t.Errorf("%s: bytes %q; want %q", w.path, got, src)
		}
		*dst = append(*dst, src...)
	}
	if string(c.Train) != string(train) {
		t.Errorf("Train = %q; want %q", c.Train, train)
	}
	if string(c.Val) != string(val) {
		t.Errorf("Val = %q; want %q", c.Val, val)
	}
	s := c.Stats()
	if s.Files != 9 || s.TrainFiles != 7 || s.ValFiles != 2 || s.TrainBytes != len(train) || s.ValBytes != len(val) {
		t.Errorf("Stats() = %+v; want 9 files, 7 train, 2 val, %d and %d bytes", s, len(train), len(val))
	}
	if len(s.SHA256Train) != 64 || s.SHA256Train != c.TrainSHA256() || s.SHA256Val == s.SHA256Train {
		t.Errorf("Stats() hashes %q, %q; want 64 hex digits each, differing", s.SHA256Train, s.SHA256Val)
	}
}

func TestLoadRefuses(t *testing.T) {
	tests := []struct {
		name string
		tree map[string]string // path → contents; "->target" makes a symlink
		lim  limits
		want string // in the error
	}{
		{"symlink", map[string]string{"a.go": "package a\n", "l.go": "->a.go"}, limits{100, 1000}, "l.go: not a regular file"},
		{"big file", map[string]string{"a.go": "package a\n", "big.go": strings.Repeat("x", 101)}, limits{100, 1000}, "big.go: more than the limit of 100 bytes"},
		{"big corpus", map[string]string{"a.go": strings.Repeat("x", 60), "b.go": strings.Repeat("x", 60)}, limits{100, 100}, "120 bytes of Go source, more than the limit of 100"},
		{"no root", nil, limits{100, 1000}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "src")
			if tt.tree != nil {
				if err := os.Mkdir(root, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			for p, s := range tt.tree {
				var err error
				if target, ok := strings.CutPrefix(s, "->"); ok {
					err = os.Symlink(target, filepath.Join(root, p))
				} else {
					err = os.WriteFile(filepath.Join(root, p), []byte(s), 0o644)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			_, err := load(root, tt.lim)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "corpus: ") {
				t.Errorf("load(%s) error = %v; want one containing %q", tt.name, err, tt.want)
			}
		})
	}
}

// A root called testdata is still read: only directories below it are
// left out.
func TestLoadRootNamedTestdata(t *testing.T) {
	root := filepath.Join(t.TempDir(), "testdata")
	if err := os.MkdirAll(filepath.Join(root, "testdata"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a.go", "testdata/b.go"} {
		if err := os.WriteFile(filepath.Join(root, p), []byte("package a\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Files) != 1 || c.Files[0].Path != "a.go" {
		t.Errorf("Load(%s) files %+v; want a.go only", root, c.Files)
	}
}
