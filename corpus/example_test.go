package corpus_test

import (
	"fmt"

	"github.com/toymodels/superposition/corpus"
	"github.com/toymodels/superposition/graph"
)

// LabelFile gives every byte a class and flags; this prints the runs of
// bytes with the same labels.
func ExampleLabelFile() {
	src := []byte("package p\nfunc f() { n := 0x1F // hex\n}\n")
	classes, flags, parsed := corpus.LabelFile(src)
	fmt.Println("parsed:", parsed)
	for i := 0; i < len(src); {
		j := i
		for j < len(src) && classes[j] == classes[i] && flags[j] == flags[i] {
			j++
		}
		fmt.Printf("%-10q %-10v %v\n", src[i:j], classes[i], flags[i])
		i = j
	}
	// Output:
	// parsed: true
	// "p"        keyword    line
	// "ackage"   keyword    -
	// " "        other      -
	// "p"        identifier -
	// "\n"       other      -
	// "f"        keyword    line
	// "unc"      keyword    -
	// " "        other      -
	// "f"        identifier -
	// "()"       operator   -
	// " "        other      -
	// "{"        operator   func
	// " "        other      func
	// "n"        identifier func
	// " "        other      func
	// ":="       operator   func
	// " "        other      func
	// "0x1F"     number     func
	// " "        other      func
	// "// hex"   comment    func
	// "\n"       other      func
	// "}"        operator   func|line
	// "\n"       other      -
}

// Windows is the training source of a byte-level model: random windows of
// ctx bytes, the same for the same seed and step.
func ExampleWindows() {
	data := []byte("package main\n\nfunc main() {\n\tprintln(\"hello, world\")\n}\n")
	w, err := corpus.NewWindows(data, 8, 42)
	if err != nil {
		fmt.Println(err)
		return
	}
	b := graph.NewBatch(2, w.Inputs())
	w.Fill(b)
	tokens, targets := b.Ints(corpus.Tokens), b.Ints(corpus.Targets)
	for r := range b.Rows {
		fmt.Printf("%q -> %q\n", bytesOf(tokens[r*8:(r+1)*8]), bytesOf(targets[r*8:(r+1)*8]))
	}
	// Output:
	// "\n\nfunc m" -> "\nfunc ma"
	// "hello, w" -> "ello, wo"
}

func bytesOf(v []int) []byte {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return b
}

// LabelFileFine refines each byte's class: this prints the runs of bytes
// with the same fine label.
func ExampleLabelFileFine() {
	src := []byte("package p\n\nimport \"fmt\"\n\n// F prints.\nfunc F(a int) {\n\tfmt.Println(a, \"a\\n\", 0x1F, len(\"b\"))\n}\n")
	fine, parsed := corpus.LabelFileFine(src)
	fmt.Println("parsed:", parsed)
	for i := 0; i < len(src); {
		j := i
		for j < len(src) && fine[j] == fine[i] {
			j++
		}
		fmt.Printf("%-16q %v\n", src[i:j], fine[i])
		i = j
	}
	// Output:
	// parsed: true
	// "package"        keyword/decl
	// " "              other/space
	// "p"              identifier/declared
	// "\n\n"           other/newline
	// "import"         keyword/decl
	// " "              other/space
	// "\"fmt\""        string/interpreted
	// "\n\n"           other/newline
	// "// F prints."   comment/doc
	// "\n"             other/newline
	// "func"           keyword/decl
	// " "              other/space
	// "F"              identifier/declared
	// "("              operator/bracket
	// "a"              identifier/declared
	// " "              other/space
	// "int"            identifier/predeclared
	// ")"              operator/bracket
	// " "              other/space
	// "{"              operator/bracket
	// "\n"             other/newline
	// "\t"             other/indent
	// "fmt"            identifier/qualifier
	// "."              operator/punct
	// "Println"        identifier/exported
	// "("              operator/bracket
	// "a"              identifier/unexported
	// ","              operator/punct
	// " "              other/space
	// "\"a"            string/interpreted
	// "\\n"            string/escape
	// "\""             string/interpreted
	// ","              operator/punct
	// " "              other/space
	// "0x1F"           number/hex
	// ","              operator/punct
	// " "              other/space
	// "len"            identifier/predeclared
	// "("              operator/bracket
	// "\"b\""          string/interpreted
	// "))"             operator/bracket
	// "\n"             other/newline
	// "}"              operator/bracket
	// "\n"             other/newline
}
