package inject_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gameday-dev/gameday/inject"
)

// TestStateFileReadsVersion1: a file of the gameday before (version 1:
// entries keyed by block and target name, owners by PID and start time)
// is read, recovered, and rewritten as version 2.
func TestStateFileReadsVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	paused := stoppedSleep(t)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	me := os.Getpid()
	v1 := fmt.Sprintf(`{
  "version": 1,
  "entries": [
    {"key": "demo/payments paused/pause/payments",
     "revert": {"kind": "sigcont", "pid": %d, "start_time": %d, "note": "process \"payments\" paused by gameday"},
     "recorded": "2025-11-02T10:00:00Z", "pid": %d, "pid_start": 4242},
    {"key": "demo/slow disk/command/slow disk",
     "revert": {"kind": "command", "command": {"argv": ["true", "--secret", "hunter2"]}},
     "recorded": "2025-11-02T10:00:01Z", "pid": %d, "pid_start": %d}
  ]
}
`, paused, startTime(t, paused), dead.Process.Pid, me, startTime(t, me))
	if err := os.WriteFile(path, []byte(v1), 0o600); err != nil {
		t.Fatal(err)
	}

	st := openState(t, path)
	p := mustPending(t, st)
	if len(p) != 2 {
		t.Fatalf("pending %+v", p)
	}
	pause, cmd := p[0], p[1] // by key
	if pause.Key != "demo/payments paused/pause/payments" || pause.Owner != (inject.Owner{PID: dead.Process.Pid, Start: 4242}) ||
		pause.Revert.Target != "payments" || pause.Revert.PID != paused || !pause.Orphaned() {
		t.Errorf("migrated pause %+v (orphaned %v)", pause, pause.Orphaned())
	}
	// Its owner is this process (same PID and start time, and, having no
	// executable recorded, it runs this program): running, not orphaned.
	if cmd.Owner.PID != me || cmd.Revert.Target != "slow disk" || cmd.Orphaned() {
		t.Errorf("migrated command %+v (orphaned %v)", cmd, cmd.Orphaned())
	}

	// The next change writes version 2, with the entries as they were.
	record(t, st, "command/new", inject.Revert{Kind: inject.RevertKilled})
	var doc struct {
		Version int               `json:"version"`
		Entries []json.RawMessage `json:"entries"`
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Version != 2 || len(doc.Entries) != 3 {
		t.Fatalf("rewritten file (%v):\n%s", err, b)
	}
	if !strings.Contains(string(b), `"owner": {`) || strings.Contains(string(b), `"pid_start"`) {
		t.Errorf("not in version 2's form:\n%s", b)
	}

	out, err := recoverState(t, path, inject.RecoverOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if !out.has("resumed process payments (pid "+strconv.Itoa(paused)+")") || !out.has("ran revert command: true (2 more arguments not shown)") {
		t.Errorf("report:\n%s", out)
	}
	if strings.Contains(out.String(), "hunter2") {
		t.Errorf("recover printed an argument:\n%s", out)
	}
	waitState(t, paused, 'T', true)
}

func TestStateFileNewerVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, []byte(`{"version": 3, "entries": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := inject.OpenStateFile(path)
	wantErr(t, "version 3", err, path, "newer gameday (version 3; this one reads up to 2)")
}
