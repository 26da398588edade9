// Command gameday is a terminal cockpit for chaos-engineering game days.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/gameday-dev/gameday/experiments"
)

func main() {
	code := exitCode(run(os.Args[1:]), os.Stderr)
	writePeakRSS()
	os.Exit(code)
}

// run wires the command line to the packages.
func run(args []string) error {
	root := newRootCmd()
	root.SetArgs(args)
	return root.Execute()
}

// Exit codes.
const (
	exitOK       = 0
	exitVerdict  = 1 // an assumption did not hold
	exitBadInput = 2 // bad input, or a fault that could not start or revert
)

// usageError is bad input from the user: flags, arguments, files.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// startError is a failure to bring the experiment up.
type startError struct{ err error }

func (e startError) Error() string { return e.err.Error() }
func (e startError) Unwrap() error { return e.err }

// signalError says the run ended because of a signal.
type signalError struct{ sig syscall.Signal }

func (e signalError) Error() string { return "stopped by " + e.sig.String() }

// exitCode is the one place that maps errors to exit codes; it prints the
// error when there is something to say.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var (
		sig  signalError
		exit exitError
	)
	switch {
	case errors.As(err, &exit):
		return exit.code
	case errors.As(err, &sig):
		return 128 + int(sig.sig)
	case errors.Is(err, tea.ErrInterrupted):
		return 128 + int(syscall.SIGINT)
	}
	var fe experiments.FileErrors
	if errors.As(err, &fe) {
		for _, e := range fe {
			fmt.Fprintln(stderr, e.Error())
		}
		return exitBadInput
	}
	fmt.Fprintln(stderr, "gameday:", err)
	return exitBadInput
}
