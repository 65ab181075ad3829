package interp

// The feature browser's data: what Anthropic's feature browser and
// Neuronpedia show of each unit (an SAE latent or an MLP neuron), computed
// from a run and written as static files by [WriteBrowser].

// Browser is everything the feature browser shows.
type Browser struct {
	// Title heads the index page.
	Title string `json:"title"`
	// Labels names the ground-truth labels units are scored against.
	Labels []string `json:"labels"`
	// Dictionaries are the sets of units: "neurons", "topk-4096", …
	Dictionaries []BrowserDict `json:"dictionaries"`
}

// BrowserDict is one set of units.
type BrowserDict struct {
	// Name identifies the dictionary in file names and the page
	// (letters, digits and '-' only).
	Name  string        `json:"name"`
	Units []BrowserUnit `json:"units"`
}

// BrowserUnit is one unit's page.
type BrowserUnit struct {
	Index int `json:"index"`
	// Density is the fraction of bytes the unit fires on; MaxAct its
	// largest activation.
	Density float64 `json:"density"`
	MaxAct  float64 `json:"max_act"`
	// TopLabel (an index into Browser.Labels), its specificity, the
	// byte-only baseline, and the F1 of "unit active" as a classifier of
	// TopLabel.
	TopLabel    int     `json:"top_label"`
	Specificity float64 `json:"specificity"`
	Baseline    float64 `json:"byte_baseline"`
	F1          float64 `json:"f1"`
	// TopByte is the byte value with the largest share of the mass.
	TopByte   int     `json:"top_byte"`
	ByteShare float64 `json:"byte_share"`
	// LabelShare is the share of the activation mass on each label.
	LabelShare []float64 `json:"label_share"`
	// Histogram counts the positive activations in equal bins over
	// (0, MaxAct].
	Histogram []int `json:"histogram"`
	// Contexts are the top-activating contexts, highest first; Samples are
	// contexts from evenly spaced activation intervals.
	Contexts []BrowserContext `json:"contexts"`
	Samples  []BrowserContext `json:"samples,omitempty"`
	// LogitTop and LogitBottom are the bytes whose logits the unit's
	// direct path (its output direction through W_out and W_U) raises and
	// lowers most.
	LogitTop    []LogitEffect `json:"logit_top"`
	LogitBottom []LogitEffect `json:"logit_bottom"`
	// Family lists the nearest units of the other dictionaries by decoder
	// cosine (feature splitting).
	Family []FamilyMember `json:"family,omitempty"`
}

// BrowserContext is a stretch of text around one activation.
type BrowserContext struct {
	// Offset is the byte offset of Text's first byte in the stream; File
	// and FileOffset locate it in the source tree.
	Offset     int    `json:"offset"`
	File       string `json:"file,omitempty"`
	FileOffset int    `json:"file_offset,omitempty"`
	// Text is the bytes, held in a string that need not be valid UTF-8;
	// Acts the unit's activation on each byte of Text (len(Acts) ==
	// len(Text)), Peak the index of the activation the context was chosen
	// for.
	Text string    `json:"text"`
	Acts []float32 `json:"acts"`
	Peak int       `json:"peak"`
}

// LogitEffect is one byte's logit change per unit of activation.
type LogitEffect struct {
	Byte  int     `json:"byte"`
	Value float64 `json:"value"`
}

// FamilyMember is a unit of another dictionary and its cosine.
type FamilyMember struct {
	Dict   string  `json:"dict"`
	Index  int     `json:"index"`
	Cosine float64 `json:"cosine"`
}
