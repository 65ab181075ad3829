package corpus

import (
	"bytes"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// Fine is the fine class of one byte of Go source: its [Class], refined
// where the scanner or the parser can say more. Every fine class refines
// exactly one class ([Fine.Class]), so the fine labels of a file partition
// each class's bytes. The refinements that need the parser (comment/doc and
// the identifier kinds declared, qualifier and predeclared) fall back to
// the lexical ones in a file that does not parse, as [Flag]s do.
type Fine uint8

// The fine classes, grouped by the class they refine, in the order of the
// classes.
const (
	// OtherIndent is a space or tab with nothing but spaces, tabs and
	// carriage returns before it on its line.
	OtherIndent Fine = iota
	// OtherSpace is any other space or tab outside a token.
	OtherSpace
	// OtherNewline is a newline or a carriage return outside a token.
	OtherNewline
	// OtherMisc is the rest of Other: a byte order mark, an illegal
	// character.
	OtherMisc

	// CommentLine is a // comment that is neither doc nor directive.
	CommentLine
	// CommentBlock is a /* */ comment that is neither doc nor directive.
	CommentBlock
	// CommentDoc is a comment of a doc comment group (the bytes of class
	// Comment that have the [Doc] flag) that is not a directive.
	CommentDoc
	// CommentDirective is a directive, wherever it is, doc groups
	// included: a // comment that go/ast calls one (//go:noinline,
	// //go:build, //line f.go:1, //export, //lint:ignore: "//line ",
	// "//extern ", "//export " or //[a-z0-9]+:[a-z0-9]) or a /*line */
	// comment, the scanner's other line directive. It is lexical.
	CommentDirective

	// StringInterpreted is an interpreted string literal's quotes and
	// the bytes between them that are not an escape sequence.
	StringInterpreted
	// StringRaw is a raw string literal, backquotes included.
	StringRaw
	// StringEscape is every byte of an escape sequence in an interpreted
	// string: \n, \\, \", \x41, \u00e9, \U0001F600, \377.
	StringEscape

	// CharPlain is a rune literal's quotes and the byte or bytes of an
	// unescaped rune.
	CharPlain
	// CharEscape is every byte of an escape sequence in a rune literal:
	// '\n', '\'', '\x00'. (Char is a class of its own, so its escapes
	// cannot be StringEscape.)
	CharEscape

	// NumberDecimal is a decimal integer literal, 0 included.
	NumberDecimal
	// NumberHex is a hexadecimal integer literal (0x1F). A hexadecimal
	// floating-point literal (0x1p-2) is NumberFloat: the kind follows the
	// scanner's token (INT, FLOAT, IMAG) first and the base second.
	NumberHex
	// NumberOctalBinary is an octal or binary integer literal: 0o17, 0b101
	// and the legacy 017.
	NumberOctalBinary
	// NumberFloat is a floating-point literal, decimal or hexadecimal.
	NumberFloat
	// NumberImaginary is an imaginary literal (1.5i, 2i, 0x1i), whatever
	// its base.
	NumberImaginary

	// KeywordDecl is one of the keywords that start declarations:
	// package, import, const, var, type, func (func in a literal or a
	// function type too: the split is by keyword alone).
	KeywordDecl
	// KeywordType is one of the keywords of composite types: struct,
	// interface, map, chan.
	KeywordType
	// KeywordFlow is one of the other 15 keywords, all of them statements
	// or parts of statements: if, else, for, range, switch, case, default,
	// select, go, defer, return, break, continue, goto, fallthrough.
	KeywordFlow

	// IdentifierDeclared is the name being declared: the package clause's
	// name, an import's explicit name, a function's or method's name, a
	// type's, a var's or const's in its spec, every name of a field list
	// (receivers, type parameters, parameters, results, struct fields,
	// interface methods), a receiver's type parameters (E in func (s
	// *Set[E])), a label where it labels a statement, and the identifiers
	// a := declares: those the parser's scopes call new (not the
	// redeclared err of a second x, err :=), the blank identifier
	// included, and the key and value of a for ... := range.
	IdentifierDeclared
	// IdentifierQualifier is the package name X in X.Sel, X an import's
	// name in the file that no scope of the file shadows: its explicit
	// name, else its path's last element that is not a major version,
	// less a .vN suffix (rand for math/rand/v2, yaml for gopkg.in/yaml.v3).
	IdentifierQualifier
	// IdentifierPredeclared is a name of go/types' Universe (int, string,
	// error, any, nil, true, iota, len, append, ...) used where nothing in
	// the file declares it. A package-level declaration of the same name
	// in another file of the package is not seen: its uses here count as
	// predeclared. A Sel is never predeclared, nor is the key of a
	// composite literal unless it is a predeclared constant or nil (a key
	// named len or max is a struct field).
	IdentifierPredeclared
	// IdentifierExported is any other identifier that starts with an
	// upper-case letter (token.IsExported).
	IdentifierExported
	// IdentifierUnexported is any other identifier.
	IdentifierUnexported

	// OperatorBracket is ( ) [ ] { }.
	OperatorBracket
	// OperatorPunct is , ; . : and ... (an explicit semicolon only).
	OperatorPunct
	// OperatorAssign is an operator that stores into its operand: = :=
	// the 11 op= forms, ++ and --.
	OperatorAssign
	// OperatorOther is any other operator: arithmetic, comparison,
	// logical, <-, ~.
	OperatorOther

	// NumFine is the number of fine classes.
	NumFine
)

// FineNames names the fine classes, indexed by Fine: the name of the class
// it refines, a slash and the refinement. It is read-only.
var FineNames = [NumFine]string{
	"other/indent", "other/space", "other/newline", "other/misc",
	"comment/line", "comment/block", "comment/doc", "comment/directive",
	"string/interpreted", "string/raw", "string/escape",
	"char/plain", "char/escape",
	"number/decimal", "number/hex", "number/octal-binary", "number/float", "number/imaginary",
	"keyword/decl", "keyword/type", "keyword/flow",
	"identifier/declared", "identifier/qualifier", "identifier/predeclared", "identifier/exported", "identifier/unexported",
	"operator/bracket", "operator/punct", "operator/assign", "operator/other",
}

// fineClass is the class each fine class refines.
var fineClass = [NumFine]Class{
	Other, Other, Other, Other,
	Comment, Comment, Comment, Comment,
	String, String, String,
	Char, Char,
	Number, Number, Number, Number, Number,
	Keyword, Keyword, Keyword,
	Identifier, Identifier, Identifier, Identifier, Identifier,
	Operator, Operator, Operator, Operator,
}

// Class returns the class f refines, or NumClasses if f is not a fine
// class.
func (f Fine) Class() Class {
	if f < NumFine {
		return fineClass[f]
	}
	return NumClasses
}

func (f Fine) String() string {
	if f < NumFine {
		return FineNames[f]
	}
	return "fine(" + strconv.Itoa(int(f)) + ")"
}

// LabelFileFine labels every byte of the Go source file src with its fine
// class, and reports whether the file parsed (otherwise the refinements
// that need the parser fall back to the lexical ones). Each label's
// [Fine.Class] is the byte's class from [LabelFile].
func LabelFileFine(src []byte) (fine []Fine, parsed bool) {
	fine = make([]Fine, len(src))
	parsed = labelInto(src, make([]Class, len(src)), make([]Flag, len(src)), fine)
	return fine, parsed
}

// FineFractions returns the fraction of bytes of each fine class.
func (l *Labels) FineFractions() [NumFine]float64 {
	var f [NumFine]float64
	fractions(l.Fine, f[:])
	return f
}

// scanFine writes the lexical fine labels of one token, whose bytes are b,
// into fine. The parser's refinements come later (refine, refineIdents).
func scanFine(b []byte, tok token.Token, lit string, fine []Fine) {
	f := OperatorOther
	switch {
	case tok == token.COMMENT:
		switch {
		case isDirective(b):
			f = CommentDirective
		case len(b) >= 2 && b[1] == '*':
			f = CommentBlock
		default:
			f = CommentLine
		}
	case tok == token.STRING && b[0] == '`':
		f = StringRaw
	case tok == token.STRING:
		markEscapes(b, fine, StringInterpreted, StringEscape)
		return
	case tok == token.CHAR:
		markEscapes(b, fine, CharPlain, CharEscape)
		return
	case tok == token.INT:
		f = intKind(lit)
	case tok == token.FLOAT:
		f = NumberFloat
	case tok == token.IMAG:
		f = NumberImaginary
	case tok == token.IDENT:
		f = IdentifierUnexported
		if token.IsExported(lit) {
			f = IdentifierExported
		}
	case tok.IsKeyword():
		f = keywordKind(tok)
	default:
		f = operatorKind(tok)
	}
	for i := range fine {
		fine[i] = f
	}
}

// isDirective reports whether the comment c (delimiters included) is a
// directive: go/ast's rule for // comments (its unexported isDirective),
// and the scanner's /*line for block comments.
func isDirective(c []byte) bool {
	if bytes.HasPrefix(c, []byte("/*line ")) {
		return true
	}
	s, ok := bytes.CutPrefix(c, []byte("//"))
	if !ok {
		return false
	}
	for _, prefix := range []string{"line ", "extern ", "export "} {
		if bytes.HasPrefix(s, []byte(prefix)) {
			return true
		}
	}
	colon := bytes.IndexByte(s, ':')
	if colon <= 0 || colon+1 >= len(s) {
		return false
	}
	for i := 0; i <= colon+1; i++ {
		if i == colon {
			continue
		}
		if b := s[i]; !('a' <= b && b <= 'z' || '0' <= b && b <= '9') {
			return false
		}
	}
	return true
}

// markEscapes labels the bytes of the quoted literal b: those of escape
// sequences esc, the others plain. The literal is the scanner's, so its
// escapes are well formed except in a file with errors, where an escape
// is a backslash and at least the byte after it.
func markEscapes(b []byte, fine []Fine, plain, esc Fine) {
	for i := range fine {
		fine[i] = plain
	}
	end := len(b)
	if end > 1 && b[end-1] == b[0] {
		end-- // the closing quote
	}
	for i := 1; i < end; {
		if b[i] != '\\' {
			i++
			continue
		}
		n := 2
		if i+1 < end {
			switch c := b[i+1]; {
			case c == 'x':
				n = 4
			case c == 'u':
				n = 6
			case c == 'U':
				n = 10
			case '0' <= c && c <= '7':
				n = 4
			}
		}
		for j := i; j < i+n && j < end; j++ {
			fine[j] = esc
		}
		i += n
	}
}

// intKind returns the fine class of the integer literal lit.
func intKind(lit string) Fine {
	if len(lit) < 2 || lit[0] != '0' {
		return NumberDecimal
	}
	switch lit[1] {
	case 'x', 'X':
		return NumberHex
	default: // 0b, 0o, and legacy octal: 0 then digits or _
		return NumberOctalBinary
	}
}

func keywordKind(tok token.Token) Fine {
	switch tok {
	case token.PACKAGE, token.IMPORT, token.CONST, token.VAR, token.TYPE, token.FUNC:
		return KeywordDecl
	case token.STRUCT, token.INTERFACE, token.MAP, token.CHAN:
		return KeywordType
	}
	return KeywordFlow
}

func operatorKind(tok token.Token) Fine {
	switch tok {
	case token.LPAREN, token.RPAREN, token.LBRACK, token.RBRACK, token.LBRACE, token.RBRACE:
		return OperatorBracket
	case token.COMMA, token.SEMICOLON, token.PERIOD, token.COLON, token.ELLIPSIS:
		return OperatorPunct
	case token.ASSIGN, token.DEFINE, token.INC, token.DEC:
		return OperatorAssign
	}
	if token.ADD_ASSIGN <= tok && tok <= token.AND_NOT_ASSIGN {
		return OperatorAssign
	}
	return OperatorOther
}

// refine labels the bytes of class Other, and the comments of doc comment
// groups, from the classes and flags of src.
func refine(src []byte, classes []Class, flags []Flag, fine []Fine) {
	atLineStart := true
	for i, b := range src {
		switch classes[i] {
		case Other:
			switch {
			case b == '\n' || b == '\r':
				fine[i] = OtherNewline
			case (b == ' ' || b == '\t') && atLineStart:
				fine[i] = OtherIndent
			case b == ' ' || b == '\t':
				fine[i] = OtherSpace
			default:
				fine[i] = OtherMisc
			}
		case Comment:
			if flags[i]&Doc != 0 && fine[i] != CommentDirective {
				fine[i] = CommentDoc
			}
		}
		switch b {
		case '\n':
			atLineStart = true
		case ' ', '\t', '\r':
		default:
			atLineStart = false
		}
	}
}

// universe maps each name of go/types' Universe to whether it is a value
// that can be a map key (a constant or nil) rather than a type or a
// built-in function. It is read-only.
var universe = func() map[string]bool {
	m := make(map[string]bool)
	for _, name := range types.Universe.Names() {
		switch types.Universe.Lookup(name).(type) {
		case *types.Const, *types.Nil:
			m[name] = true
		default:
			m[name] = false
		}
	}
	return m
}()

// refineIdents labels the identifiers of the parsed file f (parsed with
// object resolution) that are declared, qualifiers or predeclared.
func refineIdents(file *token.File, f *ast.File, classes []Class, fine []Fine) {
	set := func(id *ast.Ident, to Fine) {
		start := file.Offset(id.Pos())
		for i := start; i < start+len(id.Name) && i < len(fine); i++ {
			if classes[i] == Identifier { // not the . of a dot import
				fine[i] = to
			}
		}
	}
	lexical := func(id *ast.Ident) Fine {
		if token.IsExported(id.Name) {
			return IdentifierExported
		}
		return IdentifierUnexported
	}
	// Inspect reaches a parent before its identifiers, so what a parent
	// says of them waits here and then overrides the predeclared default.
	type verdict struct {
		id   *ast.Ident
		fine Fine
	}
	var later []verdict
	declare := func(ids ...*ast.Ident) {
		for _, id := range ids {
			later = append(later, verdict{id, IdentifierDeclared})
		}
	}
	imports := importNames(f)
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			if _, ok := universe[n.Name]; ok && n.Obj == nil {
				set(n, IdentifierPredeclared)
			}
		case *ast.File:
			declare(n.Name)
		case *ast.ImportSpec:
			if n.Name != nil {
				declare(n.Name)
			}
		case *ast.FuncDecl:
			declare(n.Name)
			if n.Recv != nil && len(n.Recv.List) == 1 {
				declare(receiverTypeParams(n.Recv.List[0].Type)...)
			}
		case *ast.TypeSpec:
			declare(n.Name)
		case *ast.ValueSpec:
			declare(n.Names...)
		case *ast.Field:
			declare(n.Names...)
		case *ast.LabeledStmt:
			declare(n.Label)
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, x := range n.Lhs {
					if id, ok := x.(*ast.Ident); ok && id.Obj != nil && id.Obj.Decl == n {
						declare(id)
					}
				}
			}
		case *ast.RangeStmt:
			if n.Tok == token.DEFINE {
				for _, x := range []ast.Expr{n.Key, n.Value} {
					if id, ok := x.(*ast.Ident); ok {
						declare(id)
					}
				}
			}
		case *ast.SelectorExpr:
			later = append(later, verdict{n.Sel, lexical(n.Sel)})
			if id, ok := n.X.(*ast.Ident); ok && id.Obj == nil && imports[id.Name] {
				later = append(later, verdict{id, IdentifierQualifier})
			}
		case *ast.BranchStmt:
			if n.Label != nil {
				later = append(later, verdict{n.Label, lexical(n.Label)})
			}
		case *ast.CompositeLit:
			for _, e := range n.Elts {
				kv, ok := e.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				id, ok := kv.Key.(*ast.Ident)
				if !ok || id.Obj != nil {
					continue
				}
				if value, ok := universe[id.Name]; ok && !value {
					later = append(later, verdict{id, lexical(id)})
				}
			}
		}
		return true
	})
	for _, v := range later {
		set(v.id, v.fine)
	}
}

