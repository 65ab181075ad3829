package graph

import (
	"hash/fnv"
	"math/rand/v2"
)

// DeriveSeed returns a seed for the i-th child of seed (an instance of a
// sweep, a restart, the data stream of a run). It is a SplitMix64 mix, so
// children of nearby seeds and nearby indices are unrelated, and the result
// depends only on (seed, i), never on scheduling.
func DeriveSeed(seed uint64, i ...uint64) uint64 {
	s := seed
	for _, k := range i {
		s = splitmix(s ^ splitmix(k+0x9e3779b97f4a7c15))
	}
	return s
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// NewRand returns a PCG-backed *rand.Rand for (seed, stream). Every source of
// randomness in the project comes from here; the global source is never used.
func NewRand(seed, stream uint64) *rand.Rand {
	return rand.New(NewPCG(seed, stream))
}

// NewPCG returns the PCG source behind NewRand(seed, stream), for code that
// draws from it directly (toy.NewSourcePCG): rand.New(NewPCG(seed, stream))
// gives the same stream as NewRand(seed, stream).
func NewPCG(seed, stream uint64) *rand.PCG {
	return rand.NewPCG(seed, DeriveSeed(seed, stream))
}

// StreamSeed returns the seed of the random stream called name (and index,
// for the k-th of many: an SAE of a sweep, a cell of a grid) of a run with
// seed. Streams are told apart by their names, never by hand-numbered
// offsets, so two streams cannot collide however many instances a run has:
// ("sae.data", 100) and ("sae.init", 0) are unrelated.
func StreamSeed(seed uint64, name string, index ...int) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	ids := []uint64{h.Sum64(), uint64(len(index))}
	for _, i := range index {
		ids = append(ids, uint64(i))
	}
	return DeriveSeed(seed, ids...)
}

// Stream returns the generator of the random stream called name (and index)
// of a run with seed: NewRand(StreamSeed(seed, name, index...), 0).
func Stream(seed uint64, name string, index ...int) *rand.Rand {
	return NewRand(StreamSeed(seed, name, index...), 0)
}
