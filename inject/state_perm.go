package inject

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// checkStateDir refuses a state directory that is not this user's alone:
// owned by someone else, or writable by its group or by others. A
// directory whose parent anyone can write (such as /tmp), or the one
// DefaultStatePath falls back to without a home directory, may have been
// made by anyone before gameday: it must not be a symbolic link, and must
// be closed to others altogether (mode 0700).
func checkStateDir(dir string) error {
	strict := filepath.Clean(dir) == filepath.Dir(tempStatePath())
	if pfi, err := os.Stat(filepath.Dir(dir)); err == nil && pfi.Mode().Perm()&0o002 != 0 {
		strict = true
	}
	stat := os.Stat
	if strict {
		stat = os.Lstat
	}
	fi, err := stat(dir)
	if err != nil {
		return err
	}
	return checkPrivate("state directory", dir, fi, strict)
}

// checkPrivate refuses fi, the state directory or one of its files
// (what says which) at path, unless it belongs to this user and is not
// writable by its group or by others (with strict, not open to them at
// all). A file must be a plain file, not a link. Its errors name the path
// and say what to do.
func checkPrivate(what, path string, fi fs.FileInfo, strict bool) error {
	dir := what == "state directory"
	switch {
	case fi.Mode()&fs.ModeSymlink != 0 && dir:
		return fmt.Errorf("%s %s is a symbolic link in a directory anyone can write: remove it (rm %s) and let gameday create the directory", what, path, path)
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s %s is a symbolic link: gameday keeps its state only in plain files of its own; remove the link (rm %s)", what, path, path)
	case dir && !fi.IsDir():
		return fmt.Errorf("%s %s is not a directory: move it aside", what, path)
	case !dir && !fi.Mode().IsRegular():
		return fmt.Errorf("%s %s is not a plain file (%v): move it aside", what, path, fi.Mode().Type())
	}
	me := os.Geteuid()
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != me {
		return fmt.Errorf("%s %s belongs to uid %d, not to you (uid %d): another user could write what gameday recover acts on; "+
			"use a state file of your own (--state-file, or XDG_STATE_HOME), or, if it is yours, chown %d %s",
			what, path, st.Uid, me, me, path)
	}
	perm := fi.Mode().Perm()
	switch {
	case strict && perm&0o077 != 0:
		return fmt.Errorf("%s %s is in a directory anyone can write, and is open to other users (mode %v): "+
			"another user could have made it and could change what gameday recover acts on; chmod 700 %s (or remove it and let gameday create it)",
			what, path, fi.Mode(), path)
	case perm&0o022 != 0 && dir && fi.Mode()&os.ModeSticky != 0:
		// /tmp and the like: shared on purpose, not to be chmodded.
		return fmt.Errorf("%s %s is shared by every user (mode %v): another could have made or could make the state file there; "+
			"put the state file in a directory of your own: --state-file ~/.local/state/gameday/state.json (the default), or XDG_STATE_HOME",
			what, path, fi.Mode())
	case perm&0o022 != 0:
		return fmt.Errorf("%s %s is writable by other users (mode %v): they could change what gameday recover acts on; chmod go-w %s",
			what, path, fi.Mode(), path)
	}
	return nil
}
