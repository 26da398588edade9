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
// is still running (see Owner.Running), unless opts.Force, and those that
// another running Recover is reverting. Every action, or decision not to
// act, is reported (report may be nil) in a line a person can read; a
// revert command is shown as Revert.ShownCommand, never with its
// arguments. An entry whose revert fails stays, and the error names it
// and says why.
//
// Before it reverts anything, Recover takes the entries over (TakenBy
// names this process), so that two Recovers never revert the same entry,
// and an entry whose revert fails is left to the next Recover once this
// process has exited.
//
// Recover trusts nothing it did not write: it signals a process only if
// the entry names it by PID (above 1) and start time, in this boot, and
// it runs as this user; its process group only if gameday made that
// group (Revert.Group) and the process still leads it.
//
//	sigcont  SIGCONT to the PID (its group when Group), only if it is still
//	         the process that was paused; else nothing
//	command  RunCommand of the revert, with this process's environment
//	toxic    delete the toxic (one already gone is fine)
//	chaos    delete the Chaos Mesh object and wait until it is gone, and
//	         every other object of its kind that its session labelled in
//	         its namespace (one already gone is fine)
//	killed   nothing can undo it: reported, then removed
func (s *StateFile) Recover(ctx context.Context, opts RecoverOptions, report func(line string)) error {
	if report == nil {
		report = func(string) {}
	}
	var todo []PendingRevert
	err := s.change(func(d *stateDoc) (bool, error) {
		changed := false
		for i, e := range d.Entries {
			if e.TakenBy != nil && !e.TakenBy.is(s.self) && e.TakenBy.Running() {
				report(fmt.Sprintf("%s: gameday recover pid %d is reverting it; left alone", e.Key, e.TakenBy.PID))
				continue
			}
			if !s.owns(e) && e.Owner.Running() {
				if !opts.Force {
					report(fmt.Sprintf("%s: still owned by running %s; left alone", e.Key, e.Owner))
					continue
				}
				report(fmt.Sprintf("%s: owned by running %s; reverting it anyway (forced)", e.Key, e.Owner))
			}
			if !s.owns(e) && (e.TakenBy == nil || !e.TakenBy.is(s.self)) {
				me := s.self
				d.Entries[i].TakenBy = &me
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
		if err := s.remove(e.Owner, e.Key); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// revertEntry undoes one entry and returns the line that says what it did.
func revertEntry(ctx context.Context, e PendingRevert, report func(string)) (string, error) {
	r := e.Revert
	if r.Target == "" {
		r.Target = e.Key
	}
	switch r.Kind {
	case RevertSIGCONT:
		return resume(e.Owner, r)
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
		// Its output is shown only when the session said nothing in the
		// command is secret (Shown is the command as it is): a command
		// that carries a secret may print it.
		open := r.Shown != "" && r.Shown == r.Command.String()
		var out func(stream, line string)
		if open {
			out = func(stream, line string) { report("  " + stream + ": " + line) }
		}
		if err := RunCommand(ctx, *r.Command, out); err != nil {
			var ce *CommandError
			if errors.As(err, &ce) {
				ce.Command = r.ShownCommand() // its arguments may hold secrets
				if !open && len(ce.Output) > 0 {
					ce.Output = []string{"(its output is not shown: the command may carry secrets; run it yourself to see it)"}
				}
			}
			return "", fmt.Errorf("revert command failed: %w", err)
		}
		return "ran revert command: " + r.ShownCommand(), nil
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
	case RevertChaos:
		if r.Chaos == nil {
			return "", errors.New("no Chaos Mesh object recorded")
		}
		return recoverChaos(ctx, *r.Chaos, report)
	case RevertKilled:
		return fmt.Sprintf("process %s (pid %d) was killed by gameday and not started again; nothing can undo that: start it yourself if it should run", r.Target, r.PID), nil
	}
	return "", fmt.Errorf("unknown kind %q (recorded by a newer gameday?)", r.Kind)
}

// resume sends SIGCONT to a recorded paused process, if it still runs,
// is the same process (its PID may have been reused, or the machine
// restarted), and runs as this user. An entry that names no process
// gameday could have paused is refused, not signalled, and removed.
func resume(by Owner, r Revert) (string, error) {
	who := fmt.Sprintf("process %s (pid %d)", r.Target, r.PID)
	switch {
	case r.PID <= 1:
		return fmt.Sprintf("%s: not a process gameday pauses; not signalled (the entry is dropped)", who), nil
	case by.Boot != "" && bootID() != "" && by.Boot != bootID():
		return fmt.Sprintf("%s: paused before the machine restarted, so it is gone; nothing to resume, not signalled", who), nil
	case r.StartTime == 0:
		return fmt.Sprintf("%s: no start time recorded, so gameday cannot tell whether pid %d is still that process; not signalled: "+
			"if it is, resume it with kill -CONT %d", who, r.PID, r.PID), nil
	case !alive(r.PID):
		return who + " is gone; nothing to resume", nil
	case !sameProcess(r.PID, r.StartTime):
		return fmt.Sprintf("%s is gone, and pid %d is another process now; nothing to resume, not signalled", who, r.PID), nil
	}
	if uid, err := procUID(r.PID); err != nil {
		return "", fmt.Errorf("%s: cannot tell which user it runs as (%v); not signalled", who, err)
	} else if me := os.Geteuid(); uid != me {
		return fmt.Sprintf("%s runs as uid %d, not as you (uid %d): gameday did not pause it for you; not signalled", who, uid, me), nil
	}
	group := r.Group && leadsGroup(r.PID)
	switch err := signalPID(r.PID, group, syscall.SIGCONT); {
	case errors.Is(err, syscall.ESRCH):
		return who + " is gone; nothing to resume", nil
	case err != nil:
		return "", fmt.Errorf("%s: %v: %w", who, syscall.SIGCONT, err)
	case group:
		return fmt.Sprintf("resumed %s with SIGCONT (to the process group gameday made for it)", who), nil
	}
	return fmt.Sprintf("resumed %s with SIGCONT", who), nil
}
