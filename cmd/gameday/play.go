package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/session"
)

type playFlags struct {
	matrixCase int
	logFile    string
	out        string
	room       roomFlags
	dryRun     bool
}

func newPlayCmd(g *globals) *cobra.Command {
	var f playFlags
	cmd := &cobra.Command{
		Use:   "play FILE",
		Short: "Open the cockpit on an experiment file",
		Long: `play starts the experiment's targets (proxies, processes), its load and
probes, and opens the cockpit: pick a block, enter triggers it, x halts it,
! halts everything, a composes a new fault, w writes the composed ones into
FILE, q quits. Every fault is halted on the way out.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.dryRun {
				return previewPlay(cmd.OutOrStdout(), args[0], f.matrixCase)
			}
			return runPlay(g, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.matrixCase, "case", 1, "which case of the file's matrix to play (see gameday validate --expand)")
	fl.StringVar(&f.logFile, "log-file", defaultLogPath("play"), "where gameday writes its logs (JSON)")
	fl.StringVar(&f.out, "out", "", "directory for the journal, and the report written on quit")
	f.room.add(fl)
	fl.BoolVar(&f.dryRun, "dry-run", false, "print the pre-flight (what the game day would touch) and exit; start nothing")
	return cmd
}

func runPlay(g *globals, file string, f playFlags) (err error) {
	exps, err := experiments.LoadFile(file)
	if err != nil {
		return usageError{err}
	}
	if f.matrixCase < 1 || f.matrixCase > len(exps) {
		return usageError{fmt.Errorf("--case %d: %s has %s", f.matrixCase, file, experiments.Count(len(exps), "case", "cases"))}
	}
	exp := exps[f.matrixCase-1]
	preview, err := checkClusters(exp)
	if err != nil {
		return err
	}
	state, err := g.openState()
	if err != nil {
		return err // faults of a dead gameday come first
	}
	if err := needTerminal(); err != nil {
		return err
	}
	live, err := startLive(g, state, f.logFile, f.room, exp.Room)
	if err != nil {
		return err
	}
	defer live.close()
	defer live.recoverPanic(&err)
	return playExperiment(live, exp, session.Env{}, f.logFile, f.out, session.WithPreview(preview))
}

// playExperiment builds the session of exp and runs it under the cockpit,
// then prints the verdicts.
func playExperiment(live *liveRun, exp *experiments.Experiment, env session.Env, logFile, out string, opts ...session.Option) error {
	if live.preflight {
		opts = append(opts, session.WithPreflight())
	}
	sess, err := live.newSession(exp, env, out, opts...)
	if err != nil {
		if sig := live.caught(); sig != nil {
			return sig
		}
		return err
	}
	final, err := live.run(sess.Session)
	live.cleanup()
	printVerdicts(os.Stdout, final)
	printUnwritten(os.Stdout, final)
	if sess.journal != nil {
		if jerr := sess.closeJournal(); jerr != nil {
			fmt.Fprintf(os.Stdout, "gameday: the journal: %v\n", jerr)
		} else if rerr := writeReport(out); rerr != nil {
			fmt.Fprintf(os.Stdout, "gameday: the report: %v\n", rerr)
		} else {
			fmt.Fprintf(os.Stdout, "Report: %s\n", out)
		}
	}
	fmt.Fprintf(os.Stdout, "Log: %s\n", logFile)
	// The same exit codes as run: 0 every assumption held, 1 one did not
	// (or a guardrail aborted), 2 a fault that could not be reverted.
	switch {
	case err != nil:
	case final.Stuck() > 0:
		err = exitError{code: exitBadInput, msg: "a fault could not be reverted: run `gameday recover`"}
	case !final.Started.IsZero() && final.Verdict() != assume.VerdictPassed:
		err = exitError{code: exitVerdict, msg: "an assumption did not hold"}
	}
	return err
}
