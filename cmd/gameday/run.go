package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/session"
)

type runFlags struct {
	out        string
	matrix     bool
	matrixCase int
	dryRun     bool
	logFile    string
}

func newRunCmd(g *globals) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Run an experiment's schedule headless, for CI",
		Long: `run plays the file's schedule without the cockpit (a baseline, each
step's blocks on for their time, a recovery period), prints progress lines
fit for CI logs, writes the journal and the report into --out, and exits 0
when every assumption held, 1 when one did not or a guardrail aborted, 2
on bad input or a fault that could not be started or reverted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runHeadless(cmd.OutOrStdout(), g, args[0], f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "", "directory for the journal and the report (summary.json, junit.xml, report.md, report.html)")
	fl.BoolVar(&f.matrix, "matrix", false, "run every case of the file's matrix and summarise them side by side (with --out, in compare.md and compare.html)")
	fl.IntVar(&f.matrixCase, "case", 1, "which case of the matrix to run (without --matrix)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "check everything and print the pre-flight: what would be touched, and when; inject nothing")
	fl.StringVar(&f.logFile, "log-file", defaultLogPath("run"), "where gameday writes its logs (JSON)")
	return cmd
}

func runHeadless(w io.Writer, g *globals, file string, f runFlags) error {
	exps, err := experiments.LoadFile(file)
	if err != nil {
		return usageError{err}
	}
	cases := exps
	if !f.matrix {
		if f.matrixCase < 1 || f.matrixCase > len(exps) {
			return usageError{fmt.Errorf("--case %d: %s has %s", f.matrixCase, file, experiments.Count(len(exps), "case", "cases"))}
		}
		cases = exps[f.matrixCase-1 : f.matrixCase]
	}
	for _, e := range cases {
		if e.Schedule == nil {
			return usageError{fmt.Errorf("%s: the experiment has no schedule; gameday run needs one (see docs/experiments.md)", file)}
		}
	}
	if f.dryRun {
		for i, e := range cases {
			if err := printDryRun(w, e, fmt.Sprintf("dry run %d of %d", i+1, len(cases))); err != nil {
				return err
			}
		}
		return nil
	}
	for _, e := range cases {
		if _, err := checkClusters(e); err != nil {
			return err
		}
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

	var results []caseResult
	worst := 0
	for i, e := range cases {
		dir := f.out
		if dir != "" && len(cases) > 1 {
			dir = filepath.Join(f.out, fmt.Sprintf("case-%d", i+1))
		}
		res, err := runCase(r, w, e, session.Env{}, dir)
		if err != nil {
			return err
		}
		res.dir = dir
		results = append(results, res)
		worst = max(worst, res.code)
		if r.ctx.Err() != nil {
			break
		}
	}
	if len(results) > 1 {
		printMatrix(w, results)
		if f.out != "" {
			if err := compareCases(w, f.out, results); err != nil {
				return err
			}
		}
	}
	if err := r.caught(); err != nil {
		return err
	}
	switch worst {
	case exitBadInput:
		return exitError{code: exitBadInput, msg: "a fault could not be started or reverted"}
	case exitVerdict:
		return exitError{code: exitVerdict, msg: "an assumption did not hold"}
	}
	return nil
}

type caseResult struct {
	exp   *experiments.Experiment
	final session.Snapshot
	code  int
	dir   string // its journal and report ("" without --out)
}

// runCase runs one experiment headless and writes its journal and report.
func runCase(r *gamedayRun, w io.Writer, e *experiments.Experiment, env session.Env, dir string) (caseResult, error) {
	fmt.Fprintf(w, "gameday run: %s (schedule %s)\n", title(e), experiments.FormatDuration(experiments.PlanOf(e.Schedule).End().Seconds()))
	sess, err := r.newSession(e, env, dir)
	if err != nil {
		return caseResult{}, err
	}
	res, err := session.RunSchedule(r.ctx, sess.Session, func(line string) { fmt.Fprintln(w, "  "+line) })
	if cerr := sess.closeJournal(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("journal: %w", cerr))
	}
	if err != nil {
		return caseResult{}, startError{err}
	}
	final := res.Final
	verdict := final.Verdict()
	fmt.Fprintf(w, "verdict: %s\n", strings.ToUpper(string(verdict)))
	printFinals(w, final)
	if dir != "" {
		if err := writeReport(dir); err != nil {
			return caseResult{}, startError{fmt.Errorf("report: %w", err)}
		}
		fmt.Fprintf(w, "report: %s\n", dir)
	}
	code := exitOK
	switch {
	case res.FaultErrors > 0:
		code = exitBadInput
	case verdict != assume.VerdictPassed:
		code = exitVerdict
	}
	return caseResult{exp: e, final: final, code: code}, nil
}

// title names an experiment and its matrix case.
func title(e *experiments.Experiment) string {
	if e.Case == "" {
		return e.Name
	}
	return e.Name + " [" + e.Case + "]"
}

// printMatrix summarises the cases of a matrix side by side.
func printMatrix(w io.Writer, rs []caseResult) {
	fmt.Fprintln(w, "\nmatrix:")
	for _, r := range rs {
		marks := []string{}
		for _, a := range r.final.Finals() {
			marks = append(marks, a.Symbol+" "+a.Name)
		}
		fmt.Fprintf(w, "  %-8s %-28s %s\n", strings.ToUpper(string(r.final.Verdict())), r.exp.Case, strings.Join(marks, "  "))
	}
}
