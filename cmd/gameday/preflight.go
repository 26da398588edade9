package main

import (
	"fmt"
	"io"

	"github.com/gameday-dev/gameday/experiments"
)

// printDryRun prints the pre-flight of e (what it would touch, block by
// block, and its schedule) under a line that says nothing is injected.
func printDryRun(w io.Writer, e *experiments.Experiment, what string) error {
	if _, err := fmt.Fprintf(w, "%s: %s: nothing is injected\n\n", what, title(e)); err != nil {
		return err
	}
	if err := experiments.WritePreview(w, e.Preview()); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w)
	return err
}

// previewPlay is `gameday play --dry-run`: the pre-flight of one case of
// the file, without a terminal, a state file or anything started.
func previewPlay(w io.Writer, file string, matrixCase int) error {
	exps, err := experiments.LoadFile(file)
	if err != nil {
		return usageError{err}
	}
	if matrixCase < 1 || matrixCase > len(exps) {
		return usageError{fmt.Errorf("--case %d: %s has %s", matrixCase, file, experiments.Count(len(exps), "case", "cases"))}
	}
	return printDryRun(w, exps[matrixCase-1], "pre-flight")
}
