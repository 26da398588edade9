package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

// defaultEdgeFlags are edge's defaults, for demo --edge.
func defaultEdgeFlags(block, out string) edgeFlags {
	return edgeFlags{block: block, from: 10, to: 100, step: 10, dwell: 10 * time.Second, recover: time.Minute,
		baseline: 10 * time.Second, bisect: 2, out: out}
}

type edgeFlags struct {
	block      string
	from, to   float64
	step       float64
	dwell      time.Duration
	recover    time.Duration
	baseline   time.Duration
	bisect     int
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
assumption's highest level that held and lowest that broke. It prints
where each assumption broke, and with --out writes edge.json and edge.md
beside the journal and the report. It exits 0 when the search ran (and
every edge lies above the block's expect_edge, when it has one), 1 when
an assumption broke at or below expect_edge, 2 on bad input or a fault
that could not be started or reverted.`,
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
	fl.StringVar(&f.out, "out", "", "directory for edge.json, edge.md, the journal and the report")
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
	if f.dwell <= 0 || f.recover <= 0 || f.baseline < 0 || f.bisect < 0 || f.bisect > 10 {
		return usageError{errors.New("--dwell and --recover above 0, --baseline 0 or more, --bisect 0 to 10")}
	}
	return nil
}

// edgeSearch runs the search on e, prints its results and writes them.
func edgeSearch(r *gamedayRun, w io.Writer, e *experiments.Experiment, env session.Env, f edgeFlags) error {
	levels, _ := f.levels()
	bi := e.BlockIndex(f.block)
	plan := session.EdgePlan{Block: f.block, Levels: levels, Baseline: f.baseline, Dwell: f.dwell, Recover: f.recover, Bisect: f.bisect}
	fmt.Fprintf(w, "gameday edge: %s, block %q at %d levels, %s each\n", title(e), f.block, len(levels), experiments.FormatDuration(f.dwell.Seconds()))
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
	block := &e.Blocks[bi]
	out := edgeReport(block, res.Final)
	printEdges(w, out)
	var below []string
	for _, r := range res.Final.Edges {
		if !math.IsNaN(r.Broke) {
			if why, ok := block.EdgeBelow(r.Assumption, r.Broke); ok {
				below = append(below, why)
			}
		}
	}
	if block.ExpectEdge > 0 {
		if len(below) == 0 {
			fmt.Fprintf(w, "every assumption held above the expected edge %s\n", block.ExpectEdgeText)
		}
		for _, why := range below {
			fmt.Fprintf(w, "✗ %s\n", why)
		}
	}
	if f.out != "" {
		if err := writeEdgeFiles(f.out, out); err != nil {
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
	if len(below) > 0 {
		return exitError{code: exitVerdict, msg: "an edge lies at or below expect_edge"}
	}
	return nil
}

// edgeFile is edge.json.
type edgeFile struct {
	Block       string       `json:"block"`
	Param       string       `json:"param"`
	Assumptions []edgeResult `json:"assumptions"`
	Levels      []edgeLevel  `json:"levels"`
}

type edgeResult struct {
	Name string `json:"name"`
	// Edge is the parameter's value where it broke; null when it never
	// did. Intensity is that level; Interval, the values between the
	// highest level that held and the lowest that broke.
	Edge      *string    `json:"edge"`
	Intensity *float64   `json:"intensity"`
	Interval  [2]*string `json:"interval"` // [held, broke]; broke is null when it never did

}

type edgeLevel struct {
	Intensity float64  `json:"intensity"`
	Value     string   `json:"value"`
	Broke     []string `json:"broke"`
	Recovered bool     `json:"recovered"`
}

func edgeReport(b *experiments.Block, final session.Snapshot) edgeFile {
	param, _ := b.ParamAt(1)
	out := edgeFile{Block: b.Name, Param: param, Assumptions: []edgeResult{}, Levels: []edgeLevel{}}
	for _, r := range final.Edges {
		er := edgeResult{Name: r.Assumption}
		lo := "0"
		if !math.IsNaN(r.Held) {
			_, lo = b.ParamAt(r.Held)
		}
		er.Interval[0] = &lo
		if !math.IsNaN(r.Broke) {
			_, v := b.ParamAt(r.Broke)
			lvl := r.Broke
			er.Edge, er.Intensity = &v, &lvl
			er.Interval[1] = &v
		}
		out.Assumptions = append(out.Assumptions, er)
	}
	for _, p := range final.EdgeProbes {
		_, v := b.ParamAt(p.Level)
		out.Levels = append(out.Levels, edgeLevel{Intensity: p.Level, Value: v, Broke: append([]string{}, p.Broke...), Recovered: p.Recovered})
	}
	return out
}

func printEdges(w io.Writer, e edgeFile) {
	fmt.Fprintf(w, "\nedge of %q (%s):\n", e.Block, e.Param)
	for _, a := range e.Assumptions {
		if a.Edge == nil {
			fmt.Fprintf(w, "  %-28s held up to %s (never broke)\n", a.Name, *a.Interval[0])
			continue
		}
		fmt.Fprintf(w, "  %-28s broke at %s (%d %%), held at %s\n", a.Name, *a.Edge, int(math.Round(*a.Intensity*100)), *a.Interval[0])
	}
}

func writeEdgeFiles(dir string, e edgeFile) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "edge.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	var md strings.Builder
	fmt.Fprintf(&md, "# Edge of %s\n\nWhere each assumption broke as the block's %s grew.\n\n", e.Block, e.Param)
	md.WriteString("| assumption | breaks at | held at | intensity |\n| --- | --- | --- | --- |\n")
	for _, a := range e.Assumptions {
		at, pct := "never (up to the last level)", "–"
		if a.Edge != nil {
			at, pct = *a.Edge, fmt.Sprintf("%d %%", int(math.Round(*a.Intensity*100)))
		}
		fmt.Fprintf(&md, "| %s | %s | %s | %s |\n", mdCell(a.Name), at, *a.Interval[0], pct)
	}
	md.WriteString("\n## Levels tried\n\n| intensity | value | broke | recovered before the next |\n| --- | --- | --- | --- |\n")
	for _, l := range e.Levels {
		broke := "–"
		if len(l.Broke) > 0 {
			broke = mdCell(strings.Join(l.Broke, ", "))
		}
		rec := "yes"
		if !l.Recovered {
			rec = "no"
		}
		fmt.Fprintf(&md, "| %d %% | %s | %s | %s |\n", int(math.Round(l.Intensity*100)), l.Value, broke, rec)
	}
	return os.WriteFile(filepath.Join(dir, "edge.md"), []byte(md.String()), 0o644)
}

// mdCell keeps a name from breaking a Markdown table.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
}
