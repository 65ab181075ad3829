package graph

import "testing"

// TestStreamsDoNotCollide: streams are told apart by name and index, so the
// hand-numbered collision of old ("data" at 200+100 = "init sample" at 300)
// cannot happen.
func TestStreamsDoNotCollide(t *testing.T) {
	seen := map[uint64]string{}
	for _, name := range []string{"decompose.sae.data", "decompose.sae.init", "decompose.init-sample", "decompose.eval", "sae.resample", ""} {
		for k := range 1000 {
			s := StreamSeed(1, name, k)
			if prev, ok := seen[s]; ok {
				t.Fatalf("StreamSeed(1, %q, %d) = StreamSeed of %s", name, k, prev)
			}
			seen[s] = name
		}
		if StreamSeed(1, name) == StreamSeed(1, name, 0) {
			t.Errorf("StreamSeed(1, %q) = StreamSeed(1, %q, 0); want distinct streams", name, name)
		}
	}
	if StreamSeed(1, "a", 1, 2) == StreamSeed(1, "a", 2, 1) {
		t.Error("indices (1, 2) and (2, 1) give one stream")
	}
	if StreamSeed(1, "x") == StreamSeed(2, "x") {
		t.Error("seeds 1 and 2 give one stream")
	}
}
