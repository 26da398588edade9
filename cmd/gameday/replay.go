package main

import (
	"errors"
	"fmt"
	"os"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spf13/cobra"

	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/tui"
)

func newReplayCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "replay JOURNAL",
		Short: "Play a recorded game day back in the cockpit",
		Long: `replay plays a journal (written by gameday run, demo --headless, or the
cockpit with --out) back in the cockpit, for demos after the fact: space
pauses, 1 and 0 play at 1× and 10×, ← and → move by 10 s, pgup and pgdn
by a minute, q quits. Nothing is injected.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runReplay(args[0]) },
	}
}

func runReplay(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return usageError{err}
	}
	r, err := journal.ReadReplay(f) // as a stream: the replay keeps state changes only
	f.Close()
	if err != nil {
		return usageError{fmt.Errorf("%s: %w", path, err)}
	}
	if err := needTerminal(); err != nil {
		return err
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { defer close(done); r.Run(stop) }()
	p := tea.NewProgram(tui.New(r, tui.DefaultStyles()), tea.WithAltScreen())
	_, err = p.Run()
	close(stop)
	<-done
	if errors.Is(err, tea.ErrProgramPanic) {
		return fmt.Errorf("cockpit: %w", err) // Bubble Tea wraps it with ErrProgramKilled
	}
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return fmt.Errorf("cockpit: %w", err)
	}
	return nil
}
