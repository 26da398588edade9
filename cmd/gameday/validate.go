package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gameday-dev/gameday/experiments"
)

func newValidateCmd() *cobra.Command {
	var expand, cluster bool
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check experiment files",
		Long: `validate reads experiment files and reports every problem as
FILE:LINE:COLUMN: what was expected. It exits 2 when a file has a problem,
0 when all are valid (with a line on each). --expand prints every case of
a file's matrix. --cluster also asks each Kubernetes cluster the file
names: which pods each target picks (none is an error), and a dry run
(dryRun=All) of every Chaos Mesh object, which the server checks against
the kind's schema, RBAC and admission; nothing is made.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			return validate(cmd.OutOrStdout(), cmd.ErrOrStderr(), files, expand, cluster)
		},
	}
	cmd.Flags().BoolVar(&expand, "expand", false, "print every case of the matrix")
	cmd.Flags().BoolVar(&cluster, "cluster", false, "also ask the Kubernetes clusters: the pods each target picks, and a dry run of every Chaos Mesh object")
	return cmd
}

func validate(stdout, stderr io.Writer, files []string, expand, cluster bool) error {
	bad := 0
	for _, f := range files {
		exps, err := experiments.LoadFile(f)
		if err == nil && cluster {
			err = askClusters(stdout, exps)
		}
		if err != nil {
			bad++
			var fe experiments.FileErrors
			if errors.As(err, &fe) {
				for _, e := range fe {
					fmt.Fprintln(stderr, e.Error())
				}
			} else {
				fmt.Fprintf(stderr, "%s: %v\n", f, err)
			}
			continue
		}
		fmt.Fprintln(stdout, summary(f, exps))
		if expand {
			for i, e := range exps {
				printCase(stdout, i, len(exps), e)
			}
		}
	}
	if bad > 0 {
		return exitError{code: exitBadInput, msg: fmt.Sprintf("%d of %s have problems", bad, experiments.Count(len(files), "file", "files"))}
	}
	return nil
}

// askClusters checks every case's clusters and prints the pods each
// Kubernetes target picks.
func askClusters(w io.Writer, exps []*experiments.Experiment) error {
	for _, e := range exps {
		if !e.HasKubernetes() {
			continue
		}
		p, err := checkClusters(e)
		if err != nil {
			return errors.Unwrap(err)
		}
		for _, k := range p.Kubernetes {
			pods := k.Note
			if k.Checked {
				pods = experiments.Count(len(k.Pods), "pod", "pods") + ": " + strings.Join(k.Pods, ", ")
			}
			fmt.Fprintf(w, "  %s: %s\n", k.Name, pods)
		}
	}
	return nil
}

// summary is the one line validate prints for a valid file.
func summary(file string, exps []*experiments.Experiment) string {
	e := exps[0]
	parts := []string{
		count(len(e.Targets.Proxies)+len(e.Targets.Toxiproxy)+len(e.Targets.Processes)+len(e.Targets.Kubernetes), "target"),
		count(len(e.Loads), "load"), count(len(e.Probes), "probe"),
		count(len(e.Assumptions), "assumption"), count(len(e.Blocks), "block"),
	}
	if e.Schedule != nil {
		parts = append(parts, "a schedule of "+experiments.FormatDuration(experiments.PlanOf(e.Schedule).End().Seconds()))
	}
	if len(exps) > 1 {
		parts = append(parts, count(len(exps), "matrix case"))
	}
	return fmt.Sprintf("%s: ok: %q, %s", file, e.Name, strings.Join(parts, ", "))
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// printCase prints one case of a matrix: its name and its blocks.
func printCase(w io.Writer, i, n int, e *experiments.Experiment) {
	name := e.Case
	if name == "" {
		name = "(no matrix)"
	}
	fmt.Fprintf(w, "  case %d of %d: %s\n", i+1, n, e.Redact(name))
	for _, b := range e.Blocks {
		fmt.Fprintf(w, "    %-24s %s\n", b.Name, e.Redact(b.Summary()))
	}
}

// exitError ends the program with code after the command printed what it
// had to say.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }
