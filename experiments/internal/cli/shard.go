package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"

	"github.com/toymodels/superposition/internal/atomicfile"
	"github.com/toymodels/superposition/internal/safeio"
	"github.com/toymodels/superposition/paper"
)

// A sweep experiment (see [Sweep]) runs whole, as one shard of a split run,
// or as the merge of the shards' parts:
//
//	phase -shard 3/7 -out DIR      # writes DIR/shard-3-of-7.part
//	phase -merge -out DIR          # reads every part, writes DIR/summary.json …
//
// Without -shard, a shard's identity comes from the scheduler: Kubernetes'
// JOB_COMPLETION_INDEX with -shard-count N (an Indexed Job's completions),
// or Slurm's SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (a job array).

// shardFlags are the flags Sweep adds.
type shardFlags struct {
	shard    shardValue
	count    int
	merge    bool
	countSet bool
}

// shardValue is -shard as a flag.Value (an empty value is an error, not
// "no shard").
type shardValue struct {
	s   paper.Shard
	set bool
}

func (v *shardValue) String() string {
	if v == nil || !v.set {
		return ""
	}
	return v.s.String()
}

func (v *shardValue) Set(s string) error {
	sh, err := paper.ParseShard(s)
	if err != nil {
		return err
	}
	v.s, v.set = sh, true
	return nil
}

func (f *shardFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.shard, "shard", "run only shard I/N of the sweep (0 ≤ I < N) and write `I/N` as -out/shard-I-of-N.part; then -merge")
	fs.Func("shard-count", "the number of shards N, the shard's index taken from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)", func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("%q: want an integer", s)
		}
		f.count, f.countSet = n, true
		return nil
	})
	fs.BoolVar(&f.merge, "merge", false, "merge the shard parts in -out (every shard of one run) into the outputs the unsharded run writes")
}

// resolve returns the shard this process runs (nil: none), from the flags
// or the scheduler's environment, and where it came from.
func (f *shardFlags) resolve(getenv func(string) string) (*paper.Shard, string, error) {
	switch {
	case f.merge && (f.shard.set || f.countSet):
		return nil, "", errors.New("-merge: give it without -shard or -shard-count (it reads every shard's part)")
	case f.merge:
		return nil, "", nil
	case f.shard.set && f.countSet:
		return nil, "", errors.New("-shard-count: give -shard I/N or -shard-count N (with JOB_COMPLETION_INDEX), not both")
	case f.shard.set:
		return &f.shard.s, "-shard", nil
	case f.countSet:
		if err := IntIn("-shard-count", f.count, 1, paper.MaxShards); err != nil {
			return nil, "", err
		}
		v := getenv("JOB_COMPLETION_INDEX")
		if v == "" {
			return nil, "", errors.New("-shard-count: JOB_COMPLETION_INDEX is not set (run it as a Kubernetes Indexed Job, or give -shard I/N)")
		}
		i, err := strconv.Atoi(v)
		if err != nil {
			return nil, "", fmt.Errorf("JOB_COMPLETION_INDEX %q: not an integer", v)
		}
		sh := paper.Shard{Index: i, Count: f.count}
		if err := sh.Validate(); err != nil {
			return nil, "", fmt.Errorf("JOB_COMPLETION_INDEX %d with -shard-count %d: %w", i, f.count, err)
		}
		return &sh, "JOB_COMPLETION_INDEX", nil
	}
	if id := getenv("SLURM_ARRAY_TASK_ID"); id != "" {
		sh, err := slurmShard(getenv)
		if err != nil {
			return nil, "", err
		}
		return &sh, "SLURM_ARRAY_TASK_ID", nil
	}
	if getenv("JOB_COMPLETION_INDEX") != "" {
		return nil, "", errors.New("JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but -shard-count is not: give -shard-count N, the Job's completions")
	}
	return nil, "", nil
}

// slurmShard reads a Slurm array task's shard: index (ID − MIN) / STEP of
// SLURM_ARRAY_TASK_COUNT.
func slurmShard(getenv func(string) string) (paper.Shard, error) {
	num := func(name string, def int) (int, error) {
		v := getenv(name)
		if v == "" {
			if def < 0 {
				return 0, fmt.Errorf("SLURM_ARRAY_TASK_ID is set but %s is not", name)
			}
			return def, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("%s %q: not an integer", name, v)
		}
		return n, nil
	}
	id, err := num("SLURM_ARRAY_TASK_ID", -1)
	if err != nil {
		return paper.Shard{}, err
	}
	count, err := num("SLURM_ARRAY_TASK_COUNT", -1)
	if err != nil {
		return paper.Shard{}, err
	}
	lo, err := num("SLURM_ARRAY_TASK_MIN", 0)
	if err != nil {
		return paper.Shard{}, err
	}
	step, err := num("SLURM_ARRAY_TASK_STEP", 1)
	if err != nil {
		return paper.Shard{}, err
	}
	if step < 1 || id < lo || (id-lo)%step != 0 {
		return paper.Shard{}, fmt.Errorf("SLURM_ARRAY_TASK_ID %d (min %d, step %d): not a task of a regular array; submit with --array=0-%d", id, lo, step, max(count-1, 0))
	}
	sh := paper.Shard{Index: (id - lo) / step, Count: count}
	if err := sh.Validate(); err != nil {
		return paper.Shard{}, fmt.Errorf("SLURM_ARRAY_TASK_ID %d of SLURM_ARRAY_TASK_COUNT %d: %w; submit with --array=0-%d", id, count, err, max(count-1, 0))
	}
	return sh, nil
}