// receiverTypeParams returns the type parameters a receiver type declares:
// E and F in *Set[E, F].
func receiverTypeParams(typ ast.Expr) []*ast.Ident {
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	var idx []ast.Expr
	switch t := typ.(type) {
	case *ast.IndexExpr:
		idx = []ast.Expr{t.Index}
	case *ast.IndexListExpr:
		idx = t.Indices
	}
	var ids []*ast.Ident
	for _, x := range idx {
		if id, ok := x.(*ast.Ident); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// importNames returns the names the imports of f bind in the file: an
// explicit name, else the last element of the path, or the one before it
// if the last is a major version (v2 in math/rand/v2), less a .vN suffix
// (gopkg.in/yaml.v3). The path rule is a heuristic, since a package's name
// need not be its directory's, but on go1.26.8 it names every package
// that GOROOT/src holds and the corpus imports without an explicit name
// (15,247 imports; C and 3 paths outside GOROOT not checked).
func importNames(f *ast.File) map[string]bool {
	names := make(map[string]bool, len(f.Imports))
	for _, spec := range f.Imports {
		if spec.Name != nil {
			if spec.Name.Name != "_" && spec.Name.Name != "." {
				names[spec.Name.Name] = true
			}
			continue
		}
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue
		}
		elems := strings.Split(path, "/")
		name := elems[len(elems)-1]
		if len(elems) > 1 && isMajorVersion(name) {
			name = elems[len(elems)-2]
		} else if i := strings.LastIndex(name, "."); i > 0 && isMajorVersion(name[i+1:]) {
			name = name[:i] // gopkg.in/yaml.v3
		}
		names[name] = true
	}
	return names
}

// isMajorVersion reports whether a path element is a module's major
// version suffix: v followed by digits.
func isMajorVersion(elem string) bool {
	if len(elem) < 2 || elem[0] != 'v' {
		return false
	}
	for _, c := range elem[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
