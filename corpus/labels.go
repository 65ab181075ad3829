package corpus

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// Class is the lexical class of one byte of Go source, from go/scanner.
type Class uint8

// The classes. Every byte of a token has the token's class; every byte
// outside a token is Other.
const (
	// Other is whitespace between tokens and anything else outside a
	// token: a byte order mark, an illegal character. The newline that
	// ends a line is Other even where the scanner inserts a semicolon
	// there: an automatic semicolon occupies no bytes.
	Other Class = iota
	// Comment is a // or /* */ comment, delimiters included (not the
	// newline after a // comment).
	Comment
	// String is a string literal, quotes included, interpreted or raw.
	String
	// Char is a rune literal, quotes included.
	Char
	// Number is an integer, floating-point or imaginary literal.
	Number
	// Keyword is one of Go's 25 keywords.
	Keyword
	// Identifier is an identifier, predeclared ones (int, nil, true)
	// included.
	Identifier
	// Operator is an operator or punctuation: + := ( ) { } , ; … (an
	// explicit semicolon only).
	Operator
	// NumClasses is the number of classes.
	NumClasses
)

// Classes names the classes, indexed by Class. It is read-only.
var Classes = [NumClasses]string{"other", "comment", "string", "char", "number", "keyword", "identifier", "operator"}

func (c Class) String() string {
	if c < NumClasses {
		return Classes[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// Flag is a bitmask of the structural facts about one byte of Go source.
// All but LineStart come from go/parser and are zero throughout a file that
// does not parse.
type Flag uint8

// The flags.
const (
	// FuncBody marks the body of a function declaration or literal, from
	// its { to its } inclusive.
	FuncBody Flag = 1 << iota
	// Import marks an import declaration, from the keyword import to the
	// end of its last spec or its closing parenthesis.
	Import
	// Struct marks a struct type, from the keyword struct to its closing
	// brace.
	Struct
	// Doc marks a doc comment: a comment group the parser attaches as Doc
	// to the file (the package comment), a declaration, a spec or a field,
	// from the first comment's first byte to the last one's last byte
	// (the newlines and indentation between its comments included).
	Doc
	// LineStart marks the first byte of a line that is not a space, tab
	// or carriage return; a blank line has none. It is lexical, so it is
	// set in files that do not parse too.
	LineStart
	// NumFlags is the number of flags.
	NumFlags = 5
)

// FlagNames names the flags, bit i's name at index i. It is read-only.
var FlagNames = [NumFlags]string{"func", "import", "struct", "doc", "line"}

// String returns the names of f's flags joined by "|", or "-" for none.
func (f Flag) String() string {
	if f == 0 {
		return "-"
	}
	var names []string
	for i, name := range FlagNames {
		if f&(1<<i) != 0 {
			names = append(names, name)
		}
	}
	if rest := f &^ (1<<NumFlags - 1); rest != 0 {
		names = append(names, fmt.Sprintf("flag(%#x)", uint8(rest)))
	}
	return strings.Join(names, "|")
}

// LabelFile labels every byte of the Go source file src with its class and
// flags, and reports whether the file parsed (otherwise its flags are
// LineStart only).
func LabelFile(src []byte) (classes []Class, flags []Flag, parsed bool) {
	classes, flags = make([]Class, len(src)), make([]Flag, len(src))
	parsed = labelInto(src, classes, flags, nil)
	return classes, flags, parsed
}

// labelInto writes the labels of src into classes, flags and, unless it is
// nil, fine, which are len(src) long and zero, and reports whether src
// parsed.
func labelInto(src []byte, classes []Class, flags []Flag, fine []Fine) bool {
	scanClasses(src, classes, fine)
	markLineStarts(src, flags)
	mode := parser.ParseComments | parser.SkipObjectResolution
	if fine != nil {
		// refineIdents reads the parser's scopes: which := declares, what
		// an identifier refers to.
		mode &^= parser.SkipObjectResolution
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, mode)
	if err != nil {
		f = nil
	} else {
		markStructure(fset.File(f.Pos()), f, flags)
	}
	if fine != nil {
		refine(src, classes, flags, fine)
		if f != nil {
			refineIdents(fset.File(f.Pos()), f, classes, fine)
		}
	}
	return f != nil
}

func scanClasses(src []byte, classes []Class, fine []Fine) {
	fset := token.NewFileSet()
	file := fset.AddFile("", fset.Base(), len(src))
	var s scanner.Scanner
	s.Init(file, src, func(token.Position, string) {}, scanner.ScanComments)
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return
		}
		start := file.Offset(pos)
		var c Class
		end := start + len(lit)
		switch {
		case tok == token.COMMENT:
			c, end = Comment, commentEnd(src, start)
		case tok == token.STRING:
			c = String
			if src[start] == '`' {
				end = rawStringEnd(src, start)
			}
		case tok == token.CHAR:
			c = Char
		case tok == token.INT || tok == token.FLOAT || tok == token.IMAG:
			c = Number
		case tok == token.IDENT:
			c = Identifier
		case tok.IsKeyword():
			c = Keyword
		case tok == token.SEMICOLON:
			if lit != ";" {
				continue // automatic: lit is "\n" or "\x00", no bytes of its own
			}
			c = Operator
		case tok.IsOperator():
			c, end = Operator, start+len(tok.String())
		default:
			continue // ILLEGAL
		}
		end = min(end, len(src))
		for i := start; i < end; i++ {
			classes[i] = c
		}
		if fine != nil {
			scanFine(src[start:end], tok, lit, fine[start:end])
		}
	}
}

// commentEnd returns the end of the comment at start, computed from src
// because the scanner's literal has its carriage returns removed.
func commentEnd(src []byte, start int) int {
	rest := src[start:]
	if len(rest) >= 2 && rest[1] == '*' {
		if i := bytes.Index(rest[2:], []byte("*/")); i >= 0 {
			return start + 2 + i + 2
		}
		return len(src)
	}
	if i := bytes.IndexByte(rest, '\n'); i >= 0 {
		return start + i
	}
	return len(src)
}

// rawStringEnd returns the end of the raw string at start (see commentEnd).
func rawStringEnd(src []byte, start int) int {
	if i := bytes.IndexByte(src[start+1:], '`'); i >= 0 {
		return start + 1 + i + 1
	}
	return len(src)
}

func markLineStarts(src []byte, flags []Flag) {
	atStart := true
	for i, b := range src {
		switch b {
		case '\n':
			atStart = true
		case ' ', '\t', '\r':
		default:
			if atStart {
				flags[i] |= LineStart
				atStart = false
			}
		}
	}
}

// markStructure sets the parser's flags from f, the parsed file.
func markStructure(file *token.File, f *ast.File, flags []Flag) {
	mark := func(from, to token.Pos, flag Flag) {
		if !from.IsValid() || !to.IsValid() {
			return
		}
		for i := file.Offset(from); i < file.Offset(to); i++ {
			flags[i] |= flag
		}
	}
	doc := func(g *ast.CommentGroup) {
		if g != nil {
			mark(g.Pos(), g.End(), Doc)
		}
	}
	body := func(b *ast.BlockStmt) {
		if b != nil && b.Rbrace.IsValid() {
			mark(b.Lbrace, b.Rbrace+1, FuncBody)
		}
	}
	doc(f.Doc)
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			doc(n.Doc)
			body(n.Body)
		case *ast.FuncLit:
			body(n.Body)
		case *ast.GenDecl:
			doc(n.Doc)
			if n.Tok == token.IMPORT {
				mark(n.Pos(), n.End(), Import)
			}
		case *ast.StructType:
			mark(n.Pos(), n.End(), Struct)
		case *ast.Field:
			doc(n.Doc)
		case *ast.ImportSpec:
			doc(n.Doc)
		case *ast.ValueSpec:
			doc(n.Doc)
		case *ast.TypeSpec:
			doc(n.Doc)
		}
		return true
	})
}

