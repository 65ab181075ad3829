package corpus

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// body returns a file whose function f has the statements stmts.
func body(stmts string) string {
	return "package p\n\nimport (\n\t\"fmt\"\n\t\"math/rand/v2\"\n)\n\nfunc f(a int, s []string) {\n" + stmts + "\n}\n"
}

func TestFine(t *testing.T) {
	tests := []struct {
		name string
		src  string
		in   string // the first occurrence of in in src ("": src) holds
		sub  string // the first occurrence of sub in in
		want Fine   // the fine label of every byte of sub
	}{
		{"indent", body("\tx := 1"), "\tx", "\t", OtherIndent},
		{"indent in a doc group", "package p\n\ntype T struct {\n\t// A is.\n\t// More.\n\tA int\n}\n", "\n\t// More", "\t", OtherIndent},
		{"space", body("\tx := 1"), "x := 1", " ", OtherSpace},
		{"space before a comment", body("\tx := 1\t// c"), "1\t//", "\t", OtherSpace},
		{"newline", body("\tx := 1"), "1\n", "\n", OtherNewline},
		{"carriage return", "package p\r\n", "", "\r\n", OtherNewline},
		{"byte order mark", "\ufeffpackage p\n", "", "\ufeff", OtherMisc},
		{"illegal", "package p\nvar x = a @ b\n", "", "@", OtherMisc},

		{"line comment", body("\tx := 0x1F // c"), "", "// c", CommentLine},
		{"block comment", body("\tx := /* b */ 1"), "", "/* b */", CommentBlock},
		{"doc comment", "package p\n\n// F does.\nfunc F() {}\n", "", "// F does.", CommentDoc},
		{"package doc", "// Package p is.\npackage p\n", "", "// Package p is.", CommentDoc},
		{"block doc comment", "package p\n\n/* F does. */\nfunc F() {}\n", "", "/* F does. */", CommentDoc},
		{"field doc", "package p\n\ntype T struct {\n\t// A is.\n\tA int\n}\n", "", "// A is.", CommentDoc},
		{"line comment after a declaration", "package p\n\nvar v = 1 // one\n", "", "// one", CommentLine},
		{"directive in a doc group", "package p\n\n// F does.\n//\n//go:noinline\nfunc F() {}\n", "", "//go:noinline", CommentDirective},
		{"empty comment in a doc group", "package p\n\n// F does.\n//\n//go:noinline\nfunc F() {}\n", "does.\n//\n", "//", CommentDoc},
		{"build constraint", "//go:build linux\n\npackage p\n", "", "//go:build linux", CommentDirective},
		{"line directive", "package p\n\n//line a.go:1\nvar v = 1\n", "", "//line a.go:1", CommentDirective},
		{"block line directive", "package p\n\nvar v = /*line a.go:1*/ 1\n", "", "/*line a.go:1*/", CommentDirective},
		{"cgo export", "package p\n\n//export F\nfunc F() {}\n", "", "//export F", CommentDirective},
		{"not a directive: space", "package p\n\n// go:noinline\nvar v = 1\n", "", "// go:noinline", CommentDoc},
		{"not a directive: no name", "package p\n\nvar v = 1 //go:\n", "", "//go:", CommentLine},

		{"string quote", body(`	_ = "a\nb"`), `"a\nb"`, `"a`, StringInterpreted},
		{"string newline escape", body(`	_ = "a\nb"`), `"a\nb"`, `\n`, StringEscape},
		{"string after an escape", body(`	_ = "a\nb"`), `"a\nb"`, `b"`, StringInterpreted},
		{"string escapes", body(`	_ = "\x41\u00e9\U0001F600\377\\\""`), "", `\x41\u00e9\U0001F600\377\\\"`, StringEscape},
		{"string percent verb", body(`	_ = "%d\t"`), "", `"%d`, StringInterpreted},
		{"raw string", body("\t_ = `a\\nb\r\nc`"), "", "`a\\nb\r\nc`", StringRaw},
		{"import path", body(""), "", `"fmt"`, StringInterpreted},
		{"rune", body("\t_ = 'a'"), "", "'a'", CharPlain},
		{"rune quote", body(`	_ = '\''`), "", `'`, CharPlain},
		{"rune escape", body(`	_ = '\''`), "", `\'`, CharEscape},
		{"rune hex escape", body(`	_ = '\x00'`), "", `\x00`, CharEscape},
		{"multibyte rune", body("\t_ = 'é'"), "", "'é'", CharPlain},

		{"decimal", body("\t_ = 42"), "", "42", NumberDecimal},
		{"zero", body("\t_ = 0"), "_ = 0", "0", NumberDecimal},
		{"hex", body("\tx := 0x1F // c"), "", "0x1F", NumberHex},
		{"hex upper", body("\t_ = 0X_1f"), "", "0X_1f", NumberHex},
		{"octal", body("\t_ = 0o17"), "", "0o17", NumberOctalBinary},
		{"legacy octal", body("\t_ = 017"), "", "017", NumberOctalBinary},
		{"binary", body("\t_ = 0b1_01"), "", "0b1_01", NumberOctalBinary},
		{"float", body("\t_ = 1.5e3"), "", "1.5e3", NumberFloat},
		{"float without integer part", body("\t_ = .5"), "", ".5", NumberFloat},
		{"hex float", body("\t_ = 0x1p-2"), "", "0x1p-2", NumberFloat},
		{"imaginary", body("\t_ = 1.5i"), "", "1.5i", NumberImaginary},
		{"hex imaginary", body("\t_ = 0x1i"), "", "0x1i", NumberImaginary},

		{"keyword package", body(""), "", "package", KeywordDecl},
		{"keyword func", body(""), "", "func", KeywordDecl},
		{"keyword func literal", body("\tg := func() {}"), "g := func", "func", KeywordDecl},
		{"keyword struct", body("\tvar v struct{}"), "", "struct", KeywordType},
		{"keyword chan", body("\tvar c chan int"), "", "chan", KeywordType},
		{"keyword range", body("\tfor range s {}"), "", "range", KeywordFlow},
		{"keyword return", body("\treturn"), "", "return", KeywordFlow},

		{"package name", body(""), " p\n", "p", IdentifierDeclared},
		{"import name", "package p\n\nimport mr \"math/rand\"\n", "", "mr", IdentifierDeclared},
		{"func name", body(""), " f(", "f", IdentifierDeclared},
		{"param", body(""), "(a int", "a", IdentifierDeclared},
		{"param type", body(""), "(a int", "int", IdentifierPredeclared},
		{"second param", body(""), "s []string", "s", IdentifierDeclared},
		{"named result", "package p\n\nfunc F() (n int, err error) { return }\n", "", "err", IdentifierDeclared},
		{"result type", "package p\n\nfunc F() (n int, err error) { return }\n", "", "error", IdentifierPredeclared},
		{"method", "package p\n\nfunc (t *T) Len() int { return 0 }\n", "", "Len", IdentifierDeclared},
		{"receiver", "package p\n\nfunc (t *T) Len() int { return 0 }\n", "", "t", IdentifierDeclared},
		{"receiver type", "package p\n\nfunc (t *T) Len() int { return 0 }\n", "", "T", IdentifierExported},
		{"method named like a builtin", "package p\n\nfunc (t T) len() int { return 0 }\n", "", "len", IdentifierDeclared},
		{"receiver type parameter", "package p\n\nfunc (s *Set[E]) Len() int { return 0 }\n", "", "E", IdentifierDeclared},
		{"type", "package p\n\ntype T[K any] struct{ A, b K }\n", "", "T", IdentifierDeclared},
		{"type parameter", "package p\n\ntype T[K any] struct{ A, b K }\n", "", "K", IdentifierDeclared},
		{"constraint", "package p\n\ntype T[K any] struct{ A, b K }\n", "", "any", IdentifierPredeclared},
		{"field", "package p\n\ntype T[K any] struct{ A, b K }\n", "", "A", IdentifierDeclared},
		{"second field", "package p\n\ntype T[K any] struct{ A, b K }\n", "", "b", IdentifierDeclared},
		{"field type", "package p\n\ntype T[K any] struct{ A, b K }\n", "b K", "K", IdentifierExported},
		{"field named like a builtin", "package p\n\ntype T struct{ len int }\n", "", "len", IdentifierDeclared},
		{"interface method", "package p\n\ntype I interface{ M() }\n", "", "M", IdentifierDeclared},
		{"var", body("\tvar v int"), " v int", "v", IdentifierDeclared},
		{"const", "package p\n\nconst c, d = 1, 2\n", "", "d", IdentifierDeclared},
		{"blank var", "package p\n\nvar _ = 1\n", "", "_", IdentifierDeclared},
		{"define", body("\tx := 1"), "", "x", IdentifierDeclared},
		{"define two", body("\tx, err := 1, 2"), "", "err", IdentifierDeclared},
		{"redeclared", body("\tx, err := 1, 2\n\ty, err := 3, 4"), "y, err", "err", IdentifierUnexported},
		{"new beside a redeclared", body("\tx, err := 1, 2\n\ty, err := 3, 4"), "y, err", "y", IdentifierDeclared},
		{"shadowing in an inner scope", body("\tx, err := 1, 2\n\t{\n\t\terr := 3\n\t}"), "{\n\t\terr", "err", IdentifierDeclared},
		{"blank in a define", body("\t_, err := 1, 2"), "", "_", IdentifierDeclared},
		{"range key", body("\tfor i, v := range s {}"), " i, v", "i", IdentifierDeclared},
		{"range value", body("\tfor i, v := range s {}"), " v :=", "v", IdentifierDeclared},
		{"range assign", body("\tvar i int\n\tfor i = range s {}"), "for i", "i", IdentifierUnexported},
		{"type switch", body("\tswitch v := any(a).(type) {}"), " v :=", "v", IdentifierDeclared},
		{"select define", body("\tvar c chan int\n\tselect {\n\tcase v := <-c:\n\t}"), "case v", "v", IdentifierDeclared},
		{"label", body("L:\n\tgoto L"), "L:", "L", IdentifierDeclared},
		{"label use", body("L:\n\tgoto L"), "goto L", "L", IdentifierExported},
		{"assignment", body("\tx := 1\n\tx = 2"), "x = 2", "x", IdentifierUnexported},

		{"qualifier", body("\tfmt.Println(a)"), "fmt.Println", "fmt", IdentifierQualifier},
		{"qualified name", body("\tfmt.Println(a)"), "", "Println", IdentifierExported},
		{"qualifier of a major version", body("\t_ = rand.IntN(3)"), "rand.IntN", "rand", IdentifierQualifier},
		{"qualifier in a type", body("\tvar r *rand.Rand"), "rand.Rand", "rand", IdentifierQualifier},
		{"named import", "package p\n\nimport mr \"math/rand\"\n\nvar v = mr.Int()\n", "= mr", "mr", IdentifierQualifier},
		{"renamed import's path name", "package p\n\nimport mr \"math/rand\"\n\nvar v = rand.Int()\n", "rand.Int", "rand", IdentifierUnexported},
		{"shadowed package", body("\tfmt := s\n\t_ = fmt.x"), "_ = fmt", "fmt", IdentifierUnexported},
		{"shadowed by a param", "package p\n\nimport \"fmt\"\n\nfunc f(fmt T) { fmt.x() }\n", "{ fmt", "fmt", IdentifierUnexported},
		{"not imported", body("\t_ = strings.x"), "", "strings", IdentifierUnexported},
		{"field selector", body("\t_ = s.len"), "", "len", IdentifierUnexported},

		{"predeclared type", body("\tvar v string"), "", "string", IdentifierPredeclared},
		{"nil", body("\t_ = s == nil"), "", "nil", IdentifierPredeclared},
		{"true", body("\t_ = true"), "", "true", IdentifierPredeclared},
		{"builtin", body("\t_ = append(s, \"x\")"), "", "append", IdentifierPredeclared},
		{"builtin shadowed after its use", body("\tlen := len(s)\n\t_ = len"), "= len(", "len", IdentifierPredeclared},
		{"shadowed builtin", body("\tlen := len(s)\n\t_ = len"), "_ = len", "len", IdentifierUnexported},
		{"package-level shadow", "package p\n\nfunc min(a, b int) int { return a }\n\nvar v = min(1, 2)\n", "= min", "min", IdentifierUnexported},
		{"iota", "package p\n\nconst c = iota\n", "", "iota", IdentifierPredeclared},
		{"composite key named like a builtin", body("\t_ = T{len: 1}"), "", "len", IdentifierUnexported},
		{"composite key true", body("\t_ = map[bool]int{true: 1}"), "", "true", IdentifierPredeclared},

		{"exported", body("\t_ = T{}"), "", "T", IdentifierExported},
		{"unexported", body("\tfmt.Println(a)"), "(a)", "a", IdentifierUnexported},
		{"blank", body("\t_ = a"), "", "_", IdentifierUnexported},

		{"paren", body(""), "f(", "(", OperatorBracket},
		{"brace", body(""), "{", "{", OperatorBracket},
		{"bracket", body(""), "[]", "[]", OperatorBracket},
		{"comma", body(""), "a int,", ",", OperatorPunct},
		{"period", body("\tfmt.Println(a)"), "", ".", OperatorPunct},
		{"explicit semicolon", body("\ta++; a--"), "", ";", OperatorPunct},
		{"colon", body("\t_ = s[1:]"), "", ":", OperatorPunct},
		{"ellipsis", body("\tfmt.Println(s...)"), "", "...", OperatorPunct},
		{"assign", body("\t_ = a"), "", "=", OperatorAssign},
		{"define op", body("\tx := 1"), "", ":=", OperatorAssign},
		{"add assign", body("\ta += 1"), "", "+=", OperatorAssign},
		{"and-not assign", body("\ta &^= 1"), "", "&^=", OperatorAssign},
		{"increment", body("\ta++"), "", "++", OperatorAssign},
		{"plus", body("\t_ = a + 1"), "", "+", OperatorOther},
		{"equal", body("\t_ = a == 1"), "", "==", OperatorOther},
		{"arrow", body("\tvar c chan int\n\t<-c"), "", "<-", OperatorOther},
		{"tilde", "package p\n\ntype C interface{ ~int }\n", "", "~", OperatorOther},
		{"star", "package p\n\nfunc (t *T) Len() int { return 0 }\n", "", "*", OperatorOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := locate(t, tt.src, tt.in, tt.sub)
			fine, _ := LabelFileFine([]byte(tt.src))
			if len(fine) != len(tt.src) {
				t.Fatalf("LabelFileFine(%q): %d labels; want %d", tt.src, len(fine), len(tt.src))
			}
			for j := i; j < i+len(tt.sub); j++ {
				if fine[j] != tt.want {
					t.Errorf("LabelFileFine(%q) fine label of byte %d (%q) of %q = %v; want %v", tt.src, j, tt.src[j], tt.sub, fine[j], tt.want)
				}
			}
		})
	}
}

