package graph

import (
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds the smooth elementwise functions of sequence models:
// GELU, Exp, Log and Sigmoid, each a function and its derivative, computed
// in float64 for either dtype.

// GELU returns x·Φ(x) elementwise for a matrix a, Φ the standard normal
// distribution function, in the exact erf form (torch's F.gelu default, not
// the tanh approximation). Its gradient is (Φ(x) + x·φ(x))·g.
func (b *Builder) GELU(a *Node) *Node { return b.apply("gelu", pointwiseOp(geluFn), a) }

// Exp returns eᵃ elementwise for a matrix a; its gradient is eᵃ·g, from the
// output.
func (b *Builder) Exp(a *Node) *Node { return b.apply("exp", pointwiseOp(expFn), a) }

// Log returns the natural logarithm of a matrix a elementwise; its gradient
// is g/a. Log is for positive inputs: at 0 it gives −Inf (and a gradient of
// ±Inf), below 0 NaN, and these propagate, so a training loss that depends
// on them becomes non-finite and [Train] stops with [ErrNonFinite].
func (b *Builder) Log(a *Node) *Node { return b.apply("log", pointwiseOp(logFn), a) }

// Sigmoid returns 1/(1 + e⁻ᵃ) elementwise for a matrix a, computed without
// overflow for inputs of either sign; its gradient is y(1 − y)·g, from the
// output y.
func (b *Builder) Sigmoid(a *Node) *Node { return b.apply("sigmoid", pointwiseOp(sigmoidFn), a) }

// pointwise is a scalar function f and its derivative df, which takes the
// output f(x) when fromOut is set and x otherwise.
type pointwise struct {
	name    string // unique per function
	f, df   func(float64) float64
	fromOut bool
}

var (
	geluFn = pointwise{
		name: "GELU",
		f:    func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) },
		df: func(x float64) float64 {
			return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-0.5*x*x)/math.Sqrt(2*math.Pi)
		},
	}
	expFn = pointwise{name: "Exp", f: math.Exp, df: func(y float64) float64 { return y }, fromOut: true}
	logFn = pointwise{name: "Log", f: math.Log, df: func(x float64) float64 { return 1 / x }}
	// sigmoidFn evaluates e^−|x| only, which cannot overflow.
	sigmoidFn = pointwise{
		name: "Sigmoid",
		f: func(x float64) float64 {
			if x >= 0 {
				return 1 / (1 + math.Exp(-x))
			}
			e := math.Exp(x)
			return e / (1 + e)
		},
		df:      func(y float64) float64 { return y * (1 - y) },
		fromOut: true,
	}
)

func pointwiseOp(p pointwise) *kernelOp {
	o := &kernelOp{
		name:  p.name,
		arity: 1,
		typ:   hm.NewFnType(matType, matType),
		diffs: []bool{true},
		shape: wantMatrix(p.name),
		run:   byDtype(unaryRun(pointwiseRun[float32](p.f)), unaryRun(pointwiseRun[float64](p.f))),
	}
	o.diff = func(in G.Nodes, out, g *G.Node) (G.Nodes, error) {
		v := in[0]
		if p.fromOut {
			v = out
		}
		name := p.name + "Grad"
		grad := &kernelOp{
			name: name, arity: 2, typ: hm.NewFnType(matType, matType, matType), diffs: []bool{false, false},
			shape: func(in []tensor.Shape) (tensor.Shape, error) { return in[0].Clone(), nil },
			run:   byDtype(binaryRun(pointwiseGradRun[float32](p.df)), binaryRun(pointwiseGradRun[float64](p.df))),
			diff:  noSecondOrder(name),
		}
		d, err := apply(grad, v, g)
		return G.Nodes{d}, err
	}
	return o
}

func pointwiseRun[T float](f func(float64) float64) func(out, a []T) {
	return func(out, a []T) {
		for i, v := range a {
			out[i] = T(f(float64(v)))
		}
	}
}

// pointwiseGradRun writes df(v)·g, v being the op's input or output.
func pointwiseGradRun[T float](df func(float64) float64) func(out, v, g []T) {
	return func(out, v, g []T) {
		for i, x := range v {
			out[i] = T(df(float64(x)) * float64(g[i]))
		}
	}
}
