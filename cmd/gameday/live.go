package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/term"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
	"github.com/gameday-dev/gameday/inject"
	"github.com/gameday-dev/gameday/tui"
	"github.com/gameday-dev/gameday/tui/seats"
)

// liveRun is what an interactive game day needs around its session: a
// gameday run, and cleanups that run exactly once whatever ends the run
// (quit, a signal, a panic).
type liveRun struct {
	*gamedayRun
	room      *seats.Server // nil unless served to a room (--serve)
	preflight bool          // the game day waits at its pre-flight (no --yes)
	cleanups  []func()
	once      sync.Once
}

// startLive opens the run. In the cockpit, ctrl+c is a key, not a signal:
// the signals come from kill, or SIGHUP from a terminal that closed. With
// --serve, the room's server is bound here, before anything starts; it
// closes after every fault was halted.
func startLive(g *globals, state *inject.StateFile, logPath string, rf roomFlags, room *experiments.Room) (*liveRun, error) {
	r, err := openRun(g, state, logPath)
	if err != nil {
		return nil, err
	}
	l := &liveRun{gamedayRun: r, preflight: !rf.yes}
	if l.room, err = listenRoom(g, rf, room, r.log, os.Stdout); err != nil {
		r.close()
		return nil, err
	}
	if l.room != nil {
		l.onCleanup(func() { l.room.Shutdown(2 * time.Second) })
	}
	return l, nil
}

func (l *liveRun) onCleanup(f func()) { l.cleanups = append(l.cleanups, f) }

// cleanup runs the cleanups, newest first, once.
func (l *liveRun) cleanup() {
	l.once.Do(func() {
		for i := len(l.cleanups) - 1; i >= 0; i-- {
			l.cleanups[i]()
		}
	})
}

// recoverPanic turns a panic on the main goroutine into an error after
// the cleanups have run, so that no fault and no child outlives it.
func (l *liveRun) recoverPanic(err *error) {
	if r := recover(); r != nil {
		l.log.Error("panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		l.cancel()
		l.cleanup()
		*err = fmt.Errorf("internal error: %v (every fault was halted; the stack is in the log)", r)
	}
}

func (l *liveRun) close() {
	l.cleanup()
	l.gamedayRun.close()
}

// run runs the session under the cockpit until the operator quits, a
// signal arrives or the session ends. Every fault is halted before it
// returns the final snapshot.
func (l *liveRun) run(sess *session.Session) (session.Snapshot, error) {
	sessCtx, stopSess := context.WithCancel(context.Background())
	sessErr := make(chan error, 1)
	go func() { sessErr <- sess.Run(sessCtx) }()
	var (
		once   sync.Once
		runErr error
	)
	// stop ends the session and waits until every fault is halted, or
	// given up on after the injector timeout (then the final snapshot
	// says which may still be on). A slow halt (a revert command, a
	// remote API) is said on the terminal, with the faults it waits for.
	stop := func() session.Snapshot {
		once.Do(func() {
			stopSess()
			runErr = waitHalted(sess, sessErr, os.Stderr)
			if runErr != nil {
				l.log.Error("session ended with an error", "err", runErr)
			}
		})
		return sess.Final()
	}
	l.onCleanup(func() { stop() })

	cockpit := tui.New(sess, tui.DefaultStyles())
	leave := func() {}
	if l.room != nil {
		go l.room.Serve(sess)
		var (
			src  tui.Source
			seat tui.Seat
		)
		src, seat, leave = l.room.Local(sess, facilitatorName())
		cockpit = tui.New(src, tui.DefaultStyles()).WithSeat(seat).WithServing(l.room.JoinCommand())
	}
	p := tea.NewProgram(withTestHooks(cockpit),
		tea.WithAltScreen(), tea.WithContext(l.ctx), tea.WithoutSignalHandler())
	_, err := p.Run()
	leave()
	final := stop()
	if sig := l.caught(); sig != nil {
		return final, sig
	}
	if runErr != nil {
		return final, fmt.Errorf("%w (every fault was halted; see the log)", runErr)
	}
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return final, fmt.Errorf("cockpit: %w", err)
	}
	if errors.Is(err, tea.ErrProgramPanic) {
		return final, fmt.Errorf("cockpit: %w (every fault was halted; see the log)", err)
	}
	return final, nil
}

// waitHalted waits for the end of a session that was told to end, and
// says on w which faults it waits for, every two seconds once one has
// taken a second.
func waitHalted(sess *session.Session, errc <-chan error, w io.Writer) error {
	snaps := sess.Snapshots()
	var said time.Time
	for {
		select {
		case err := <-errc:
			return err
		case snap, ok := <-snaps:
			if !ok {
				snaps = nil
				continue
			}
			if names := snap.Waiting(time.Second); len(names) > 0 && time.Since(said) >= 2*time.Second {
				said = time.Now()
				fmt.Fprintf(w, "gameday: halting every fault… waiting for %s\n", strings.Join(names, ", "))
			}
		}
	}
}

// needTerminal refuses to draw the cockpit where there is no terminal.
func needTerminal() error {
	if !term.IsTerminal(os.Stdin.Fd()) || !term.IsTerminal(os.Stdout.Fd()) {
		return usageError{errors.New("the cockpit needs a terminal (stdin and stdout); `gameday run` is the headless way")}
	}
	return nil
}

// printVerdicts prints how the game day ended, a line per assumption.
func printVerdicts(w io.Writer, final session.Snapshot) {
	if final.Started.IsZero() {
		return
	}
	halted := "every fault was halted"
	if n := final.Stuck(); n > 0 {
		halted = experiments.Count(n, "fault", "faults") + " could not be halted and may still be on"
	}
	fmt.Fprintf(w, "gameday: %s ended after %s; %s.\n",
		final.Name, experiments.FormatDuration(final.Elapsed().Seconds()), halted)
	printFinals(w, final)
}
