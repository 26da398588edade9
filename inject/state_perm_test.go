package inject_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/gameday-dev/gameday/inject"
)

// otherUID is a user that is not the test's.
const otherUID = 12345

// requireRoot skips a test that must give files to another user.
func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to give files and processes to another user")
	}
}

// TestStateFileRefusesWhatOthersCanWrite: recover acts on what the state
// file says, so a file or directory that someone else owns or can write
// is refused, with the path and what to do.
func TestStateFileRefusesWhatOthersCanWrite(t *testing.T) {
	me := strconv.Itoa(os.Geteuid())
	tests := []struct {
		name  string
		root  bool // needs root (chown)
		setup func(t *testing.T, dir, path string)
		want  func(dir, path string) []string
	}{
		{"directory writable by its group", false,
			func(t *testing.T, dir, _ string) { chmod(t, dir, 0o770) },
			func(dir, _ string) []string {
				return []string{"state directory " + dir, "writable by other users", "chmod go-w " + dir}
			}},
		{"directory writable by all", false,
			func(t *testing.T, dir, _ string) { chmod(t, dir, 0o777) },
			func(dir, _ string) []string { return []string{"state directory " + dir, "chmod go-w " + dir} }},
		{"file writable by all", false,
			func(t *testing.T, _, path string) { chmod(t, path, 0o666) },
			func(_, path string) []string {
				return []string{"state file " + path, "writable by other users", "chmod go-w " + path}
			}},
		{"file is a link", false,
			func(t *testing.T, dir, path string) {
				other := filepath.Join(dir, "elsewhere.json")
				if err := os.Rename(path, other); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(other, path); err != nil {
					t.Fatal(err)
				}
			},
			func(_, path string) []string { return []string{"state file " + path, "symbolic link", "rm " + path} }},
		{"directory of another user", true,
			func(t *testing.T, dir, _ string) { chown(t, dir, otherUID) },
			func(dir, _ string) []string {
				return []string{"state directory " + dir, "belongs to uid 12345, not to you (uid " + me, "chown " + me + " " + dir, "--state-file"}
			}},
		{"file of another user", true,
			func(t *testing.T, _, path string) { chown(t, path, otherUID) },
			func(_, path string) []string {
				return []string{"state file " + path, "belongs to uid 12345", "chown " + me + " " + path}
			}},
		{"lock file of another user", true,
			func(t *testing.T, _, path string) { chown(t, path+".lock", otherUID) },
			func(_, path string) []string { return []string{"lock file " + path + ".lock", "belongs to uid 12345"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root {
				requireRoot(t)
			}
			dir := filepath.Join(t.TempDir(), "gameday")
			path := filepath.Join(dir, "state.json")
			st := openState(t, path)
			record(t, st, "command/x", inject.Revert{Kind: inject.RevertKilled})
			tt.setup(t, dir, path)
			want := tt.want(dir, path)
			_, err := inject.OpenStateFile(path)
			wantErr(t, "OpenStateFile", err, want...)
			// A StateFile opened before the change refuses it too.
			wantErr(t, "Record", st.Record("command/y", inject.Revert{Kind: inject.RevertKilled}), want...)
			_, err = st.Pending()
			wantErr(t, "Pending", err, want...)
		})
	}
}

// TestStateFileWithoutHome: with neither HOME nor XDG_STATE_HOME, the
// state goes to a directory of the user's own in the temporary directory,
// made with mode 0700; one there already that another user could have
// made, or can enter, is refused.
func TestStateFileWithoutHome(t *testing.T) {
	tmp := filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	chmod(t, tmp, os.ModeSticky|0o777) // as /tmp
	t.Setenv("HOME", "")
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv("TMPDIR", tmp)
	dir := filepath.Join(tmp, "gameday-"+strconv.Itoa(os.Geteuid()))
	path := inject.DefaultStatePath()
	if path != filepath.Join(dir, "state.json") {
		t.Fatalf("DefaultStatePath %s, want one in %s", path, dir)
	}
	st := openState(t, path)
	record(t, st, "command/x", inject.Revert{Kind: inject.RevertKilled})
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("directory %v %v, want mode 0700", fi.Mode(), err)
	}

	chmod(t, dir, 0o755) // readable by others: fine in a home, not in /tmp
	_, err := inject.OpenStateFile(path)
	wantErr(t, "open to others", err, "state directory "+dir, "anyone can write", "chmod 700 "+dir)
	chmod(t, dir, 0o700)
	openState(t, path)

	// A temporary directory that not everyone can write: the directory
	// is still closed to others.
	chmod(t, tmp, 0o755)
	openState(t, path)
	chmod(t, dir, 0o750)
	_, err = inject.OpenStateFile(path)
	wantErr(t, "group-readable", err, "state directory "+dir, "chmod 700 "+dir)
	chmod(t, dir, 0o700)
	chmod(t, tmp, os.ModeSticky|0o777)

	// A link planted where the directory should be.
	if err := os.Rename(dir, dir+".real"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir+".real", dir); err != nil {
		t.Fatal(err)
	}
	_, err = inject.OpenStateFile(path)
	wantErr(t, "a link", err, "state directory "+dir, "symbolic link", "rm "+dir)
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}

	t.Run("made by another user", func(t *testing.T) {
		requireRoot(t)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		chown(t, dir, otherUID)
		_, err := inject.OpenStateFile(path)
		wantErr(t, "another user's", err, "state directory "+dir, "belongs to uid 12345")
	})
}

func chmod(t testing.TB, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func chown(t testing.TB, path string, uid int) {
	t.Helper()
	if err := os.Lchown(path, uid, -1); err != nil {
		t.Fatal(err)
	}
}
