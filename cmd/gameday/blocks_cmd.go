package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gameday-dev/gameday/experiments"
)

func newBlocksCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "blocks [FILE]",
		Short: "List the fault kinds, or the blocks of an experiment file",
		Long: `blocks lists the built-in fault kinds with the targets they act on and
their parameters; given an experiment file, it lists that file's blocks
(its own and those of its catalogs).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				printKinds(cmd.OutOrStdout())
				return nil
			}
			exps, err := experiments.LoadFile(args[0])
			if err != nil {
				return usageError{err}
			}
			printBlocks(cmd.OutOrStdout(), exps[0])
			return nil
		},
	}
}

func printKinds(w io.Writer) {
	fmt.Fprintln(w, "Fault kinds (blocks[].fault.kind), what they act on and their parameters:")
	for _, k := range experiments.FaultKinds() {
		fmt.Fprintf(w, "\n  %s on %s\n      %s\n", k.Kind, k.On, k.About)
		for _, p := range k.Params {
			fmt.Fprintf(w, "      %-12s %s\n", p.Name, p.About)
		}
	}
	fmt.Fprintln(w, "\nA block may also change a load (load: {target, factor}), follow a curve")
	fmt.Fprintln(w, "(step, ramp, pulse, sine, random-walk), or run other blocks in a sequence or")
	fmt.Fprintln(w, "in parallel. docs/experiments.md has every key.")
}

func printBlocks(w io.Writer, e *experiments.Experiment) {
	fmt.Fprintf(w, "Blocks of %q:\n", e.Name)
	for i, b := range e.Blocks {
		var what []string
		if s := b.Summary(); s != "" {
			what = append(what, s)
		}
		if b.Curve != nil {
			what = append(what, "curve "+b.Curve.Shape)
		}
		if b.Duration > 0 {
			what = append(what, "halts after "+experiments.FormatDuration(b.Duration.Seconds()))
		}
		fmt.Fprintf(w, "  %d  %-22s %s\n", i+1, b.Name, e.Redact(strings.Join(what, "; ")))
		if b.Description != "" {
			fmt.Fprintf(w, "     %-22s %s\n", "", b.Description)
		}
	}
}
