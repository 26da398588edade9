package inject

import (
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
// several StateFile values in one process) can share one file; each entry
// names the gameday process that recorded it.
//
// A command revert is stored without its environment's values, which may
// be secrets: only their names are kept (Revert.EnvNames), and Recover
// runs the command with its own environment. Argv is stored as it is.
type StateFile struct {
	path string
	self owner

	mu sync.Mutex // one change at a time in this value; the flock orders the rest
}

// owner is a gameday process: its PID and start time (see procStartTime).
type owner struct {
	pid   int
	start uint64
}

// PendingRevert is one entry of a state file.
type PendingRevert struct {
	Key      string    `json:"key"`
	Revert   Revert    `json:"revert"`
	Recorded time.Time `json:"recorded"`
	PID      int       `json:"pid"`                 // the gameday that recorded it, or that took it over to revert it
	PIDStart uint64    `json:"pid_start,omitempty"` // when that process started (see Revert.StartTime)
}

type stateDoc struct {
	Version int             `json:"version"`
	Entries []PendingRevert `json:"entries"`
}

const (
	stateVersion  = 1
	stateLockWait = 30 * time.Second // how long a change waits for another process's
)

// DefaultStatePath returns $XDG_STATE_HOME/gameday/state.json, or else
// ~/.local/state/gameday/state.json.
func DefaultStatePath() string {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) { // the spec ignores a relative one
		return filepath.Join(d, "gameday", "state.json")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "gameday", "state.json")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("gameday-%d", os.Getuid()), "state.json")
}

// OpenStateFile returns the state file at path, creating its directory
// (the file itself appears at the first Record). It is an error if the
// file exists and cannot be read as a state file.
func OpenStateFile(path string) (*StateFile, error) {
	if path == "" {
		return nil, errors.New("inject: state file: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("inject: state file %s: %w", path, err)
	}
	s := &StateFile{path: path, self: owner{pid: os.Getpid()}}
	s.self.start, _ = procStartTime(s.self.pid)
	if _, err := s.Pending(); err != nil {
		return nil, err
	}
	return s, nil
}

// Path returns the file's path.
func (s *StateFile) Path() string { return s.path }

func (s *StateFile) owns(e PendingRevert) bool {
	return e.PID == s.self.pid && e.PIDStart == s.self.start
}

// Record writes r under key, with this process as its owner, and returns
// once it is on disk. It refuses a key that another gameday process
// recorded (running, or dead and not yet recovered): that fault is on.
func (s *StateFile) Record(key string, r Revert) error {
	if key == "" {
		return fmt.Errorf("inject: state file %s: record: empty key", s.path)
	}
	e := PendingRevert{Key: key, Revert: storable(r), Recorded: time.Now(), PID: s.self.pid, PIDStart: s.self.start}
	return s.change(func(d *stateDoc) (bool, error) {
		i := slices.IndexFunc(d.Entries, func(o PendingRevert) bool { return o.Key == key })
		if i < 0 {
			d.Entries = append(d.Entries, e)
			slices.SortFunc(d.Entries, func(a, b PendingRevert) int { return strings.Compare(a.Key, b.Key) })
			return true, nil
		}
		if old := d.Entries[i]; !s.owns(old) {
			when := old.Recorded.Format(time.DateTime)
			if sameProcess(old.PID, old.PIDStart) {
				return false, fmt.Errorf("record %s: gameday pid %d, still running, has had this fault on since %s: halt it there first", key, old.PID, when)
			}
			return false, fmt.Errorf("record %s: gameday pid %d, which has exited, left this fault on at %s: run `gameday recover` first", key, old.PID, when)
		}
		d.Entries[i] = e
		return true, nil
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

// Forget removes the entry under key once its fault is reverted. A key
// that is not there is fine; an entry owned by another gameday process
// (which took it over in a forced Recover) is left to it.
func (s *StateFile) Forget(key string) error {
	return s.change(func(d *stateDoc) (bool, error) {
		n := len(d.Entries)
		d.Entries = slices.DeleteFunc(d.Entries, func(e PendingRevert) bool { return e.Key == key && s.owns(e) })
		return len(d.Entries) != n, nil
	})
}

// Pending returns the entries, ordered by key.
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

// locked runs fn holding s.mu and an exclusive flock on PATH.lock.
func (s *StateFile) locked(fn func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.OpenFile(s.path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close() // also releases the lock
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

func (s *StateFile) read() (stateDoc, error) {
	d := stateDoc{Version: stateVersion}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) || err == nil && len(b) == 0 {
		return d, nil
	}
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return d, fmt.Errorf("not a gameday state file (%v): move it aside, and revert by hand what it lists", err)
	}
	if d.Version > stateVersion {
		return d, fmt.Errorf("written by a newer gameday (version %d; this one reads %d)", d.Version, stateVersion)
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
