// Package transformer is a one-layer byte-level transformer as a graph: the
// network of Towards Monosemanticity (Bricken et al., 2023) in miniature,
// whose MLP activations the sparse autoencoders of package sae decompose.
//
// tokens → token + positional embedding → one pre-LN block
// (x += Attn(LN(x)); x += MLP(LN(x))) → LN → unembed, with TransformerLens'
// parameter names, shapes (up to the attention weights, stored as [d, d]
// matrices, see [TLName]) and hook points:
//
//	hook_embed, hook_pos_embed, blocks.0.hook_resid_pre, blocks.0.attn.hook_pattern,
//	blocks.0.hook_attn_out, blocks.0.hook_resid_mid, blocks.0.mlp.hook_pre,
//	blocks.0.mlp.hook_post, blocks.0.hook_mlp_out, blocks.0.hook_resid_post
//
// Every hook point can be cached ([graph.Builder.Watch] keeps it, a hook
// function copies it) and, except the attention pattern, replaced at
// inference ([graph.HookPoints]): zero-ablation, or an SAE's reconstruction
// for the loss-recovered metric.
package transformer

import (
	"fmt"
	"math"

	"github.com/toymodels/superposition/graph"
)

// The names of the model's hook points, as TransformerLens names them.
const (
	HookEmbed     = "hook_embed"
	HookPosEmbed  = "hook_pos_embed"
	HookResidPre  = "blocks.0.hook_resid_pre"
	HookPattern   = "blocks.0.attn.hook_pattern"
	HookAttnOut   = "blocks.0.hook_attn_out"
	HookResidMid  = "blocks.0.hook_resid_mid"
	HookMLPPre    = "blocks.0.mlp.hook_pre"
	HookMLPPost   = "blocks.0.mlp.hook_post"
	HookMLPOut    = "blocks.0.hook_mlp_out"
	HookResidPost = "blocks.0.hook_resid_post"
)

// HookNames lists the hook points in the order the forward pass reaches them.
var HookNames = []string{HookEmbed, HookPosEmbed, HookResidPre, HookPattern, HookAttnOut, HookResidMid,
	HookMLPPre, HookMLPPost, HookMLPOut, HookResidPost}

// The inputs the model reads: token ids and next-token targets, both
// [sequences, Ctx] int.
const (
	Tokens  = "tokens"
	Targets = "targets"
)

// The activation functions of the MLP.
const (
	ReLU = "relu"
	// SoLU is x·softmax(x) followed by a LayerNorm (Elhage et al., 2022).
	SoLU = "solu"
)

// Config is the model's shape, with HookedTransformerConfig's JSON names.
type Config struct {
	// DModel is the residual stream width. Default 128.
	DModel int `json:"d_model"`
	// Heads is the number of attention heads; DModel must be a multiple.
	// Default 4.
	Heads int `json:"n_heads"`
	// DMLP is the number of MLP neurons. Default 512.
	DMLP int `json:"d_mlp"`
	// Ctx is the context length. Default 128.
	Ctx int `json:"n_ctx"`
	// Vocab is the vocabulary size: 256 for bytes. Default 256.
	Vocab int `json:"d_vocab"`
	// Act is the MLP's activation, relu or solu. Default relu.
	Act string `json:"act_fn"`
	// LNEps is the LayerNorms' ε. Default 1e-5 (torch.nn.LayerNorm's).
	LNEps float64 `json:"eps"`
}

// DefaultConfig is the peer's model: d_model 128, 4 heads, d_mlp 512,
// context 128, bytes, ReLU.
func DefaultConfig() Config {
	return Config{DModel: 128, Heads: 4, DMLP: 512, Ctx: 128, Vocab: 256, Act: ReLU, LNEps: 1e-5}
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	d := DefaultConfig()
	if c.DModel == 0 {
		c.DModel = d.DModel
	}
	if c.Heads == 0 {
		c.Heads = d.Heads
	}
	if c.DMLP == 0 {
		c.DMLP = d.DMLP
	}
	if c.Ctx == 0 {
		c.Ctx = d.Ctx
	}
	if c.Vocab == 0 {
		c.Vocab = d.Vocab
	}
	if c.Act == "" {
		c.Act = d.Act
	}
	if c.LNEps == 0 {
		c.LNEps = d.LNEps
	}
	return c
}