// Labels are the per-byte labels of one stream of a corpus.
type Labels struct {
	// Classes and Flags hold one label per byte of the stream.
	Classes []Class
	Flags   []Flag
	// Fine holds one fine label per byte, each refining the byte's class.
	Fine []Fine
	// Unparsed lists the paths of the files that did not parse, whose
	// bytes have no flags from the parser.
	Unparsed []string
}

// Labels labels the stream s file by file ([LabelFile], [LabelFileFine]),
// on all cores; the result does not depend on their number.
func (c *Corpus) Labels(s Split) *Labels {
	data := c.Bytes(s)
	l := &Labels{Classes: make([]Class, len(data)), Flags: make([]Flag, len(data)), Fine: make([]Fine, len(data))}
	var files []File
	for _, f := range c.Files {
		if f.Val == (s == Val) {
			files = append(files, f)
		}
	}
	parsed := make([]bool, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				f := files[i]
				end := f.Offset + f.Len
				parsed[i] = labelInto(data[f.Offset:end], l.Classes[f.Offset:end], l.Flags[f.Offset:end], l.Fine[f.Offset:end])
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, f := range files {
		if !parsed[i] {
			l.Unparsed = append(l.Unparsed, f.Path)
		}
	}
	return l
}

// Fractions returns the fraction of bytes of each class.
func (l *Labels) Fractions() [NumClasses]float64 {
	var f [NumClasses]float64
	fractions(l.Classes, f[:])
	return f
}

// fractions sets out[v] to the share of labels equal to v (labels outside
// out's range are counted in the total only).
func fractions[L ~uint8](labels []L, out []float64) {
	n := make([]int, len(out))
	for _, v := range labels {
		if int(v) < len(n) {
			n[v]++
		}
	}
	for v := range n {
		if len(labels) > 0 {
			out[v] = float64(n[v]) / float64(len(labels))
		}
	}
}
