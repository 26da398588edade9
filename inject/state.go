package inject

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

var _ RevertRecorder = (*StateFile)(nil)

// StateFile records, before a fault acts, what must be reverted if
// gameday dies; Forget removes an entry once reverted. It is the
// RevertRecorder that outlives gameday: `gameday recover`, and the next
// start, call Recover on it.
//
// The file is JSON, rewritten whole at each change: written to a
// temporary file, fsynced, renamed over the old one, and its directory
// fsynced, so that a crash leaves either the old or the new content.
// Changes take an flock on PATH.lock, so several gameday processes (and
// several StateFile values in one process) can share one file.
//
// An entry is named by its owner (the gameday process that recorded it)
// and its key: two gamedays never clash over a key, and a dead one's
// entries stay for `gameday recover`. What two gamedays may not do is act
// on the same thing (pause one process, put one toxic): Record refuses
// that, and says who holds it.
//
// The file and its directory must belong to this user and not be
// writable by others (a directory in a world-writable one, such as /tmp,
// must not be open to others at all): recover acts on what the file says,
// so a file someone else can write is refused, with what to do about it.
//
// A command revert is stored without its environment's values, which may
// be secrets: only their names are kept (Revert.EnvNames), and Recover
// runs the command with its own environment. Argv is stored as it is, but
// never printed: see Revert.Shown.
type StateFile struct {
	path string
	self Owner

	mu sync.Mutex // one change at a time in this value; the flock orders the rest
}

// PendingRevert is one entry of a state file.
type PendingRevert struct {
	Key      string    `json:"key"`
	Owner    Owner     `json:"owner"`              // the gameday that recorded it
	TakenBy  *Owner    `json:"taken_by,omitempty"` // the gameday recover reverting it, if any
	Recorded time.Time `json:"recorded"`
	Revert   Revert    `json:"revert"`
}

type stateDoc struct {
	Version int             `json:"version"`
	Entries []PendingRevert `json:"entries"`
}

// Versions of the file. Version 1 named an entry by its key alone and its
// owner by PID and start time; version 2 names an entry by (owner, key),
// its owner also by executable and boot, and adds Revert.Shown and
// Revert.Target. A version 1 file is read and rewritten as version 2.
const (
	stateVersion  = 2
	stateLockWait = 30 * time.Second // how long a change waits for another process's
)

// DefaultStatePath returns $XDG_STATE_HOME/gameday/state.json, or else
// ~/.local/state/gameday/state.json, or else (no home directory) a
// directory of this user's own in the temporary directory,
// $TMPDIR/gameday-UID/state.json, which OpenStateFile creates with mode
// 0700 and refuses if someone else could have made or entered it.
func DefaultStatePath() string {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) { // the spec ignores a relative one
		return filepath.Join(d, "gameday", "state.json")
	}
	if home, err := os.UserHomeDir(); err == nil && filepath.IsAbs(home) {
		return filepath.Join(home, ".local", "state", "gameday", "state.json")
	}
	return tempStatePath()
}

// tempStatePath is the state file of a user without a home directory.
func tempStatePath() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("gameday-%d", os.Geteuid()), "state.json")
}