// partName matches the part files a merge reads.
var partName = regexp.MustCompile(`^shard-(\d+)-of-(\d+)\.part$`)

// holdsParts reports whether the folder dir holds shard parts.
func holdsParts(dir string) bool {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if partName.MatchString(e.Name()) {
			return true
		}
	}
	return false
}

// readParts reads every part in dir and checks each was made by this run:
// experiment name, the configuration's JSON config, its file name.
func readParts(dir, name, config string) ([]paper.Part, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var parts []paper.Part
	files := map[paper.Shard]string{}
	for _, e := range entries {
		if !partName.MatchString(e.Name()) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		p, err := paper.ReadPart(path)
		if err != nil {
			return nil, err
		}
		if other, ok := files[p.Shard]; ok {
			return nil, fmt.Errorf("two parts of shard %s: %s and %s", p.Shard, filepath.Base(other), e.Name())
		}
		files[p.Shard] = path
		if p.Shard.FileName() != e.Name() {
			return nil, fmt.Errorf("%s holds shard %s (renamed?)", path, p.Shard)
		}
		if p.Experiment != name {
			return nil, fmt.Errorf("%s is a part of %s, not %s", path, p.Experiment, name)
		}
		if p.Config != config {
			return nil, fmt.Errorf("%s was made with another configuration (%s); merge with the shards' flags", path, configDiff(p.Config, config))
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return nil, errors.New("no shard parts (shard-I-of-N.part) in it")
	}
	return parts, nil
}

// configDiff names the first top-level key whose value differs between two
// configurations' JSON.
func configDiff(a, b string) string {
	var ma, mb map[string]json.RawMessage
	if json.Unmarshal([]byte(a), &ma) != nil || json.Unmarshal([]byte(b), &mb) != nil {
		return "unreadable configuration"
	}
	var keys []string
	for k := range ma {
		keys = append(keys, k)
	}
	for k := range mb {
		if _, ok := ma[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !bytes.Equal(ma[k], mb[k]) {
			return fmt.Sprintf("%s: %s there, %s here", k, orAbsent(ma[k]), orAbsent(mb[k]))
		}
	}
	return "same keys, different encoding"
}

func orAbsent(v json.RawMessage) string {
	if v == nil {
		return "absent"
	}
	return string(v)
}

// linkParts puts the parts of dir into stage too (hard links where the
// filesystem allows, copies otherwise), so that the merged output that
// replaces dir keeps them.
func linkParts(dir, stage string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !partName.MatchString(e.Name()) {
			continue
		}
		src, dst := filepath.Join(dir, e.Name()), filepath.Join(stage, e.Name())
		if os.Link(src, dst) == nil {
			continue
		}
		if err := copyFile(src, dst); err != nil {
			return fmt.Errorf("keep %s: %w", src, err)
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	data, err := safeio.ReadFile(src, 1<<32)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(dst, data)
}

// writeShardPart writes the part of a shard's finished run into out and
// returns the exit code.
func writeShardPart(name, out string, cfg any, s *paper.Sharding, wall float64) int {
	part := s.Part(name, configJSON(cfg))
	part.WallSeconds = math.Round(wall*100) / 100
	path := filepath.Join(out, part.Shard.FileName())
	if err := paper.WritePart(path, part); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 1
	}
	syncDir(out)
	mine, all := 0, 0
	for _, st := range part.Stages {
		mine, all = mine+len(st.Mine), all+st.Units
	}
	fmt.Fprintf(os.Stderr, "%s: wrote shard %s (%d of %d units) to %s in %.1fs; merge with -merge once every shard is done\n", name, part.Shard, mine, all, path, wall)
	return 0
}

// mergeTiming adds the shards' wall times to a merge's timing.json.
func mergeTiming(timing map[string]float64, s *paper.Sharding) {
	secs := s.ShardSeconds()
	timing["shards"] = float64(len(secs))
	total, longest := 0.0, 0.0
	for _, w := range secs {
		total, longest = total+w, max(longest, w)
	}
	timing["shard_wall_seconds_total"] = math.Round(total*100) / 100
	timing["shard_wall_seconds_max"] = math.Round(longest*100) / 100
}