// locate returns the offset in src of the first occurrence of sub in the
// first occurrence of in ("": src).
func locate(t *testing.T, src, in, sub string) int {
	t.Helper()
	start, scope := 0, src
	if in != "" {
		start, scope = strings.Index(src, in), in
	}
	i := strings.Index(scope, sub)
	if start < 0 || i < 0 {
		t.Fatalf("%q not in %q of %q", sub, in, src)
	}
	return start + i
}

// TestFineRefinesClass checks on real files that every byte's fine label
// refines its class, and that the labels are the same whether a file is
// labelled alone or as part of a stream.
func TestFineRefinesClass(t *testing.T) {
	root, err := DefaultRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"fmt/print.go", "strconv/quote.go", "go/ast/ast.go", "math/rand/v2/rand.go", "builtin/builtin.go"} {
		t.Run(path, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(path)))
			if err != nil {
				t.Fatal(err)
			}
			checkRefines(t, src, true)
		})
	}
}

// checkRefines checks that src's fine labels refine its classes, and that
// it parsed if and only if wantParsed.
func checkRefines(t *testing.T, src []byte, wantParsed bool) []Fine {
	t.Helper()
	classes, _, parsed := LabelFile(src)
	fine, fineParsed := LabelFileFine(src)
	if parsed != wantParsed || fineParsed != wantParsed {
		t.Fatalf("LabelFile parsed %v, LabelFileFine parsed %v; want %v", parsed, fineParsed, wantParsed)
	}
	var seen [NumFine]int
	for i, f := range fine {
		seen[f]++
		if f.Class() != classes[i] {
			t.Errorf("byte %d (%q): fine label %v refines %v; its class is %v", i, src[i], f, f.Class(), classes[i])
			break
		}
	}
	t.Logf("%d bytes; fine counts %v", len(src), seen)
	return fine
}