// OpenStateFile returns the state file at path, creating its directory
// with mode 0700 (the file itself appears at the first Record). It is an
// error if the file exists and cannot be read as a state file, or if the
// file or its directory is not this user's alone (see StateFile).
func OpenStateFile(path string) (*StateFile, error) {
	if path == "" {
		return nil, errors.New("inject: state file: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("inject: state file %s: %w", path, err)
	}
	s := &StateFile{path: path, self: self()}
	if _, err := s.Pending(); err != nil {
		return nil, err
	}
	return s, nil
}

// Path returns the file's path.
func (s *StateFile) Path() string { return s.path }

// Owner returns the gameday process this StateFile records as.
func (s *StateFile) Owner() Owner { return s.self }

func (s *StateFile) owns(e PendingRevert) bool { return e.Owner.is(s.self) }

// Record writes r under key, with this process as its owner, and returns
// once it is on disk; an entry of this process under key is replaced. It
// refuses r if another entry acts on the same thing (see Revert.Subject):
// another gameday's, running or dead and not yet recovered, or another
// key of this one (two faults on one process would undo each other).
func (s *StateFile) Record(key string, r Revert) error {
	if key == "" {
		return fmt.Errorf("inject: state file %s: record: empty key", s.path)
	}
	e := PendingRevert{Key: key, Owner: s.self, Recorded: time.Now(), Revert: storable(r)}
	subject := r.Subject()
	return s.change(func(d *stateDoc) (bool, error) {
		mine := -1
		for i, o := range d.Entries {
			if s.owns(o) && o.Key == key {
				mine = i
				continue
			}
			if subject == "" || o.Revert.Subject() != subject {
				continue
			}
			if s.owns(o) && o.Revert.Kind != r.Kind {
				continue // a pause and a kill of one process, in one gameday: its own business
			}
			return false, s.conflict(key, subject, o)
		}
		if mine >= 0 {
			d.Entries[mine] = e
			return true, nil
		}
		d.Entries = append(d.Entries, e)
		sortEntries(d.Entries)
		return true, nil
	})
}

// conflict says why key cannot be recorded: o acts on subject already.
func (s *StateFile) conflict(key, subject string, o PendingRevert) error {
	when, what := o.Recorded.Format(time.DateTime), o.Revert.effect()
	switch {
	case s.owns(o):
		return fmt.Errorf("record %s: this gameday has %s already (%s, since %s): two faults on one %s would undo each other; halt that one first",
			key, what, o.Key, when, strings.Fields(subject)[0])
	case o.Owner.Running():
		return fmt.Errorf("record %s: another game day, %s (still running), has had %s since %s (%s): "+
			"two game days acting on it would undo each other's faults; halt it there first, or pick another target",
			key, o.Owner, what, when, o.Key)
	case o.TakenBy != nil && o.TakenBy.Running():
		return fmt.Errorf("record %s: %s: gameday recover (pid %d) is reverting it; try again once it is done", key, what, o.TakenBy.PID)
	}
	return fmt.Errorf("record %s: %s, which has exited, left %s at %s (%s): run `gameday recover` first",
		key, o.Owner, what, when, o.Key)
}

func sortEntries(es []PendingRevert) {
	slices.SortFunc(es, func(a, b PendingRevert) int {
		return cmp.Or(strings.Compare(a.Key, b.Key), cmp.Compare(a.Owner.PID, b.Owner.PID), cmp.Compare(a.Owner.Start, b.Owner.Start))
	})
}

// storable returns r as the file keeps it: a command's environment
// without its values.
func storable(r Revert) Revert {
	if r.Command == nil || len(r.Command.Env) == 0 {
		return r
	}
	c := *r.Command
	names := slices.Clone(r.EnvNames)
	for _, kv := range c.Env {
		name, _, _ := strings.Cut(kv, "=")
		names = append(names, name)
	}
	c.Env = nil
	r.Command, r.EnvNames = &c, names
	return r
}

// Forget removes this process's entry under key once its fault is
// reverted. A key that is not there is fine; another gameday's entries
// under the same key are left alone.
func (s *StateFile) Forget(key string) error {
	return s.remove(s.self, key)
}

// remove removes the entry of owner o under key.
func (s *StateFile) remove(o Owner, key string) error {
	return s.change(func(d *stateDoc) (bool, error) {
		n := len(d.Entries)
		d.Entries = slices.DeleteFunc(d.Entries, func(e PendingRevert) bool { return e.Key == key && e.Owner.is(o) })
		return len(d.Entries) != n, nil
	})
}

// Pending returns the entries, ordered by key, then owner.
func (s *StateFile) Pending() ([]PendingRevert, error) {
	var out []PendingRevert
	err := s.change(func(d *stateDoc) (bool, error) {
		out = d.Entries
		return false, nil
	})
	return out, err
}

// change reads the file under the lock, lets fn change it, and writes it
// if fn says so.
func (s *StateFile) change(fn func(d *stateDoc) (changed bool, err error)) error {
	err := s.locked(func() error {
		d, err := s.read()
		if err != nil {
			return err
		}
		changed, err := fn(&d)
		if err != nil || !changed {
			return err
		}
		return s.write(d)
	})
	if err != nil {
		return fmt.Errorf("inject: state file %s: %w", s.path, err)
	}
	return nil
}

// locked runs fn holding s.mu and an exclusive flock on PATH.lock, once
// the directory and the lock file have passed checkPrivate.
func (s *StateFile) locked(fn func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := checkStateDir(filepath.Dir(s.path)); err != nil {
		return err
	}
	f, err := os.OpenFile(s.path+".lock", os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	defer f.Close() // also releases the lock
	if fi, err := f.Stat(); err != nil {
		return err
	} else if err := checkPrivate("lock file", f.Name(), fi, false); err != nil {
		return err
	}
	fd := int(f.Fd())
	deadline := time.Now().Add(stateLockWait)
	for wait := time.Millisecond; ; wait = min(2*wait, 10*time.Millisecond) {
		err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return fmt.Errorf("lock %s: %w", f.Name(), err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("another process has held the lock %s for more than %v", f.Name(), stateLockWait)
		}
		time.Sleep(wait)
	}
	defer syscall.Flock(fd, syscall.LOCK_UN)
	return fn()
}

// read reads the file (none yet: no entries), after checkPrivate, and
// migrates a version 1 file.
func (s *StateFile) read() (stateDoc, error) {
	d := stateDoc{Version: stateVersion}
	fi, err := os.Lstat(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return d, nil
	}
	if err != nil {
		return d, err
	}
	if err := checkPrivate("state file", s.path, fi, false); err != nil {
		return d, err
	}
	b, err := os.ReadFile(s.path)
	if err != nil || len(b) == 0 {
		return d, err
	}
	var head struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return d, fmt.Errorf("not a gameday state file (%v): move it aside, and revert by hand what it lists", err)
	}
	switch v := head.Version; {
	case v > stateVersion:
		return d, fmt.Errorf("written by a newer gameday (version %d; this one reads up to %d)", v, stateVersion)
	case v == 1:
		return readV1(b)
	case v != stateVersion:
		return d, fmt.Errorf("not a gameday state file (version %d): move it aside, and revert by hand what it lists", v)
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return d, fmt.Errorf("not a gameday state file (%v): move it aside, and revert by hand what it lists", err)
	}
	return d, nil
}

// write replaces the file with d: a temporary file, fsynced, renamed over
// it, and the directory fsynced.
func (s *StateFile) write(d stateDoc) error {
	d.Version = stateVersion
	if d.Entries == nil {
		d.Entries = []PendingRevert{}
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(s.path)
	tmp, err := os.CreateTemp(dir, ".state-*.tmp") // mode 0600
	if err != nil {
		return err
	}
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	df, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer df.Close()
	return df.Sync()
}
