package cli

import (
	"context"
	"flag"
	"os"

	"github.com/toymodels/superposition/paper"
)

// Exit exits the process with the status exitCode returns for its
// command-line arguments: an experiment's main is
//
//	func main() { cli.Exit(exitCode) }
func Exit(exitCode func(args []string) int) { os.Exit(exitCode(os.Args[1:])) }

// Run runs the experiment name (its folder under experiments/) with the
// arguments args, as [Main] does, and returns its exit status: its flags
// over its paper configuration's defaults, then the paper's Experiment
// function on the parsed configuration. It panics if name is not one of
// the experiments it knows.
func Run(name string, args []string) int {
	command, ok := commands[name]
	if !ok {
		panic("cli: no experiment " + name)
	}
	return command(name, args)
}

// commands are the experiments Run knows, by name.
var commands = map[string]func(name string, args []string) int{
	"intro":      toySweep(paper.DefaultIntroConfig, paper.IntroExperiment),
	"basic":      toySweep(paper.DefaultBasicConfig, paper.BasicExperiment),
	"geometry":   toySweep(paper.DefaultGeometryConfig, paper.GeometryExperiment),
	"privileged": toySweep(paper.DefaultPrivilegedConfig, paper.PrivilegedExperiment),
	"absval": func(name string, args []string) int {
		c := AbsVal{paper.DefaultAbsVal()}
		return Sweep(name, args, &c, &c.Out, func(ctx context.Context, r paper.Run) error { return paper.AbsValExperiment(ctx, r, c.AbsVal) })
	},
	"phase": func(name string, args []string) int {
		c := Phase{paper.DefaultPhaseConfig()}
		return Sweep(name, args, &c, &c.Out, func(ctx context.Context, r paper.Run) error { return paper.PhaseExperiment(ctx, r, c.PhaseConfig) })
	},
	"correlated": func(name string, args []string) int {
		c := Correlated{paper.DefaultCorrelatedConfig()}
		return Sweep(name, args, &c, &c.Out, func(ctx context.Context, r paper.Run) error {
			return paper.CorrelatedExperiment(ctx, r, c.CorrelatedConfig)
		})
	},
	"saesweep": func(name string, args []string) int {
		c := SAESweep{paper.DefaultSAESweepConfig()}
		return Sweep(name, args, &c, &c.Out, func(ctx context.Context, r paper.Run) error {
			return paper.SAESweepExperiment(ctx, r, c.SAESweepConfig)
		})
	},
	"strategies": func(name string, args []string) int {
		c := Strategies{paper.DefaultStrategiesConfig()}
		return Command(name, args, &c, &c.Out, func(ctx context.Context, r paper.Run) error {
			return paper.StrategiesExperiment(ctx, r, c.StrategiesConfig)
		})
	},
	"decompose": func(name string, args []string) int {
		c := Decompose{DecomposeConfig: paper.DefaultDecomposeConfig()}
		return Command(name, args, &c, &c.Out, func(ctx context.Context, r paper.Run) error {
			return paper.DecomposeExperiment(ctx, r, c.DecomposeConfig, c.exports)
		})
	},
	"lm": func(name string, args []string) int {
		c := &LM{LMConfig: paper.DefaultLMConfig()}
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		c.Register(fs)
		return Main(name, fs, args, c, &c.Out, func(ctx context.Context, env Env) error {
			tps, err := paper.LMExperiment(ctx, env.Run(), c.LMConfig)
			if err != nil {
				return err
			}
			env.Timing["tokens_per_s"] = float64(int(tps*10)) / 10
			return nil
		})
	},
	"monosemanticity": func(name string, args []string) int {
		c := Mono{paper.DefaultMonoConfig()}
		return Sweep(name, args, &c, &c.Out, func(ctx context.Context, r paper.Run) error { return paper.MonoExperiment(ctx, r, c.MonoConfig) })
	},
}

// toySweep is the command of a toy-model sweep: the toy flags over def's
// configuration, then experiment.
func toySweep(def func() paper.Toy, experiment func(context.Context, paper.Run, paper.Toy) error) func(name string, args []string) int {
	return func(name string, args []string) int {
		c := Toy{def()}
		return Sweep(name, args, &c, &c.Out, func(ctx context.Context, r paper.Run) error { return experiment(ctx, r, c.Toy) })
	}
}
