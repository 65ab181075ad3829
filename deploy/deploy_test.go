package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The Kubernetes objects as far as the test reads them. Documents are decoded
// strictly (a field the structs do not name is an error, so that a mistyped
// backoffLimitPerIndex is caught) down to the levels modelled; fields typed
// any take whatever the API takes.

type meta struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
}

type jobObject struct {
	meta `yaml:",inline"`
	Spec jobSpec `yaml:"spec"`
}

type jobSpec struct {
	CompletionMode       string         `yaml:"completionMode"`
	Completions          *int           `yaml:"completions"`
	Parallelism          *int           `yaml:"parallelism"`
	BackoffLimit         *int           `yaml:"backoffLimit"`
	BackoffLimitPerIndex *int           `yaml:"backoffLimitPerIndex"`
	MaxFailedIndexes     *int           `yaml:"maxFailedIndexes"`
	PodFailurePolicy     *failurePolicy `yaml:"podFailurePolicy"`
	Template             podTemplate    `yaml:"template"`
}

type failurePolicy struct {
	Rules []failureRule `yaml:"rules"`
}

type failureRule struct {
	Action      string `yaml:"action"`
	OnExitCodes *struct {
		ContainerName string `yaml:"containerName"`
		Operator      string `yaml:"operator"`
		Values        []int  `yaml:"values"`
	} `yaml:"onExitCodes"`
	OnPodConditions []struct {
		Type   string `yaml:"type"`
		Status string `yaml:"status"`
	} `yaml:"onPodConditions"`
}

type podTemplate struct {
	Metadata any     `yaml:"metadata"`
	Spec     podSpec `yaml:"spec"`
}

type podObject struct {
	meta `yaml:",inline"`
	Spec podSpec `yaml:"spec"`
}

type pvcObject struct {
	meta `yaml:",inline"`
	Spec pvcSpec `yaml:"spec"`
}

type pvcSpec struct {
	AccessModes      []string `yaml:"accessModes"`
	StorageClassName *string  `yaml:"storageClassName"`
	Resources        any      `yaml:"resources"`
}

type podSpec struct {
	RestartPolicy   string            `yaml:"restartPolicy"`
	NodeSelector    map[string]string `yaml:"nodeSelector"`
	SecurityContext any               `yaml:"securityContext"`
	Containers      []container       `yaml:"containers"`
	Volumes         []volume          `yaml:"volumes"`
}

type volume struct {
	Name                  string `yaml:"name"`
	PersistentVolumeClaim *struct {
		ClaimName string `yaml:"claimName"`
	} `yaml:"persistentVolumeClaim"`
	EmptyDir any `yaml:"emptyDir"`
}

type container struct {
	Name            string   `yaml:"name"`
	Image           string   `yaml:"image"`
	ImagePullPolicy string   `yaml:"imagePullPolicy"`
	Command         []string `yaml:"command"`
	Args            []string `yaml:"args"`
	Env             []envVar `yaml:"env"`
	Resources       any      `yaml:"resources"`
	SecurityContext any      `yaml:"securityContext"`
	VolumeMounts    []mount  `yaml:"volumeMounts"`
}

type envVar struct {
	Name      string `yaml:"name"`
	Value     string `yaml:"value"`
	ValueFrom *struct {
		FieldRef *struct {
			FieldPath string `yaml:"fieldPath"`
		} `yaml:"fieldRef"`
	} `yaml:"valueFrom"`
}

type mount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
	ReadOnly  bool   `yaml:"readOnly"`
}

// pvcMounts returns, for each mount of c backed by a PersistentVolumeClaim,
// its path and the claim.
func (p podSpec) pvcMounts(c container) map[string]string {
	claims := map[string]string{}
	for _, v := range p.Volumes {
		if v.PersistentVolumeClaim != nil {
			claims[v.Name] = v.PersistentVolumeClaim.ClaimName
		}
	}
	out := map[string]string{}
	for _, m := range c.VolumeMounts {
		if claim, ok := claims[m.Name]; ok {
			out[m.MountPath] = claim
		}
	}
	return out
}

// manifests are the documents of deploy/k8s/*.yaml, by kind.
type manifests struct {
	jobs []jobObject
	pods []podObject
	pvcs []pvcObject
}

func loadManifests(t *testing.T) manifests {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("k8s", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no k8s/*.yaml (%v)", err)
	}
	var m manifests
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for doc := 0; ; doc++ {
			var node yaml.Node
			if err := dec.Decode(&node); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: document %d: %v", f, doc, err)
			}
			var head meta
			if err := node.Decode(&head); err != nil {
				t.Fatalf("%s: document %d: %v", f, doc, err)
			}
			raw, err := yaml.Marshal(&node)
			if err != nil {
				t.Fatal(err)
			}
			strict := func(v any) {
				d := yaml.NewDecoder(bytes.NewReader(raw))
				d.KnownFields(true)
				if err := d.Decode(v); err != nil {
					t.Fatalf("%s: %s %q: %v", f, head.Kind, head.Metadata.Name, err)
				}
			}
			wantAPI := "v1"
			switch head.Kind {
			case "Job":
				var j jobObject
				strict(&j)
				m.jobs = append(m.jobs, j)
				wantAPI = "batch/v1"
			case "Pod":
				var p podObject
				strict(&p)
				m.pods = append(m.pods, p)
			case "PersistentVolumeClaim":
				var p pvcObject
				strict(&p)
				m.pvcs = append(m.pvcs, p)
			default:
				t.Fatalf("%s: document %d: kind %q; the test knows Job, Pod and PersistentVolumeClaim", f, doc, head.Kind)
			}
			if head.APIVersion != wantAPI || head.Metadata.Name == "" {
				t.Errorf("%s: %s %q: apiVersion %q, want %q, and a name", f, head.Kind, head.Metadata.Name, head.APIVersion, wantAPI)
			}
		}
	}
	return m
}

// command is an experiment's command line: the binary and its flags.
type command struct {
	where string            // for messages
	exe   string            // the binary's base name: the experiment
	path  string            // the binary as written
	flags map[string]string // name (no dash) → value ("" for a bool given bare)
}

// parseCommand reads argv against the flags the experiment registers
// (name → whether it is a bool, which takes no separate value).
func parseCommand(where string, argv []string) (command, error) {
	if len(argv) == 0 {
		return command{}, fmt.Errorf("%s: no command", where)
	}
	c := command{where: where, path: argv[0], exe: path.Base(argv[0]), flags: map[string]string{}}
	reg, err := registeredFlags(c.exe)
	if err != nil {
		return command{}, fmt.Errorf("%s: %w", where, err)
	}
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		if !strings.HasPrefix(a, "-") {
			return command{}, fmt.Errorf("%s: %q is not a flag (the experiments take no arguments)", where, a)
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		isBool, ok := reg[name]
		if !ok {
			return command{}, fmt.Errorf("%s: -%s is not a flag %s registers", where, name, c.exe)
		}
		if !isBool && !hasValue {
			if i+1 == len(argv) {
				return command{}, fmt.Errorf("%s: -%s has no value", where, name)
			}
			i++
			value = argv[i]
		}
		if _, dup := c.flags[name]; dup {
			return command{}, fmt.Errorf("%s: -%s given twice", where, name)
		}
		c.flags[name] = value
	}
	return c, nil
}

// without returns c's flags less the names, plus add.
func (c command) without(names []string, add map[string]string) map[string]string {
	out := maps.Clone(c.flags)
	for _, n := range names {
		delete(out, n)
	}
	maps.Copy(out, add)
	return out
}

func (c command) has(name string) bool {
	_, ok := c.flags[name]
	return ok
}

var (
	varFlag  = regexp.MustCompile(`\.(Bool|Int|Int64|Uint|Uint64|Float64|String|Duration|Text)?Var\(.*?"([a-z0-9][a-z0-9-]*)",`)
	funcFlag = regexp.MustCompile(`\.(Bool)?Func\("([a-z0-9][a-z0-9-]*)",`)
)

// registeredFlags reads the flags an experiment can take from the source that
// registers them: experiments/internal/cli (every experiment's shared flags
// and configurations) and experiments/NAME. A name registered for another
// experiment of the package passes too: the check is that the manifests name
// real flags, not that exe has every one (go run ./experiments/NAME -h does).
func registeredFlags(exe string) (map[string]bool, error) {
	var files []string
	for _, dir := range []string{filepath.Join("..", "experiments", "internal", "cli"), filepath.Join("..", "experiments", exe)} {
		fs, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			return nil, err
		}
		if len(fs) == 0 {
			return nil, fmt.Errorf("no Go source in %s: is %q an experiment?", dir, exe)
		}
		for _, f := range fs {
			if !strings.HasSuffix(f, "_test.go") {
				files = append(files, f)
			}
		}
	}
	reg := map[string]bool{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, re := range []*regexp.Regexp{varFlag, funcFlag} {
			for _, m := range re.FindAllSubmatch(src, -1) {
				reg[string(m[2])] = string(m[1]) == "Bool"
			}
		}
	}
	for _, n := range []string{"out", "shard", "shard-count", "merge", "checkpoint"} {
		if _, ok := reg[n]; !ok {
			return nil, fmt.Errorf("found no -%s in the source of %s's flags (%d flags found); has the registration changed?", n, exe, len(reg))
		}
	}
	return reg, nil
}

// script is an sbatch script: its #SBATCH options and the experiment it
// execs.
type script struct {
	options []string
	cmd     command
	text    string
}

func readScript(t *testing.T, file string) script {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := script{text: string(data)}
	lines := strings.Split(s.text, "\n")
	if lines[0] != "#!/bin/bash" {
		t.Errorf("%s: first line %q, want #!/bin/bash", file, lines[0])
	}
	var execs []string
	commands := false
	for i, l := range lines {
		switch trimmed := strings.TrimSpace(l); {
		case strings.HasPrefix(trimmed, "#SBATCH"):
			if commands {
				t.Errorf("%s:%d: #SBATCH after the first command, which sbatch ignores", file, i+1)
			}
			s.options = append(s.options, strings.TrimSpace(strings.TrimPrefix(trimmed, "#SBATCH")))
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
		default:
			commands = true
			if strings.HasPrefix(trimmed, "exec ") {
				execs = append(execs, trimmed)
			}
		}
	}
	if len(execs) != 1 {
		t.Fatalf("%s: %d exec lines, want the one that runs the experiment", file, len(execs))
	}
	// The words of the exec line, with their double quotes removed (the
	// test's shell is this simple: no spaces inside a word).
	var argv []string
	for _, w := range strings.Fields(execs[0])[1:] {
		argv = append(argv, strings.Trim(w, `"`))
	}
	c, err := parseCommand(file, argv)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = c
	return s
}

func (s script) option(name string) (string, bool) {
	for _, o := range s.options {
		if v, ok := strings.CutPrefix(o, name+"="); ok {
			return v, true
		}
		if o == name {
			return "", true
		}
	}
	return "", false
}

func value(p *int) string {
	if p == nil {
		return "unset"
	}
	return strconv.Itoa(*p)
}

// within reports whether p is dir or below it (both absolute or both
// written with the same variable).
func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

type check struct {
	name      string
	got, want any
}

func run(t *testing.T, checks []check) {
	t.Helper()
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

// jobCommand returns the Job's one container and its command.
func jobCommand(t *testing.T, j jobObject) (container, command) {
	t.Helper()
	cs := j.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		t.Fatalf("job %s: %d containers, want 1", j.Metadata.Name, len(cs))
	}
	c, err := parseCommand("job "+j.Metadata.Name, append(slices.Clone(cs[0].Command), cs[0].Args...))
	if err != nil {
		t.Fatal(err)
	}
	return cs[0], c
}

const completionIndexPath = "metadata.annotations['batch.kubernetes.io/job-completion-index']"

func TestManifests(t *testing.T) {
	m := loadManifests(t)
	var sweeps, merges []jobObject
	for _, j := range m.jobs {
		if j.Spec.CompletionMode == "Indexed" {
			sweeps = append(sweeps, j)
		} else {
			merges = append(merges, j)
		}
	}
	if len(sweeps) != 1 || len(merges) != 1 || len(m.pvcs) != 1 {
		t.Fatalf("%d Indexed Jobs, %d other Jobs and %d PersistentVolumeClaims; want one sweep, one merge and one claim", len(sweeps), len(merges), len(m.pvcs))
	}
	sweep, merge, pvc := sweeps[0], merges[0], m.pvcs[0]
	sc, s := jobCommand(t, sweep)
	mc, mg := jobCommand(t, merge)

	count, err := strconv.Atoi(s.flags["shard-count"])
	if err != nil {
		t.Fatalf("job %s: -shard-count %q: %v", sweep.Metadata.Name, s.flags["shard-count"], err)
	}
	parallel := sweep.Spec.Parallelism != nil && *sweep.Spec.Parallelism >= 1 && *sweep.Spec.Parallelism <= count
	envIndex := completionIndexPath // unset, Kubernetes sets it from the annotation
	for _, e := range sc.Env {
		if e.Name == "JOB_COMPLETION_INDEX" {
			envIndex = "value " + e.Value
			if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
				envIndex = e.ValueFrom.FieldRef.FieldPath
			}
		}
	}
	for _, j := range []struct {
		job jobObject
		c   container
	}{{sweep, sc}, {merge, mc}} {
		if p := j.job.Spec.PodFailurePolicy; p != nil {
			for _, r := range p.Rules {
				if r.OnExitCodes != nil && r.OnExitCodes.ContainerName != "" && r.OnExitCodes.ContainerName != j.c.Name {
					t.Errorf("job %s: podFailurePolicy names container %q; the container is %q", j.job.Metadata.Name, r.OnExitCodes.ContainerName, j.c.Name)
				}
			}
		}
	}
	run(t, []check{
		{"sweep job: completions", value(sweep.Spec.Completions), strconv.Itoa(count)},
		{"sweep job: 1 ≤ parallelism ≤ completions", parallel, true},
		{"sweep job: backoffLimitPerIndex ≥ 1 (a preempted pod's index is retried)", sweep.Spec.BackoffLimitPerIndex != nil && *sweep.Spec.BackoffLimitPerIndex >= 1, true},
		{"sweep job: restartPolicy", sweep.Spec.Template.Spec.RestartPolicy, "Never"},
		{"sweep job: JOB_COMPLETION_INDEX", envIndex, completionIndexPath},
		{"sweep job: -shard (the index comes from JOB_COMPLETION_INDEX)", s.has("shard"), false},
		{"sweep job: -merge", s.has("merge"), false},
		{"sweep job: -checkpoint (a rerun pod resumes)", s.has("checkpoint"), true},
		{"merge job: completionMode", merge.Spec.CompletionMode, ""},
		{"merge job: restartPolicy", merge.Spec.Template.Spec.RestartPolicy, "Never"},
		{"merge job: experiment", mg.path, s.path},
		{"merge job: image", mc.Image, sc.Image},
		{"merge job: flags (the sweep's, -merge for -shard-count and no -checkpoint)", mg.flags, s.without([]string{"shard-count", "checkpoint", "checkpoint-every"}, map[string]string{"merge": ""})},
		{"claim: accessModes", pvc.Spec.AccessModes, []string{"ReadWriteMany"}},
	})

	// -out and -checkpoint lie on the shared claim, apart.
	out, ckpt := s.flags["out"], s.flags["checkpoint"]
	for _, j := range []struct {
		job  jobObject
		c    container
		cmd  command
		dirs []string
	}{{sweep, sc, s, []string{out, ckpt}}, {merge, mc, mg, []string{mg.flags["out"]}}} {
		mounts := j.job.Spec.Template.Spec.pvcMounts(j.c)
		for _, d := range j.dirs {
			claim := ""
			for p, c := range mounts {
				if within(d, p) && d != p {
					claim = c
				}
			}
			if claim != pvc.Metadata.Name {
				t.Errorf("job %s: %s is on claim %q; want it below a mount of %q (mounts %v)", j.job.Metadata.Name, d, claim, pvc.Metadata.Name, mounts)
			}
		}
	}
	if within(ckpt, out) || within(out, ckpt) {
		t.Errorf("sweep job: -checkpoint %s and -out %s nest; the experiments refuse a checkpoint inside -out", ckpt, out)
	}
	for _, p := range m.pods {
		for _, c := range p.Spec.Containers {
			for _, claim := range p.Spec.pvcMounts(c) {
				if claim != pvc.Metadata.Name {
					t.Errorf("pod %s mounts claim %q; the claim is %q", p.Metadata.Name, claim, pvc.Metadata.Name)
				}
			}
		}
	}

	// The image holds the binary the Jobs run.
	built, copied := dockerfile(t)
	run(t, []check{
		{"sweep job: binary built by deploy/Dockerfile", slices.Contains(built, s.exe), true},
		{"sweep job: binary path", s.path, copied + s.exe},
	})

	// The Slurm scripts run the same experiment with the same flags, as
	// many shards.
	ss := readScript(t, filepath.Join("slurm", "sweep.sbatch"))
	sm := readScript(t, filepath.Join("slurm", "merge.sbatch"))
	array, _ := ss.option("--array")
	shards := "not 0-K"
	if mm := regexp.MustCompile(`^0-(\d+)(%\d+)?$`).FindStringSubmatch(array); mm != nil {
		k, _ := strconv.Atoi(mm[1])
		shards = strconv.Itoa(k + 1)
	}
	_, mergeArray := sm.option("--array")
	_, requeue := ss.option("--requeue")
	run(t, []check{
		{"sweep.sbatch: --array=0-K shards (as many as the Job's)", shards, strconv.Itoa(count)},
		{"sweep.sbatch: --requeue", requeue, true},
		{"sweep.sbatch: experiment", ss.cmd.exe, s.exe},
		{"sweep.sbatch: -shard or -shard-count (the shard comes from SLURM_ARRAY_TASK_ID)", ss.cmd.has("shard") || ss.cmd.has("shard-count"), false},
		{"sweep.sbatch: -merge", ss.cmd.has("merge"), false},
		{"sweep.sbatch: -checkpoint", ss.cmd.has("checkpoint"), true},
		{"sweep.sbatch: flags but -out and -checkpoint (the Job's)", ss.cmd.without([]string{"out", "checkpoint"}, nil), s.without([]string{"out", "checkpoint", "shard-count"}, nil)},
		{"merge.sbatch: --array", mergeArray, false},
		{"merge.sbatch: experiment", sm.cmd.path, ss.cmd.path},
		{"merge.sbatch: flags (sweep.sbatch's, -merge and no -checkpoint)", sm.cmd.flags, ss.cmd.without([]string{"checkpoint", "checkpoint-every"}, map[string]string{"merge": ""})},
		{"sweep.sbatch: -checkpoint apart from -out", within(ss.cmd.flags["checkpoint"], ss.cmd.flags["out"]) || within(ss.cmd.flags["out"], ss.cmd.flags["checkpoint"]), false},
	})
}

// dockerfile checks deploy/Dockerfile's build stage and returns the
// experiments it builds and the folder they are copied to.
func dockerfile(t *testing.T) (built []string, dir string) {
	t.Helper()
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	from := regexp.MustCompile(`(?m)^FROM golang:(\S+) AS build$`).FindSubmatch(data)
	copyTo := regexp.MustCompile(`(?m)^COPY --from=build /out/ (\S+/)$`).FindSubmatch(data)
	if goLine == nil || from == nil || copyTo == nil {
		t.Fatalf("go.mod's go line %q, the Dockerfile's FROM golang:… AS build %q, COPY --from=build /out/ DIR/ %q: want all three", goLine, from, copyTo)
	}
	build := regexp.MustCompile(`RUN CGO_ENABLED=0 [^\n]*go build -trimpath [^\n]*-o /out/ (?:\\\n|[^\n])*`).Find(data)
	for _, m := range regexp.MustCompile(`\./experiments/([a-z]+)`).FindAllSubmatch(build, -1) {
		built = append(built, string(m[1]))
	}
	run(t, []check{
		{"Dockerfile: golang image (go.mod's go line)", string(from[1]), string(goLine[1])},
		{"Dockerfile: a CGO_ENABLED=0 go build -trimpath of the experiments into /out/", len(built) > 0, true},
	})
	for _, e := range []string{"phase", "saesweep", "geometry", "correlated", "privileged", "absval"} {
		if !slices.Contains(built, e) {
			t.Errorf("Dockerfile: builds %v; want the sweep experiment %s too", built, e)
		}
	}
	return built, string(copyTo[1])
}

// TestEnvironment keeps the scheduler variables the deploy files and the
// README name those the experiments read (experiments/internal/cli/shard.go).
func TestEnvironment(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "experiments", "internal", "cli", "shard.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT"} {
		if !bytes.Contains(src, []byte(`"`+v+`"`)) {
			t.Errorf("shard.go does not read %s, which the deploy files rely on", v)
		}
	}
	// Slurm's own variables the scripts use themselves.
	scriptOnly := []string{"SLURM_SUBMIT_DIR", "SLURM_RESTART_COUNT"}
	files := []string{"Dockerfile", filepath.Join("..", "README.md")}
	for _, g := range []string{"k8s/*.yaml", "slurm/*.sbatch"} {
		fs, _ := filepath.Glob(g)
		files = append(files, fs...)
	}
	name := regexp.MustCompile(`\b(SLURM_[A-Z_]+|JOB_COMPLETION_INDEX)\b`)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range name.FindAllString(string(data), -1) {
			if !bytes.Contains(src, []byte(`"`+m+`"`)) && !slices.Contains(scriptOnly, m) {
				t.Errorf("%s names %s, which shard.go does not read", f, m)
			}
		}
	}
	sweep, err := os.ReadFile(filepath.Join("slurm", "sweep.sbatch"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT"} {
		if !bytes.Contains(sweep, []byte(v)) {
			t.Errorf("sweep.sbatch does not name %s", v)
		}
	}
}

// TestReferences keeps the deploy files and the README's "Running on a
// cluster" section pointing at files that exist and objects the manifests
// define: every deploy/… path, every job/NAME and pod/NAME.
func TestReferences(t *testing.T) {
	m := loadManifests(t)
	names := map[string][]string{}
	for _, j := range m.jobs {
		names["job"] = append(names["job"], j.Metadata.Name)
	}
	for _, p := range m.pods {
		names["pod"] = append(names["pod"], p.Metadata.Name)
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Running on a cluster\n")
	if !ok {
		t.Fatal(`README.md has no "## Running on a cluster" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	texts := map[string]string{"README.md (Running on a cluster)": section}
	for _, g := range []string{"Dockerfile", "k8s/*.yaml", "slurm/*.sbatch"} {
		fs, _ := filepath.Glob(g)
		for _, f := range fs {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			texts[f] = string(data)
		}
	}
	pathRef := regexp.MustCompile(`\bdeploy/[A-Za-z0-9_./-]*[A-Za-z0-9_]`)
	objRef := regexp.MustCompile(`\b(job|pod)/([a-z0-9][a-z0-9-]*)`)
	for f, text := range texts {
		for _, p := range pathRef.FindAllString(text, -1) {
			if _, err := os.Stat(filepath.Join("..", p)); err != nil {
				t.Errorf("%s names %s: %v", f, p, err)
			}
		}
		for _, r := range objRef.FindAllStringSubmatch(text, -1) {
			if !slices.Contains(names[r[1]], r[2]) {
				t.Errorf("%s names %s/%s; the manifests define %ss %v", f, r[1], r[2], r[1], names[r[1]])
			}
		}
	}
	for _, want := range []string{"kubectl apply -f deploy/k8s/sweep-job.yaml", "kubectl apply -f deploy/k8s/merge-job.yaml", "deploy/slurm/sweep.sbatch", "deploy/slurm/merge.sbatch", "docker build -f deploy/Dockerfile"} {
		if !strings.Contains(section, want) {
			t.Errorf("README.md (Running on a cluster) does not show %q", want)
		}
	}
}
