package main

import (
	"context"
	"fmt"
	"io"

	"github.com/gameday-dev/gameday/experiments"
)

// printDryRun prints the pre-flight of e (what it would touch, block by
// block, and its schedule) under a line that says nothing is injected.
// A file with Kubernetes targets has its clusters asked first
// (checkClusters); what they refuse is a usage error.
func printDryRun(w io.Writer, e *experiments.Experiment, what string) error {
	p, err := checkClusters(e)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "%s: %s: nothing is injected\n\n", what, title(e)); err != nil {
		return err
	}
	if err := experiments.WritePreview(w, p); err != nil {
		return err
	}
	_, err = fmt.Fprintln(w)
	return err
}

// checkClusters is e's preview, with the pods its Kubernetes targets pick
// as their clusters say, after a dry run of every Chaos Mesh object
// (Experiment.CheckClusters): anything a cluster refuses, or a cluster
// that cannot be reached, is a usage error (exit 2) before anything
// starts.
func checkClusters(e *experiments.Experiment) (experiments.Preflight, error) {
	p := e.Preview()
	if !e.HasKubernetes() {
		return p, nil
	}
	if err := e.CheckClusters(context.Background(), &p); err != nil {
		return p, usageError{err}
	}
	return p, nil
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