// Validate reports the first bad field.
func (c Config) Validate() error {
	switch {
	case c.DModel < 1 || c.Heads < 1 || c.DMLP < 1 || c.Ctx < 1 || c.Vocab < 1:
		return fmt.Errorf("transformer: d_model %d, n_heads %d, d_mlp %d, n_ctx %d, d_vocab %d: all must be positive", c.DModel, c.Heads, c.DMLP, c.Ctx, c.Vocab)
	case c.DModel%c.Heads != 0:
		return fmt.Errorf("transformer: d_model %d is not a multiple of n_heads %d", c.DModel, c.Heads)
	case c.Act != ReLU && c.Act != SoLU:
		return fmt.Errorf("transformer: act_fn %q: want relu or solu", c.Act)
	case !(c.LNEps > 0) || math.IsInf(c.LNEps, 0):
		return fmt.Errorf("transformer: eps %v: must be a positive finite number", c.LNEps)
	}
	return nil
}

// DHead is the width of one attention head.
func (c Config) DHead() int { return c.DModel / c.Heads }

// Model is the transformer as a graph.Model: its loss is the mean
// next-token cross-entropy (nats) of the batch's "tokens" against its
// "targets".
type Model struct {
	cfg Config
}

// New returns the model of cfg (defaults filled in), or an error naming the
// bad field.
func New(cfg Config) (*Model, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Model{cfg: cfg}, nil
}

// Config returns the model's configuration, defaults filled in.
func (m *Model) Config() Config { return m.cfg }

// CrossEntropy is the name of the model's loss term.
const CrossEntropy = "cross_entropy"

// Loss implements graph.Model.
func (m *Model) Loss(b *graph.Builder, in graph.Inputs) []graph.Term {
	logits := m.Logits(b, in.Node(Tokens))
	return []graph.Term{{Name: CrossEntropy, Node: b.SoftmaxCrossEntropy(logits, in.Node(Targets))}}
}

// uniform is PyTorch's default initialisation of a linear layer's weight
// and bias with fan_in inputs: U(±1/√fan_in).
func uniform(fanIn int) graph.Init {
	s := 1 / math.Sqrt(float64(fanIn))
	return graph.Uniform(-s, s)
}

// Params declares the model's parameters in b, initialised as PyTorch
// initialises the peer's modules (embeddings N(0, 1); linear weights and
// biases U(±1/√fan_in); LayerNorm gain 1, bias 0), and returns them by name.
func (m *Model) Params(b *graph.Builder) map[string]*graph.Node {
	c := m.cfg
	d, mlp := c.DModel, c.DMLP
	ps := map[string]*graph.Node{}
	param := func(name string, init graph.Init, shape ...int) {
		ps[name] = b.Param(name, init, shape...)
	}
	param("embed.W_E", graph.Normal(1), c.Vocab, d)
	param("pos_embed.W_pos", graph.Normal(1), c.Ctx, d)
	param("blocks.0.ln1.w", graph.Full(1), d)
	param("blocks.0.ln1.b", graph.Zeros, d)
	for _, n := range []string{"W_Q", "W_K", "W_V"} {
		param("blocks.0.attn."+n, uniform(d), d, d)
	}
	param("blocks.0.attn.W_O", uniform(d), d, d)
	param("blocks.0.ln2.w", graph.Full(1), d)
	param("blocks.0.ln2.b", graph.Zeros, d)
	param("blocks.0.mlp.W_in", uniform(d), d, mlp)
	param("blocks.0.mlp.b_in", uniform(d), mlp)
	param("blocks.0.mlp.W_out", uniform(mlp), mlp, d)
	param("blocks.0.mlp.b_out", uniform(mlp), d)
	if c.Act == SoLU {
		param("blocks.0.mlp.ln.w", graph.Full(1), mlp)
		param("blocks.0.mlp.ln.b", graph.Zeros, mlp)
	}
	param("ln_final.w", graph.Full(1), d)
	param("ln_final.b", graph.Zeros, d)
	param("unembed.W_U", uniform(d), d, c.Vocab)
	return ps
}

