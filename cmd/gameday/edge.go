package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/report/edge"
	"github.com/gameday-dev/gameday/experiments/session"
)

// defaultEdgeFlags are edge's defaults, for demo --edge.
func defaultEdgeFlags(block, out string) edgeFlags {
	return edgeFlags{block: block, from: 10, to: 100, step: 10, dwell: 10 * time.Second, recover: time.Minute,
		baseline: 10 * time.Second, bisect: 2, repeat: 1, out: out}
}

type edgeFlags struct {
	block      string
	from, to   float64
	step       float64
	dwell      time.Duration
	recover    time.Duration
	baseline   time.Duration
	bisect     int
	repeat     int
	out        string
	matrixCase int
	logFile    string
}

func newEdgeCmd(g *globals) *cobra.Command {
	var f edgeFlags
	cmd := &cobra.Command{
		Use:   "edge FILE --block NAME",
		Short: "Find where each assumption breaks as a block's fault grows",
		Long: `edge runs the experiment headless and switches the block on at rising
intensities (--from to --to by --step, in percent of the block's fault:
of its delay, its error probability...), each for --dwell, halting it
between levels until every assumption holds again (at most --recover);
then, --bisect times, it tries the level halfway between each
assumption's highest level that held and lowest that broke. --repeat N
does the whole search N times, to see the noise: each assumption's edge
is then the median of the repeats' edges, and their lowest and highest
its spread. It prints where each assumption broke, and with --out writes
edge.json, edge.md and edge.html (a curve of each assumption's margin
against the fault's parameter) beside the journal and the report. It
exits 0 when the search ran (and every edge lies above the block's
expect_edge, when it has one), 1 when an assumption broke at or below
expect_edge, 2 on bad input or a fault that could not be started or
reverted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runEdge(cmd.OutOrStdout(), g, args[0], f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.block, "block", "", "the block whose fault grows (required)")
	fl.Float64Var(&f.from, "from", 10, "the first level, in percent of the block's fault")
	fl.Float64Var(&f.to, "to", 100, "the last level, in percent")
	fl.Float64Var(&f.step, "step", 10, "the levels' step, in percent")
	fl.DurationVar(&f.dwell, "dwell", 10*time.Second, "how long each level stays on")
	fl.DurationVar(&f.recover, "recover", time.Minute, "the longest wait between levels for every assumption to hold again")
	fl.DurationVar(&f.baseline, "baseline", 10*time.Second, "how long to watch before the first level")
	fl.IntVar(&f.bisect, "bisect", 2, "rounds of bisection after the steps")
	fl.IntVar(&f.repeat, "repeat", 1, "searches to run, each a sweep and its own bisection: the edge is their median")
	fl.StringVar(&f.out, "out", "", "directory for edge.json, edge.md, edge.html, the journal and the report")
	fl.IntVar(&f.matrixCase, "case", 1, "which case of the file's matrix")
	fl.StringVar(&f.logFile, "log-file", defaultLogPath("edge"), "where gameday writes its logs (JSON)")
	return cmd
}

// levels are the intensities from..to by step, in percent.
func (f edgeFlags) levels() ([]float64, error) {
	if !(f.step > 0) || !(f.from > 0) || f.to > 100 || f.from > f.to || math.IsNaN(f.to) {
		return nil, fmt.Errorf("--from %g --to %g --step %g: want 0 < from ≤ to ≤ 100 and a step above 0", f.from, f.to, f.step)
	}
	if (f.to-f.from)/f.step > 100 {
		return nil, fmt.Errorf("--step %g: at most 100 levels from %g to %g", f.step, f.from, f.to)
	}
	var out []float64
	for v := f.from; v <= f.to+1e-9; v += f.step {
		out = append(out, math.Round(v*10)/1000)
	}
	return out, nil
}

func runEdge(w io.Writer, g *globals, file string, f edgeFlags) error {
	exps, err := experiments.LoadFile(file)
	if err != nil {
		return usageError{err}
	}
	if f.matrixCase < 1 || f.matrixCase > len(exps) {
		return usageError{fmt.Errorf("--case %d: %s has %s", f.matrixCase, file, experiments.Count(len(exps), "case", "cases"))}
	}
	e := exps[f.matrixCase-1]
	if err := f.check(e); err != nil {
		return err
	}
	state, err := g.openState()
	if err != nil {
		return err
	}
	r, err := openRun(g, state, f.logFile)
	if err != nil {
		return err
	}
	defer r.close()
	return edgeSearch(r, w, e, session.Env{}, f)
}

// check refuses flags that make no search of e: an unknown block, levels
// out of range.
func (f edgeFlags) check(e *experiments.Experiment) error {
	if e.BlockIndex(f.block) < 0 {
		var names []string
		for _, b := range e.Blocks {
			names = append(names, b.Name)
		}
		return usageError{fmt.Errorf("--block %q: %q has no such block (it has %s)", f.block, e.Name, strings.Join(names, ", "))}
	}
	if _, err := f.levels(); err != nil {
		return usageError{err}
	}
	if f.dwell <= 0 || f.recover <= 0 || f.baseline < 0 || f.bisect < 0 || f.bisect > 10 || f.repeat < 1 || f.repeat > 20 {
		return usageError{errors.New("--dwell and --recover above 0, --baseline 0 or more, --bisect 0 to 10, --repeat 1 to 20")}
	}
	return nil
}

// edgeSearch runs the search on e, prints its results and writes them.
func edgeSearch(r *gamedayRun, w io.Writer, e *experiments.Experiment, env session.Env, f edgeFlags) error {
	levels, _ := f.levels()
	bi := e.BlockIndex(f.block)
	plan := session.EdgePlan{Block: f.block, Levels: levels, Baseline: f.baseline, Dwell: f.dwell, Recover: f.recover, Bisect: f.bisect,
		Repeat: f.repeat}
	repeats := ""
	if f.repeat > 1 {
		repeats = fmt.Sprintf(", %d times", f.repeat)
	}
	fmt.Fprintf(w, "gameday edge: %s, block %q at %d levels, %s each%s\n", title(e), f.block, len(levels),
		experiments.FormatDuration(f.dwell.Seconds()), repeats)
	sess, err := r.newSession(e, env, f.out, session.WithEdgePlan(plan))
	if err != nil {
		return err
	}
	res, err := session.RunSchedule(r.ctx, sess.Session, func(line string) { fmt.Fprintln(w, "  "+line) })
	if cerr := sess.closeJournal(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("journal: %w", cerr))
	}
	if err != nil {
		return startError{err}
	}
	out := edge.Build(&e.Blocks[bi], res.Final, plan)
	if err := out.Text(w); err != nil {
		return err
	}
	if f.out != "" {
		if err := out.WriteDir(f.out); err != nil {
			return startError{err}
		}
		if err := writeReport(f.out); err != nil {
			return startError{fmt.Errorf("report: %w", err)}
		}
		fmt.Fprintf(w, "edge: %s\n", f.out)
	}
	if sig := r.caught(); sig != nil {
		return sig
	}
	if res.FaultErrors > 0 {
		return exitError{code: exitBadInput, msg: "a fault could not be started or reverted"}
	}
	if res.Interrupted {
		return exitError{code: exitBadInput, msg: "the edge search was interrupted"}
	}
	if len(out.Below()) > 0 {
		return exitError{code: exitVerdict, msg: "an edge lies at or below expect_edge"}
	}
	return nil
}
