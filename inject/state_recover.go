package inject

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
)

// RecoverOptions changes what Recover does.
type RecoverOptions struct {
	// Force reverts also the entries of gameday processes that are still
	// running (whose faults are on on purpose, as far as Recover knows).
	Force bool
}

// Recover reverts the entries, the last recorded first, and removes those
// it reverted. It leaves alone the entries of another gameday process that
// is still running, unless opts.Force. Every action, or decision not to
// act, is reported (report may be nil) in a line a person can read. An
// entry whose revert fails stays, and the error names it and says why.
//
// Before it reverts anything, Recover takes the entries over (they name
// this process as their owner from then on), so that two Recovers never
// revert the same entry, and an entry whose revert fails is left to the
// next Recover once this process has exited.
//
//	sigcont  SIGCONT to the PID (its group when Group), only if it is still
//	         the process that was paused (same start time); else nothing
//	command  RunCommand of the revert, with this process's environment
//	toxic    delete the toxic (one already gone is fine)
//	killed   nothing can undo it: reported, then removed
func (s *StateFile) Recover(ctx context.Context, opts RecoverOptions, report func(line string)) error {
	if report == nil {
		report = func(string) {}
	}
	var todo []PendingRevert
	err := s.change(func(d *stateDoc) (bool, error) {
		changed := false
		for i, e := range d.Entries {
			if !s.owns(e) && sameProcess(e.PID, e.PIDStart) {
				if !opts.Force {
					report(fmt.Sprintf("%s: still owned by running gameday pid %d; left alone", e.Key, e.PID))
					continue
				}
				report(fmt.Sprintf("%s: owned by running gameday pid %d; reverting it anyway (forced)", e.Key, e.PID))
			}
			if !s.owns(e) {
				d.Entries[i].PID, d.Entries[i].PIDStart = s.self.pid, s.self.start
				changed = true
			}
			todo = append(todo, d.Entries[i])
		}
		return changed, nil
	})
	if err != nil {
		return err
	}
	slices.SortStableFunc(todo, func(a, b PendingRevert) int { return b.Recorded.Compare(a.Recorded) })

	var errs []error
	for _, e := range todo {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("inject: recover %s: not reverted: %w", e.Key, err))
			continue
		}
		line, err := revertEntry(ctx, e, report)
		if err != nil {
			errs = append(errs, fmt.Errorf("inject: recover %s: %w; it stays in %s", e.Key, err, s.path))
			continue
		}
		report(line)
		if err := s.Forget(e.Key); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// revertEntry undoes one entry and returns the line that says what it did.
func revertEntry(ctx context.Context, e PendingRevert, report func(string)) (string, error) {
	r := e.Revert
	name := e.Key
	if _, after, ok := strings.Cut(e.Key, "/"); ok {
		name = after // "pause/payments": payments
	}
	switch r.Kind {
	case RevertSIGCONT:
		return resume(name, r)
	case RevertCommand:
		if r.Command == nil {
			return "", errors.New("no revert command recorded")
		}
		var unset []string
		for _, n := range r.EnvNames {
			if _, ok := os.LookupEnv(n); !ok {
				unset = append(unset, n)
			}
		}
		if len(unset) > 0 {
			report(fmt.Sprintf("%s: %s not set here; the revert command runs without", e.Key, strings.Join(unset, ", ")))
		}
		out := func(stream, line string) { report("  " + stream + ": " + line) }
		if err := RunCommand(ctx, *r.Command, out); err != nil {
			return "", fmt.Errorf("revert command failed: %w", err)
		}
		return "ran revert command: " + r.Command.String(), nil
	case RevertToxic:
		if r.Toxic == nil {
			return "", errors.New("no toxic recorded")
		}
		gone, err := deleteToxic(ctx, *r.Toxic)
		if err != nil {
			return "", err
		}
		if gone {
			return r.Toxic.String() + " is gone already; nothing to delete", nil
		}
		return "deleted " + r.Toxic.String(), nil
	case RevertKilled:
		return fmt.Sprintf("process %s (pid %d) was killed by gameday and not started again; nothing can undo that: start it yourself if it should run", name, r.PID), nil
	}
	return "", fmt.Errorf("unknown kind %q (recorded by a newer gameday?)", r.Kind)
}

// resume sends SIGCONT to a recorded paused process, if it still runs
// and is the same process (its PID may have been reused).
func resume(name string, r Revert) (string, error) {
	who := fmt.Sprintf("process %s (pid %d)", name, r.PID)
	switch {
	case r.PID <= 0:
		return "", fmt.Errorf("%s: not a process ID", who)
	case r.StartTime == 0:
		return fmt.Sprintf("%s: no start time recorded, so gameday cannot tell whether pid %d is still that process; not signalled: "+
			"if it is, resume it with kill -CONT %d", who, r.PID, r.PID), nil
	case !alive(r.PID):
		return who + " is gone; nothing to resume", nil
	case !sameProcess(r.PID, r.StartTime):
		return fmt.Sprintf("%s is gone, and pid %d is another process now; nothing to resume, not signalled", who, r.PID), nil
	}
	switch err := signalPID(r.PID, r.Group, syscall.SIGCONT); {
	case errors.Is(err, syscall.ESRCH):
		return who + " is gone; nothing to resume", nil
	case err != nil:
		return "", fmt.Errorf("%s: %v: %w", who, syscall.SIGCONT, err)
	case r.Group:
		return fmt.Sprintf("resumed %s with SIGCONT (to its process group)", who), nil
	}
	return fmt.Sprintf("resumed %s with SIGCONT", who), nil
}
