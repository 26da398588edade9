package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/gameday-dev/gameday/experiments/report"
)

// writeReport writes the report of dir/journal.jsonl into dir: summary.json,
// junit.xml, report.md (with its charts) and report.html.
func writeReport(dir string) error {
	r, err := readReport(filepath.Join(dir, "journal.jsonl"))
	if err != nil {
		return err
	}
	return r.WriteDir(dir)
}

// readReport reads a journal as a stream into its report, keeping only
// what the report shows.
func readReport(path string) (*report.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError{err}
	}
	defer f.Close()
	r, err := report.Read(f)
	if err != nil {
		return nil, usageError{fmt.Errorf("%s: %w", path, err)}
	}
	return r, nil
}

func newReportCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "report JOURNAL",
		Short: "Write the report of a recorded game day",
		Long: `report reads a journal and writes its report (summary.json, junit.xml,
report.md with its charts, and a self-contained report.html) into --out
(default: the journal's directory), then prints report.md's headline.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runReport(cmd.OutOrStdout(), args[0], out) },
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for the report (default: the journal's)")
	return cmd
}

func runReport(w io.Writer, path, out string) error {
	r, err := readReport(path)
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Dir(path)
	}
	if err := r.WriteDir(out); err != nil {
		return startError{err}
	}
	fmt.Fprintf(w, "%s %s: %s\n%s\n", r.Symbol, r.Verdict, r.Experiment.Name, r.Headline)
	for _, f := range []string{"report.md", "report.html", "summary.json", "junit.xml"} {
		fmt.Fprintf(w, "  %s\n", filepath.Join(out, f))
	}
	return nil
}
