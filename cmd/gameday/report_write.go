package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/gameday-dev/gameday/experiments/report"
)

// writeReport writes the report of dir/journal.jsonl into dir: summary.json,
// junit.xml, report.md (with its charts) and report.html.
func writeReport(dir string) error {
	j, err := readJournal(filepath.Join(dir, "journal.jsonl"))
	if err != nil {
		return err
	}
	return report.Write(dir, j)
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
	j, err := readJournal(path)
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Dir(path)
	}
	if err := report.Write(out, j); err != nil {
		return startError{err}
	}
	r := report.Build(j)
	fmt.Fprintf(w, "%s %s: %s\n%s\n", r.Symbol, r.Verdict, j.Header.Name, r.Headline)
	for _, f := range []string{"report.md", "report.html", "summary.json", "junit.xml"} {
		fmt.Fprintf(w, "  %s\n", filepath.Join(out, f))
	}
	return nil
}
