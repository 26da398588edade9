package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/session"
	"github.com/gameday-dev/gameday/inject"
)

// gamedayRun is what every game day holds, with the cockpit or without:
// the state file, the log and the signal watch.
type gamedayRun struct {
	*signalWatch
	state       *inject.StateFile
	log         *slog.Logger
	logFile     *os.File
	metrics     *session.Metrics // nil without --metrics-addr
	stopMetrics func()
}

// openRun opens the log at logPath and starts watching signals. The state
// file comes opened (openState), so that a dead gameday's faults are the
// first thing said.
func openRun(g *globals, state *inject.StateFile, logPath string) (*gamedayRun, error) {
	f, err := openLog(logPath)
	if err != nil {
		return nil, usageError{fmt.Errorf("--log-file: %w", err)}
	}
	r := &gamedayRun{state: state, logFile: f, log: slog.New(slog.NewJSONHandler(f, nil))}
	// Before anything starts: a bad --metrics-addr is said at once.
	if r.metrics, r.stopMetrics, err = serveMetrics(g.metricsAddr, r.log); err != nil {
		_ = f.Close()
		return nil, err
	}
	r.signalWatch = watchSignals(func(s os.Signal) {
		r.log.Warn("signal: halting every fault and stopping", "signal", s.String())
	})
	r.log.Info("gameday starting", "pid", os.Getpid())
	return r, nil
}

func (r *gamedayRun) close() {
	r.stop()
	r.stopMetrics()
	r.log.Info("gameday stopped")
	_ = r.logFile.Close()
}

// openLog opens the log file, creating its directory.
func openLog(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}

// runSession is a session with what gameday gives it: the run's logger
// and state file, gameday's metrics, and a journal when --out is set.
type runSession struct {
	*session.Session
	journal *journal.Writer // nil without --out
}

// newSession builds e's session, with its journal in dir ("" = none).
// The caller stops the metrics and closes the journal.
func (r *gamedayRun) newSession(e *experiments.Experiment, env session.Env, dir string, more ...session.Option) (*runSession, error) {
	s := &runSession{}
	opts := []session.Option{session.WithLogger(r.log), session.WithRecorder(r.state), session.WithMetrics(r.metrics)}
	opts = append(opts, more...)
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, usageError{fmt.Errorf("--out: %w", err)}
		}
		var err error
		if s.journal, err = journal.Create(filepath.Join(dir, "journal.jsonl"), version()); err != nil {
			return nil, usageError{fmt.Errorf("--out: %w", err)}
		}
		opts = append(opts, session.WithSink(s.journal))
	}
	var err error
	if s.Session, err = session.NewSession(e, env, opts...); err != nil {
		_ = s.closeJournal()
		return nil, startError{err}
	}
	return s, nil
}

func (s *runSession) closeJournal() error {
	if s.journal == nil {
		return nil
	}
	return s.journal.Close()
}

// printFinals prints each assumption's outcome, a line each, and the
// guardrail that aborted the run, if one did.
func printFinals(w io.Writer, final session.Snapshot) {
	for _, a := range final.Finals() {
		fmt.Fprintf(w, "  %s %s\n", a.Symbol, a.Text)
	}
	if final.Aborted != "" {
		fmt.Fprintf(w, "  ✗ aborted by guardrail %s\n", final.Aborted)
	}
	for _, b := range final.Blocks {
		if b.Phase == session.PhaseStuck {
			fmt.Fprintf(w, "  ✗ %s could not be halted and may still be on (%s): run `gameday recover`\n", b.Name, b.Err)
		}
	}
}
