package experiments_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

var writtenAt = time.Date(2026, 11, 27, 10, 30, 0, 0, time.UTC)

// commented is an experiment as people write them: comments, blank
// lines, flow and block style, a key after the blocks.
const commented = `# The game day of the checkout team.
name: written back   # a comment on the name
targets:
  proxies:
    - {name: api, upstream: 127.0.0.1:9000}

load:
  - {name: checkout, url: http://127.0.0.1:8080/checkout, rate: 50/s}

assumptions:
  - name: p99
    series: checkout
    aggregate: p99
    below: 250ms    # the SLO

blocks:
  # the first one we tried
  - name: slow
    description: |
      300 ms on every call,
      as on black friday
    fault: {kind: latency, target: api, delay: 300ms}
  #   - name: disabled one, kept for later

# The schedule of CI runs.
schedule:
  steps:
    - {blocks: [slow], for: 10s}
`

func writeExp(t *testing.T, content string) (string, *experiments.Experiment) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "game.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	exps, err := experiments.LoadFile(path, experiments.WithEnv(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	return path, exps[0]
}

// insertedOnce checks that after is before with one run of lines
// inserted, and returns that run.
func insertedOnce(t *testing.T, before, after string) string {
	t.Helper()
	b, a := strings.SplitAfter(before, "\n"), strings.SplitAfter(after, "\n")
	i := 0
	for i < len(b) && i < len(a) && b[i] == a[i] {
		i++
	}
	j := 0
	for j < len(b)-i && j < len(a)-i && b[len(b)-1-j] == a[len(a)-1-j] {
		j++
	}
	if i+j != len(b) {
		t.Fatalf("the file changed beyond an insertion:\n--- before\n%s--- after\n%s", before, after)
	}
	return strings.Join(a[i:len(a)-j], "")
}

func TestWriteBlocksKeepsTheFile(t *testing.T) {
	path, e := writeExp(t, commented)
	drafts := []experiments.Draft{
		latency("slower", "api", "delay", "150ms", "jitter", "10ms"),
		{Name: "errors", Kind: "error", Target: "api", Params: []experiments.DraftParam{{Key: "probability", Value: "50%"}},
			Curve: "{shape: ramp, from: 10%, to: 100%, over: 1m}", Duration: "2m"},
	}
	res, err := e.WriteBlocks(e.Loaded(), drafts, writtenAt)
	if err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Content) != string(after) || res.Reformatted {
		t.Fatalf("the result says other content than the file's (reformatted %v)", res.Reformatted)
	}
	ins := insertedOnce(t, commented, string(after))
	want := `  # composed in gameday's cockpit, 2026-11-27 10:30
  - name: slower
    fault: {kind: latency, target: api, delay: 150ms, jitter: 10ms}
  - name: errors
    fault: {kind: error, target: api, probability: 50%}
    curve: {shape: ramp, from: 10%, to: 100%, over: 1m}
    duration: 2m
`
	if ins != want {
		t.Errorf("inserted:\n%s\nwant:\n%s", ins, want)
	}
	if !strings.Contains(string(after), "#   - name: disabled one, kept for later\n"+want+"\n# The schedule") {
		t.Errorf("the blocks should go after the last block's comment and before the next key's:\n%s", after)
	}
	exps, err := experiments.LoadFile(path, experiments.WithEnv(noEnv))
	if err != nil {
		t.Fatalf("the written file does not validate: %v", err)
	}
	if n := len(exps[0].Blocks); n != 3 || exps[0].Blocks[2].Duration != 2*time.Minute {
		t.Fatalf("the written file has %d blocks: %+v", n, exps[0].Blocks)
	}
	bak, err := os.ReadFile(path + ".bak")
	if err != nil || string(bak) != commented || res.Backup != path+".bak" {
		t.Fatalf("the backup %s: %v, %q", res.Backup, err, bak)
	}

	// Written again, from what was written: the next backup beside the
	// first one, which stays.
	res2, err := exps[0].WriteBlocks(res.Content, []experiments.Draft{latency("slowest", "api", "delay", "1s")}, writtenAt)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Backup != path+".bak.1" {
		t.Errorf("second backup %s", res2.Backup)
	}
	if bak, _ := os.ReadFile(path + ".bak"); string(bak) != commented {
		t.Error("the second write replaced the first backup")
	}
	insertedOnce(t, string(res.Content), string(res2.Content))
}

