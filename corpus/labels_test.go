package corpus

import (
	"slices"
	"strings"
	"testing"
)

func TestClasses(t *testing.T) {
	tests := []struct {
		name string
		src  string
		sub  string // its first occurrence in src
		want Class  // of every byte of sub
	}{
		{"line comment", "x // note\ny", "// note", Comment},
		{"newline after a comment", "x // note\ny", "\n", Other},
		{"comment with CR", "x //c\r\ny", "//c\r", Comment},
		{"block comment", "x = 1 /* a\nb */\n", "/* a\nb */", Comment},
		{"doc comment", "// F does.\nfunc F() {}\n", "// F does.", Comment},
		{"string with escapes", `s := "a\"b\n"`, `"a\"b\n"`, String},
		{"raw string", "s := `a\r\nb`\n", "`a\r\nb`", String},
		{"rune", `c := '\''`, `'\''`, Char},
		{"hex", "n := 0x1F", "0x1F", Number},
		{"float", "f := 1.5e3", "1.5e3", Number},
		{"imaginary", "z := 2i", "2i", Number},
		{"keyword func", "func f() {}", "func", Keyword},
		{"keyword range", "for range x {}", "range", Keyword},
		{"identifier", "func fooBar() {}", "fooBar", Identifier},
		{"predeclared", "x = nil", "nil", Identifier},
		{"define", "x := 1", ":=", Operator},
		{"brace", "func f() {}", "{", Operator},
		{"ellipsis", "f(xs...)", "...", Operator},
		{"explicit semicolon", "a; b", ";", Operator},
		{"space", "a := 1", " ", Other},
		{"auto semicolon newline", "x := 1\ny := 2", "\n", Other},
		{"tab indent", "{\n\tx()\n}", "\t", Other},
		{"illegal", "x @ y", "@", Other},
		{"byte order mark", "\ufeffpackage p", "\ufeff", Other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := strings.Index(tt.src, tt.sub)
			if i < 0 {
				t.Fatalf("%q not in %q", tt.sub, tt.src)
			}
			classes, flags, _ := LabelFile([]byte(tt.src))
			if len(classes) != len(tt.src) || len(flags) != len(tt.src) {
				t.Fatalf("LabelFile(%q): %d classes, %d flags; want %d each", tt.src, len(classes), len(flags), len(tt.src))
			}
			for j := i; j < i+len(tt.sub); j++ {
				if classes[j] != tt.want {
					t.Errorf("LabelFile(%q) class of byte %d (%q) = %v; want %v", tt.src, j, tt.src[j], classes[j], tt.want)
				}
			}
		})
	}
}

// The comment after x = 1 ends the statement at the newline inside it: the
// scanner's automatic semicolon there takes no byte from the comment.
func TestClassesAroundComment(t *testing.T) {
	src := "x = 1 /* a\nb */ + 2\n"
	classes, _, _ := LabelFile([]byte(src))
	var got []string
	for i := 0; i < len(src); {
		j := i
		for j < len(src) && classes[j] == classes[i] {
			j++
		}
		got = append(got, classes[i].String()+":"+src[i:j])
		i = j
	}
	want := []string{"identifier:x", "other: ", "operator:=", "other: ", "number:1", "other: ",
		"comment:/* a\nb */", "other: ", "operator:+", "other: ", "number:2", "other:\n"}
	if !slices.Equal(got, want) {
		t.Errorf("LabelFile(%q) runs %q; want %q", src, got, want)
	}
}

const structured = `// Package p is a doc comment.
package p

import (
	"fmt"
	"os"
)

// T is a struct.
type T struct {
	// A is a field.
	A int
}

// F has a body.
func F() {
	x := 1
	g := func() { fmt.Println(x) }
	_ = g
	os.Exit(0)
}

var v = 1 // a line comment, not a doc comment
`