// Logits returns the next-token logits [sequences·Ctx, Vocab] for token ids
// [sequences, Ctx] (row r is position r mod Ctx of sequence r / Ctx), with
// every hook point marked and the MLP's output watched under [HookMLPPost].
// Attention is causal, so the logits of position t depend on tokens 0…t
// only: shorter texts are padded at the end.
func (m *Model) Logits(b *graph.Builder, tokens *graph.Node) *graph.Node {
	return m.forward(b, tokens, false)
}

// forward builds Logits, or with toMLP only the pass up to the MLP's output
// (watched under HookMLPPost), which it returns.
func (m *Model) forward(b *graph.Builder, tokens *graph.Node, toMLP bool) *graph.Node {
	if b.Err() != nil || tokens == nil {
		return nil
	}
	c := m.cfg
	if sh := tokens.Shape(); len(sh) != 2 || sh[1] != c.Ctx {
		b.Fail("transformer", fmt.Errorf("tokens of shape %v: want [sequences, %d]", sh, c.Ctx))
		return nil
	}
	T := c.Ctx
	w := m.Params(b)
	pos := w["pos_embed.W_pos"]
	embed := b.Hook(HookEmbed, b.Embed(w["embed.W_E"], tokens))
	var resid *graph.Node
	if b.Hooked() {
		// The positional embedding as a value of its own, so that it can
		// be cached or replaced.
		posEmbed := b.Hook(HookPosEmbed, b.AddTiled(b.Scale(embed, 0), pos))
		resid = b.Add(embed, posEmbed)
	} else {
		resid = b.AddTiled(embed, pos)
	}
	resid = b.Hook(HookResidPre, resid)

	x := b.LayerNorm(resid, w["blocks.0.ln1.w"], w["blocks.0.ln1.b"], c.LNEps)
	q := b.MatMul(x, w["blocks.0.attn.W_Q"])
	k := b.MatMul(x, w["blocks.0.attn.W_K"])
	v := b.MatMul(x, w["blocks.0.attn.W_V"])
	z := b.CausalAttention(q, k, v, c.Heads, T)
	attnOut := b.Hook(HookAttnOut, b.MatMul(z, w["blocks.0.attn.W_O"]))
	resid = b.Hook(HookResidMid, b.Add(resid, attnOut))

	x = b.LayerNorm(resid, w["blocks.0.ln2.w"], w["blocks.0.ln2.b"], c.LNEps)
	pre := b.Hook(HookMLPPre, b.AddRow(b.MatMul(x, w["blocks.0.mlp.W_in"]), w["blocks.0.mlp.b_in"]))
	var post *graph.Node
	if c.Act == SoLU {
		post = b.LayerNorm(b.SoLU(pre), w["blocks.0.mlp.ln.w"], w["blocks.0.mlp.ln.b"], c.LNEps)
	} else {
		post = b.ReLU(pre)
	}
	post = b.Hook(HookMLPPost, post)
	b.Watch(HookMLPPost, post)
	if toMLP {
		return post
	}
	mlpOut := b.Hook(HookMLPOut, b.AddRow(b.MatMul(post, w["blocks.0.mlp.W_out"]), w["blocks.0.mlp.b_out"]))
	resid = b.Hook(HookResidPost, b.Add(resid, mlpOut))

	x = b.LayerNorm(resid, w["ln_final.w"], w["ln_final.b"], c.LNEps)
	return b.MatMul(x, w["unembed.W_U"])
}

// mlpModel is a Model's forward pass up to the MLP's output and no further:
// the activation stream's program, which builds neither the MLP's output
// product, the unembedding nor the loss. Its one term is 0·ΣHookMLPPost.
type mlpModel struct{ m *Model }

func (h mlpModel) Loss(b *graph.Builder, in graph.Inputs) []graph.Term {
	post := h.m.forward(b, in.Node(Tokens), true)
	return []graph.Term{{Name: "none", Node: b.Scale(b.Sum(post), 0)}}
}