// A file that does not parse keeps its lexical fine labels: no doc
// comments, declared names, qualifiers or predeclared names.
func TestFineUnparsable(t *testing.T) {
	src := "package p\n\nimport \"fmt\"\n\n// F does.\n//go:noinline\nfunc F(a int) { x := fmt.Sprint(a) + }\n"
	fine := checkRefines(t, []byte(src), false)
	tests := []struct {
		in, sub string // as in TestFine
		want    Fine
	}{
		{"", "// F does.", CommentLine},
		{"", "//go:noinline", CommentDirective},
		{"", "package", KeywordDecl},
		{" p\n", "p", IdentifierUnexported},
		{"func F", "F", IdentifierExported},
		{"(a int", "a", IdentifierUnexported},
		{"(a int", "int", IdentifierUnexported},
		{"x :=", "x", IdentifierUnexported},
		{"fmt.Sprint", "fmt", IdentifierUnexported},
		{"fmt.Sprint", "Sprint", IdentifierExported},
		{"", "\"fmt\"", StringInterpreted},
		{"", ":=", OperatorAssign},
	}
	for _, tt := range tests {
		i := locate(t, src, tt.in, tt.sub)
		for j := i; j < i+len(tt.sub); j++ {
			if fine[j] != tt.want {
				t.Errorf("LabelFileFine(%q) fine label of byte %d (%q) of %q = %v; want %v", src, j, src[j], tt.sub, fine[j], tt.want)
			}
		}
	}
}

