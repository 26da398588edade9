package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/inject"
)

func newRecoverCmd(g *globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "recover",
		Short: "Revert faults left behind by a gameday that died",
		Long: `recover reverts every fault recorded in the state file as not yet
reverted: it resumes paused processes, runs revert commands and removes
Toxiproxy toxics. It reports each action, leaves alone what a running
gameday still owns (unless --force), and exits 0 when nothing is left to
revert, 2 when something could not be reverted.

It trusts nothing it did not write: it refuses a state file or directory
that another user owns or can write; it sends SIGCONT only to a process
that gameday recorded, that still has the recorded start time (in this
boot) and that runs as you, never to pid 1 or below, and to a process
group only when gameday made that group. Revert commands are shown
without their arguments (or as the session recorded them, secrets
masked).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRecover(cmd.OutOrStdout(), g.statePath, force)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "also revert faults that a running gameday owns")
	return cmd
}

func runRecover(w io.Writer, statePath string, force bool) error {
	sf, err := inject.OpenStateFile(statePath)
	if err != nil {
		return startError{err}
	}
	pending, err := sf.Pending()
	if err != nil {
		return startError{err}
	}
	if len(pending) == 0 {
		fmt.Fprintf(w, "gameday recover: nothing to revert (%s)\n", sf.Path())
		return nil
	}
	fmt.Fprintf(w, "gameday recover: %s recorded in %s\n", experiments.Count(len(pending), "fault", "faults"), sf.Path())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	err = sf.Recover(ctx, inject.RecoverOptions{Force: force}, func(line string) { fmt.Fprintln(w, "  "+line) })
	left, perr := sf.Pending()
	if err != nil || perr != nil || len(left) > 0 {
		fmt.Fprintf(w, "gameday recover: %s still recorded\n", experiments.Count(len(left), "fault", "faults"))
		return startError{errors.Join(err, perr, fmt.Errorf("%s not reverted", experiments.Count(len(left), "fault", "faults")))}
	}
	fmt.Fprintln(w, "gameday recover: everything reverted")
	return nil
}

// openState opens the state file for a game day and refuses to start
// while it holds faults that a dead gameday left on.
func (g *globals) openState() (*inject.StateFile, error) {
	sf, err := inject.OpenStateFile(g.statePath)
	if err != nil {
		return nil, startError{fmt.Errorf("state file: %w", err)}
	}
	pending, err := sf.Pending()
	if err != nil {
		return nil, startError{fmt.Errorf("state file: %w", err)}
	}
	var orphans []string
	for _, p := range pending {
		if p.Orphaned() {
			orphans = append(orphans, fmt.Sprintf("  %s (recorded %s by gameday pid %d, which has exited)", p.Key, p.Recorded.Format(time.RFC3339), p.Owner.PID))
		}
	}
	if len(orphans) > 0 {
		return nil, startError{fmt.Errorf("%s left on by a gameday that died, recorded in %s:\n%s\nrun `gameday recover` to revert them, then start again",
			experiments.Count(len(orphans), "fault", "faults"), sf.Path(), strings.Join(orphans, "\n"))}
	}
	return sf, nil
}