func TestFlags(t *testing.T) {
	tests := []struct {
		sub       string // its first occurrence in structured
		want, not Flag   // flags every byte of sub has, and has not
	}{
		{"// Package p is a doc comment.", Doc, FuncBody | Import | Struct},
		{"package p", 0, Doc | Import},
		{"import (\n\t\"fmt\"\n\t\"os\"\n)", Import, Doc | FuncBody | Struct},
		{"// T is a struct.", Doc, Struct},
		{"type T", 0, Struct | Doc},
		{"struct {\n\t// A is a field.\n\tA int\n}", Struct, FuncBody | Import},
		{"// A is a field.", Doc | Struct, FuncBody},
		{"A int", Struct, Doc},
		{"func F() ", 0, FuncBody},
		{"{\n\tx := 1", FuncBody, Struct | Doc},
		{"fmt.Println(x)", FuncBody, Import},
		{"os.Exit(0)\n}", FuncBody, 0},
		{"// a line comment, not a doc comment", 0, Doc | FuncBody},
	}
	classes, flags, parsed := LabelFile([]byte(structured))
	if !parsed {
		t.Fatal("LabelFile(structured) did not parse")
	}
	for _, tt := range tests {
		i := strings.Index(structured, tt.sub)
		if i < 0 {
			t.Fatalf("%q not in the source", tt.sub)
		}
		for j := i; j < i+len(tt.sub); j++ {
			if f := flags[j] &^ LineStart; f&tt.want != tt.want || f&tt.not != 0 {
				t.Errorf("flags of byte %d (%q) of %q = %v; want %v and not %v", j, structured[j], tt.sub, f, tt.want, tt.not)
				break
			}
		}
	}
	var starts []string
	for i, f := range flags {
		if f&LineStart != 0 {
			end := strings.IndexAny(structured[i:], " \n")
			starts = append(starts, structured[i:i+end])
		}
	}
	want := []string{"//", "package", "import", `"fmt"`, `"os"`, ")", "//", "type", "//", "A", "}",
		"//", "func", "x", "g", "_", "os.Exit(0)", "}", "var"}
	if !slices.Equal(starts, want) {
		t.Errorf("line starts %q; want %q", starts, want)
	}
	if classes[strings.Index(structured, "fmt.Println")] != Identifier {
		t.Errorf("class of fmt in the function literal = %v; want identifier", classes[strings.Index(structured, "fmt.Println")])
	}
}

func TestUnparsable(t *testing.T) {
	src := "package p\nfunc f() { x := }\n"
	classes, flags, parsed := LabelFile([]byte(src))
	if parsed {
		t.Fatalf("LabelFile(%q) parsed; want a parse error", src)
	}
	i := strings.Index(src, "func")
	for j, want := range []Class{Keyword, Keyword, Keyword, Keyword, Other, Identifier, Operator} {
		if classes[i+j] != want {
			t.Errorf("class of byte %d (%q) = %v; want %v", i+j, src[i+j], classes[i+j], want)
		}
	}
	for j, f := range flags {
		if f&^LineStart != 0 {
			t.Errorf("flags of byte %d (%q) = %v; want LineStart at most in a file that does not parse", j, src[j], f)
		}
	}
	if flags[0] != LineStart || flags[i] != LineStart {
		t.Errorf("flags of the line starts = %v, %v; want line", flags[0], flags[i])
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{Other.String(), "other"},
		{Operator.String(), "operator"},
		{Class(9).String(), "class(9)"},
		{Flag(0).String(), "-"},
		{(FuncBody | Doc).String(), "func|doc"},
		{(LineStart | Flag(0x80)).String(), "line|flag(0x80)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("String() = %q; want %q", tt.got, tt.want)
		}
	}
}

// TestCorpusLabels checks that a stream's labels are its files' labels,
// concatenated.
func TestCorpusLabels(t *testing.T) {
	c, err := Load(fakeRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []Split{Train, Val} {
		l := c.Labels(s)
		data := c.Bytes(s)
		if len(l.Classes) != len(data) || len(l.Flags) != len(data) {
			t.Fatalf("Labels(%v): %d classes, %d flags; want %d", s, len(l.Classes), len(l.Flags), len(data))
		}
		for _, f := range c.Files {
			if f.Val != (s == Val) {
				continue
			}
			classes, flags, _ := LabelFile(data[f.Offset : f.Offset+f.Len])
			if !slices.Equal(l.Classes[f.Offset:f.Offset+f.Len], classes) || !slices.Equal(l.Flags[f.Offset:f.Offset+f.Len], flags) {
				t.Errorf("Labels(%v) of %s differ from LabelFile's", s, f.Path)
			}
		}
		if len(l.Unparsed) != 0 {
			t.Errorf("Labels(%v).Unparsed = %q; want none", s, l.Unparsed)
		}
	}
}