func TestFineNames(t *testing.T) {
	for f := range NumFine {
		if c := f.Class(); !strings.HasPrefix(f.String(), c.String()+"/") {
			t.Errorf("Fine(%d) = %q refines %v; want its name to start with %q", f, f, c, c.String()+"/")
		}
	}
	if got := Fine(99).String(); got != "fine(99)" {
		t.Errorf("Fine(99).String() = %q; want fine(99)", got)
	}
	if got := Fine(99).Class(); got != NumClasses {
		t.Errorf("Fine(99).Class() = %v; want NumClasses", got)
	}
	for c := range NumClasses {
		if !slices.ContainsFunc(fineClass[:], func(fc Class) bool { return fc == c }) {
			t.Errorf("no fine class refines %v", c)
		}
	}
}

// TestCorpusFine checks that a stream's fine labels are its files' fine
// labels, concatenated, and that the fine fractions of each class sum to
// its fraction.
func TestCorpusFine(t *testing.T) {
	c, err := Load(fakeRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []Split{Train, Val} {
		l := c.Labels(s)
		data := c.Bytes(s)
		if len(l.Fine) != len(data) {
			t.Fatalf("Labels(%v): %d fine labels; want %d", s, len(l.Fine), len(data))
		}
		for _, f := range c.Files {
			if f.Val != (s == Val) {
				continue
			}
			fine, _ := LabelFileFine(data[f.Offset : f.Offset+f.Len])
			if !slices.Equal(l.Fine[f.Offset:f.Offset+f.Len], fine) {
				t.Errorf("Labels(%v).Fine of %s differ from LabelFileFine's", s, f.Path)
			}
		}
		var sum float64
		for f, frac := range l.FineFractions() {
			sum += frac
			var coarse float64
			for g, gfrac := range l.FineFractions() {
				if Fine(g).Class() == Fine(f).Class() {
					coarse += gfrac
				}
			}
			if want := l.Fractions()[Fine(f).Class()]; math.Abs(coarse-want) > 1e-12 {
				t.Errorf("Labels(%v): fine fractions of %v sum to %v; want its fraction %v", s, Fine(f).Class(), coarse, want)
			}
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("Labels(%v).FineFractions() sum to %v; want 1", s, sum)
		}
	}
}

// BenchmarkLabelFile labels fmt/print.go with classes and flags only
// (LabelFile) and with fine labels too (LabelFileFine, which also asks the
// parser to resolve identifiers).
func BenchmarkLabelFile(b *testing.B) {
	root, err := DefaultRoot()
	if err != nil {
		b.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "fmt", "print.go"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("coarse", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			LabelFile(src)
		}
	})
	b.Run("fine", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			LabelFileFine(src)
		}
	})
}