func TestWriteBlocksLayouts(t *testing.T) {
	d := latency("slower", "api", "delay", "150ms")
	head := "name: layouts  # kept\ntargets:\n  proxies: [{name: api, upstream: 127.0.0.1:9000}]\n"
	for _, tc := range []struct {
		name, file  string
		reformatted bool
		inserted    string
	}{
		{"no blocks", head, false, "\nblocks:\n  # composed in gameday's cockpit, 2026-11-27 10:30\n  - name: slower\n    fault: {kind: latency, target: api, delay: 150ms}\n"},
		{"no final newline", strings.TrimSuffix(head, "\n"), false, ""},
		{"items at the key's column", head + "blocks:\n- name: a\n  fault: {kind: latency, target: api, delay: 1s}\n", false,
			"# composed in gameday's cockpit, 2026-11-27 10:30\n- name: slower\n  fault: {kind: latency, target: api, delay: 150ms}\n"},
		{"a flow list", head + "blocks: [{name: a, fault: {kind: latency, target: api, delay: 1s}}]  # flow\n", true, ""},
		{"an empty flow list", head + "blocks: []\n", true, ""},
		{"CRLF", strings.ReplaceAll(head+"blocks:\n  - {name: a, fault: {kind: latency, target: api, delay: 1s}}\n", "\n", "\r\n"), false,
			"  # composed in gameday's cockpit, 2026-11-27 10:30\r\n  - name: slower\r\n    fault: {kind: latency, target: api, delay: 150ms}\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, e := writeExp(t, tc.file)
			res, err := e.WriteBlocks(e.Loaded(), []experiments.Draft{d}, writtenAt)
			if err != nil {
				t.Fatal(err)
			}
			if res.Reformatted != tc.reformatted {
				t.Errorf("reformatted %v, want %v:\n%s", res.Reformatted, tc.reformatted, res.Content)
			}
			if !tc.reformatted && tc.inserted != "" {
				if ins := insertedOnce(t, tc.file, string(res.Content)); ins != tc.inserted {
					t.Errorf("inserted %q, want %q", ins, tc.inserted)
				}
			}
			if !strings.Contains(string(res.Content), "# kept") {
				t.Errorf("a comment was lost:\n%s", res.Content)
			}
			exps, err := experiments.LoadFile(path, experiments.WithEnv(noEnv))
			if err != nil {
				t.Fatalf("the written file does not validate: %v\n%s", err, res.Content)
			}
			if last := exps[0].Blocks[len(exps[0].Blocks)-1]; last.Name != "slower" {
				t.Fatalf("the last block is %q:\n%s", last.Name, res.Content)
			}
		})
	}
}

// TestWriteBlocksRefuses: a file changed since it was loaded, a
// read-only one, one built into gameday: a clear error, the file as it
// was, no backup.
func TestWriteBlocksRefuses(t *testing.T) {
	d := []experiments.Draft{latency("slower", "api", "delay", "150ms")}
	t.Run("changed on disk", func(t *testing.T) {
		path, e := writeExp(t, commented)
		edited := strings.Replace(commented, "300ms", "350ms", 1)
		if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := e.WriteBlocks(e.Loaded(), d, writtenAt)
		if !errors.Is(err, experiments.ErrFileChanged) || !strings.Contains(err.Error(), "game.yaml changed on disk since gameday loaded it") {
			t.Fatalf("want ErrFileChanged, got %v", err)
		}
		unchanged(t, path, edited)
	})
	t.Run("read-only", func(t *testing.T) {
		path, e := writeExp(t, commented)
		if err := os.Chmod(path, 0o444); err != nil {
			t.Fatal(err)
		}
		_, err := e.WriteBlocks(e.Loaded(), d, writtenAt)
		if !errors.Is(err, experiments.ErrReadOnly) || !strings.Contains(err.Error(), "make it writable") {
			t.Fatalf("want ErrReadOnly, got %v", err)
		}
		unchanged(t, path, commented)
	})
	t.Run("built in", func(t *testing.T) {
		e := composeBase(t)
		if _, err := e.WriteBlocks(e.Loaded(), d, writtenAt); err == nil || !strings.Contains(err.Error(), "built into gameday") {
			t.Fatalf("want a refusal, got %v", err)
		}
	})
	t.Run("would not validate", func(t *testing.T) {
		path, e := writeExp(t, commented)
		_, err := e.WriteBlocks(e.Loaded(), []experiments.Draft{latency("slow", "api", "delay", "1s")}, writtenAt)
		if err == nil || !strings.Contains(err.Error(), "would not validate") || !strings.Contains(err.Error(), "defined twice") {
			t.Fatalf("want a refusal saying why, got %v", err)
		}
		unchanged(t, path, commented)
	})
}

func unchanged(t *testing.T, path, want string) {
	t.Helper()
	if b, _ := os.ReadFile(path); string(b) != want {
		t.Errorf("the file changed:\n%s", b)
	}
	if _, err := os.Stat(path + ".bak"); err == nil {
		t.Error("a backup was made of a file not written")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("files left beside it: %v", entries)
	}
}

func TestWriteBlocksThroughALink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.yaml")
	if err := os.WriteFile(real, []byte(commented), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "game.yaml")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	exps, err := experiments.LoadFile(link, experiments.WithEnv(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exps[0].WriteBlocks(exps[0].Loaded(), []experiments.Draft{latency("slower", "api", "delay", "1s")}, writtenAt); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the link was replaced by a file")
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o600 {
		t.Errorf("the file's mode is now %v, want 0600", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(real); !strings.Contains(string(b), "name: slower") {
		t.Error("the link's target was not written")
	}
}
