package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/gameday-dev/gameday/experiments/report"
	"github.com/gameday-dev/gameday/experiments/report/compare"
	"github.com/gameday-dev/gameday/inject"
)

func newCompareCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "compare RUN RUN [RUN...]",
		Short: "Compare runs side by side",
		Long: `compare reads two or more runs, each a directory holding journal.jsonl
(as --out writes it) or a journal file, and prints them side by side: per
assumption and run the verdict, the worst value, the time violated and the
recovery time, then what changed from the first run to each other one
("recovered in 6.5s vs 1.2s"). With --out DIR it writes compare.md and a
self-contained compare.html (the runs' charts overlaid on one time axis,
each from its start, their fault windows shaded) into DIR.

It is a report: it exits 0 whatever the runs' verdicts, and 2 when a run
cannot be read (missing, unreadable, not a journal).`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usageError{fmt.Errorf("compare needs at least two runs (directories or journals), got %d", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runCompare(cmd.OutOrStdout(), args, out) },
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for compare.md and compare.html (default: none written)")
	return cmd
}

func runCompare(w io.Writer, args []string, out string) error {
	runs := make([]compare.Run, 0, len(args))
	for _, arg := range args {
		run, err := readRun(arg)
		if err != nil {
			return err
		}
		runs = append(runs, run)
	}
	return writeComparison(w, compare.Compare(runs), out)
}

// readRun reads a run given on the command line: a directory holding
// journal.jsonl (named by the directory), or a journal (named by its
// experiment and case). Its errors name the argument.
func readRun(arg string) (compare.Run, error) {
	st, err := os.Stat(arg)
	if err != nil {
		return compare.Run{}, usageError{fmt.Errorf("%s: %w", arg, pathErr(err))}
	}
	path, run := arg, compare.Run{}
	if st.IsDir() {
		path = filepath.Join(arg, "journal.jsonl")
		run.Dir = arg
		run.Name = filepath.Base(filepath.Clean(arg))
		if abs, err := filepath.Abs(arg); err == nil {
			run.Name = filepath.Base(abs)
		}
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return compare.Run{}, usageError{fmt.Errorf("%s: a directory without journal.jsonl (want a run's --out directory or a journal)", arg)}
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return compare.Run{}, usageError{fmt.Errorf("%s: %w", arg, pathErr(err))}
	}
	defer f.Close()
	if run.Report, err = report.Read(f); err != nil {
		return compare.Run{}, usageError{fmt.Errorf("%s: not a journal gameday can read: %w", arg, err)}
	}
	return run, nil
}

// pathErr is err without the path it repeats (the argument says it).
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// writeComparison prints the comparison and writes compare.md and
// compare.html into out ("" = nowhere).
func writeComparison(w io.Writer, c *compare.Comparison, out string) error {
	if err := c.Text(w); err != nil {
		return err
	}
	if out == "" {
		return nil
	}
	if err := c.WriteDir(out); err != nil {
		return startError{err}
	}
	fmt.Fprintf(w, "\ncomparison:\n")
	printCompareFiles(w, out)
	return nil
}

// demoLevels are the resilience settings demo --compare puts side by side.
var demoLevels = [...]string{"none", "hardened"}

// runDemoCompare runs the demo's schedule headless without resilience,
// then hardened, each into its own directory of --out (a new temporary
// directory without it), and compares them. Like compare, it exits 0
// whatever the verdicts; 2 when a fault could not start or revert.
func runDemoCompare(w io.Writer, g *globals, f demoFlags, exe string, state *inject.StateFile) error {
	if f.room.serve != "" {
		return usageError{fmt.Errorf("--serve: a room watches a live game day, not --compare")}
	}
	out := f.out
	if out == "" {
		dir, err := os.MkdirTemp("", "gameday-demo-compare-")
		if err != nil {
			return startError{err}
		}
		out = dir
	}
	var runs []compare.Run
	for _, level := range demoLevels {
		run := f
		run.resilience, run.out, run.headless = level, filepath.Join(out, level), true
		err := runDemoHeadless(g, run, exe, state)
		var exit exitError
		if err != nil && !(errors.As(err, &exit) && exit.code == exitVerdict) {
			return err
		}
		r, err := readReport(filepath.Join(run.out, "journal.jsonl"))
		if err != nil {
			return startError{err}
		}
		runs = append(runs, compare.Run{Name: level, Dir: run.out, Report: r})
		fmt.Fprintln(w)
	}
	return writeComparison(w, compare.Compare(runs), out)
}

// compareCases writes the comparison of a matrix's cases, each in its
// directory, into out, and says where (the matrix's lines above sum it
// up).
func compareCases(w io.Writer, out string, results []caseResult) error {
	var runs []compare.Run
	for i, res := range results {
		r, err := readReport(filepath.Join(res.dir, "journal.jsonl"))
		if err != nil {
			return startError{err}
		}
		name := res.exp.Case
		if name == "" {
			name = fmt.Sprintf("case-%d", i+1)
		}
		runs = append(runs, compare.Run{Name: name, Dir: res.dir, Report: r})
	}
	if err := compare.Compare(runs).WriteDir(out); err != nil {
		return startError{err}
	}
	fmt.Fprintf(w, "comparison of the cases:\n")
	printCompareFiles(w, out)
	return nil
}

func printCompareFiles(w io.Writer, out string) {
	for _, f := range []string{"compare.md", "compare.html"} {
		fmt.Fprintf(w, "  %s\n", filepath.Join(out, f))
	}
}
