// Package corpus is real text with ground truth for a one-layer byte-level
// transformer: the Go standard library's own source, split into training
// and validation streams, with a lexical class and structural flags for
// every byte.
//
// # The corpus rule
//
// The rule is the PyTorch peer's (shared/peers/lm_peer.py, corpus()), so
// both read the same bytes: every file under GOROOT/src whose name ends in
// .go but not in _test.go, with no directory named testdata on its path
// below the root; sorted by its slash-separated path relative to src, as
// plain byte strings (Python's str order, for UTF-8); concatenated byte for
// byte. A file is held out for validation when the FNV-1a 64-bit hash of
// its relative path is 0 mod 20 ([HeldOut]). Bytes are the tokens
// (vocabulary 256). [Load] reads a corpus; [DefaultRoot] finds GOROOT/src.
// A file of the corpus that is not a regular file (a symlink) is an error:
// GOROOT/src has none, and the peer's os.walk would follow it.
//
// On go1.26.8 the corpus is 4,817 files: 4,554 training files of
// 68,365,217 bytes (SHA-256 69b7f7f5fcf710bb…) and 263 validation files of
// 3,103,363 bytes (SHA-256 6eab85f806e70cd3…). [ComputeBaselines] gives the
// bits per byte to beat ([Baselines]): 5.48 for the training unigram, 1.86
// for zlib -9 and 1.42 for xz -9.
//
// # Windows
//
// [Windows] is the training [graph.Source]: each row a window of ctx+1
// bytes at a random start, as inputs [Tokens] (its first ctx bytes) and
// [Targets] (its last ctx), the batch of each step a pure function of the
// seed and the step, so [Windows.Seek] resumes a stream. Evaluation reads
// consecutive windows that overlap by one byte, so every byte is predicted
// once ([ValWindows], [ValWindow]), as the peer's bits() does.
//
// # Labels
//
// [LabelFile] gives every byte of a file one [Class], from go/scanner:
// other (whitespace between tokens, anything outside a token), comment,
// string, char, number, keyword, identifier, operator. An automatic
// semicolon occupies no bytes; the newline it stands for stays other (or
// comment, inside a /* */ comment). Its [Flag]s, from go/parser, mark
// function bodies, import declarations, struct types and doc comments; a
// file that does not parse keeps its classes and gets none of these. The
// lexical flag [LineStart] marks each line's first byte that is not a
// space, tab or carriage return.
//
// [LabelFileFine] refines each byte's class into one of [NumFine] fine
// classes ([FineNames]), each of which refines one class ([Fine.Class]):
// other into indentation, other spaces, newlines and the rest; comment
// into line, block, doc (the [Doc] flag's comments) and directive
// (//go:noinline, //line); string into interpreted, raw and the bytes of
// escape sequences; char into plain and escape; number into decimal, hex
// and octal or binary integers, floats and imaginaries; keyword into those
// of declarations, of composite types and of statements; identifier into
// the name being declared, a package qualifier, a predeclared name, and
// the other exported and unexported ones; operator into brackets,
// punctuation, assignments and the rest. The refinements that need the
// parser fall back to the lexical ones in a file that does not parse.
//
// [Corpus.Labels] labels a whole stream, classes, flags and fine labels,
// aligned with it byte for byte, file by file on all cores: classes and
// flags alone took about 0.1 s for the validation stream and 2 s for the
// training stream on two cores, and the fine labels make it about 1.5
// times slower (the parser's object resolution, mostly). On go1.26.8
// every file parses, and the validation stream is 14.1% other, 34.4%
// comment, 4.6% string, 0.06% char, 6.2% number, 3.7% keyword, 28.2%
// identifier and 8.7% operator. Its largest fine classes are comment/doc
// (20.8%), comment/line (13.0%), identifier/unexported (10.6%),
// other/space (7.7%), identifier/exported (7.2%), identifier/declared
// (6.1%) and number/hex (5.4%, four fifths of it the tables of one file,
// vendor/golang.org/x/net/idna/tables11.0.0.go); other/misc and
// number/imaginary have no byte in it (and 0 and 14 in the training
// stream).
//
// References:
//   - Bricken et al. (2023), "Towards Monosemanticity: Decomposing Language
//     Models With Dictionary Learning": SAEs on the MLP of a one-layer
//     transformer, whose features the labels here let us score.
//   - shared/peers/lm_peer.py: corpus() and the corpus workload.
package corpus
