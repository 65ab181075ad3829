package cli

import (
	"flag"
	"strings"
	"testing"

	"github.com/toymodels/superposition/paper"
)

// TestShardResolve: the shard comes from -shard, from -shard-count with
// JOB_COMPLETION_INDEX (Kubernetes), or from Slurm's array variables; every
// contradiction or malformed value is an error naming it.
func TestShardResolve(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		want  *paper.Shard
		from  string
		error string
	}{
		{"nothing", nil, nil, nil, "", ""},
		{"flag", []string{"-shard", "2/5"}, nil, &paper.Shard{Index: 2, Count: 5}, "-shard", ""},
		{"flag beats slurm", []string{"-shard", "2/5"}, map[string]string{"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "3"}, &paper.Shard{Index: 2, Count: 5}, "-shard", ""},
		{"kubernetes", []string{"-shard-count", "7"}, map[string]string{"JOB_COMPLETION_INDEX": "6"}, &paper.Shard{Index: 6, Count: 7}, "JOB_COMPLETION_INDEX", ""},
		{"kubernetes index too large", []string{"-shard-count", "7"}, map[string]string{"JOB_COMPLETION_INDEX": "7"}, nil, "", "JOB_COMPLETION_INDEX 7"},
		{"kubernetes index not a number", []string{"-shard-count", "7"}, map[string]string{"JOB_COMPLETION_INDEX": "x"}, nil, "", "not an integer"},
		{"count without index", []string{"-shard-count", "7"}, nil, nil, "", "JOB_COMPLETION_INDEX is not set"},
		{"index without count", nil, map[string]string{"JOB_COMPLETION_INDEX": "1"}, nil, "", "-shard-count is not"},
		{"count zero", []string{"-shard-count", "0"}, map[string]string{"JOB_COMPLETION_INDEX": "0"}, nil, "", "-shard-count"},
		{"slurm", nil, map[string]string{"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "5"}, &paper.Shard{Index: 4, Count: 5}, "SLURM_ARRAY_TASK_ID", ""},
		{"slurm from 1", nil, map[string]string{"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "3"}, &paper.Shard{Index: 2, Count: 3}, "SLURM_ARRAY_TASK_ID", ""},
		{"slurm with a step", nil, map[string]string{"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_STEP": "2", "SLURM_ARRAY_TASK_COUNT": "3"}, &paper.Shard{Index: 2, Count: 3}, "SLURM_ARRAY_TASK_ID", ""},
		{"slurm off the step", nil, map[string]string{"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_STEP": "2", "SLURM_ARRAY_TASK_COUNT": "3"}, nil, "", "regular array"},
		{"slurm without count", nil, map[string]string{"SLURM_ARRAY_TASK_ID": "0"}, nil, "", "SLURM_ARRAY_TASK_COUNT is not"},
		{"slurm id past count", nil, map[string]string{"SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_COUNT": "3"}, nil, "", "--array=0-2"},
		{"merge", []string{"-merge"}, map[string]string{"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "3"}, nil, "", ""},
		{"merge and shard", []string{"-merge", "-shard", "0/2"}, nil, nil, "", "-merge"},
		{"shard and count", []string{"-shard", "0/2", "-shard-count", "2"}, nil, nil, "", "not both"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			var sf shardFlags
			sf.register(fs)
			if err := fs.Parse(tc.args); err != nil {
				if tc.error != "" && strings.Contains(err.Error(), tc.error) {
					return
				}
				t.Fatalf("parse %v: %v", tc.args, err)
			}
			got, from, err := sf.resolve(func(k string) string { return tc.env[k] })
			switch {
			case tc.error != "":
				if err == nil || !strings.Contains(err.Error(), tc.error) {
					t.Errorf("resolve = %v, %v; want an error mentioning %q", got, err, tc.error)
				}
			case err != nil:
				t.Errorf("resolve: %v", err)
			case (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want || from != tc.from:
				t.Errorf("resolve = %v from %q; want %v from %q", got, from, tc.want, tc.from)
			}
		})
	}
}

func TestConfigDiff(t *testing.T) {
	got := configDiff(`{"seed":1,"steps":5}`, `{"seed":2,"steps":5}`)
	if want := "seed: 1 there, 2 here"; got != want {
		t.Errorf("configDiff = %q; want %q", got, want)
	}
	got = configDiff(`{"seed":1}`, `{"seed":1,"grid":3}`)
	if want := "grid: absent there, 3 here"; got != want {
		t.Errorf("configDiff = %q; want %q", got, want)
	}
}
