package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

// TestComposeEndToEnd: in the cockpit, a composes a fault (its kind
// taken from the fault-kind table with →, a bad duration answered under
// its field with the file's message), enter adds it and triggers it; w
// on a read-only file says so and writes nothing; once writable, w
// writes the block into the file, which keeps its comments and still
// validates; halt all reverts it, and the journal has it.
func TestComposeEndToEnd(t *testing.T) {
	bin := ownBinary(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "game.yaml")
	flag := filepath.Join(dir, "flag-on")
	original := `# A game day whose blocks grow in the cockpit.
name: composed live   # the name
interval: 100ms

# What the cockpit may break.
blocks:
  - name: noop   # a block of the file
    fault: {kind: command, start: ["true"], revert: ["true"]}

# The end of the file.
`
	writeFile(t, file, original)
	out := filepath.Join(dir, "out")
	p := startPane(t, 160, 48, fmt.Sprintf("%s play --yes --state-file %s --log-file %s --out %s %s",
		shq(bin), shq(filepath.Join(dir, "state", "state.json")), shq(filepath.Join(dir, "log")), shq(out), shq(file)))
	p.waitText("READY", 20*time.Second)

	p.keys("a")
	p.waitText("Compose a fault", 5*time.Second)
	p.keys("Tab") // to the kind
	for i := 0; !strings.Contains(p.capture(), "‹ command ›"); i++ {
		if i == 40 {
			t.Fatalf("→ never reached the command kind; screen:\n%s", p.capture())
		}
		p.keys("Right")
		time.Sleep(100 * time.Millisecond)
	}
	p.keys("Tab", "Tab") // the target (none), then start
	p.keys("-l", "[touch, "+flag+"]")
	p.keys("Tab")
	p.keys("-l", "[rm, -f, "+flag+"]")
	p.keys("Tab", "Tab") // curve, then duration
	p.keys("-l", "10")
	p.keys("Enter")
	screen := p.waitText(`✗ duration: "10" has no unit: write it as 10ms or 10s`, 5*time.Second)
	t.Logf("the form with the file's error:\n%s", screen)
	if _, err := os.Stat(flag); err == nil {
		t.Fatal("a block that does not check out started")
	}
	p.keys("-l", "m") // 10m
	p.keys("Enter")
	p.waitText("✚ command joins the catalog", 5*time.Second)
	p.keys("Enter") // the new block is selected: trigger it
	screen = p.waitFor("the composed fault on", 10*time.Second, func(s string) bool {
		_, err := os.Stat(flag)
		return err == nil && strings.Contains(s, "LIVE · 1 fault active") && strings.Contains(line(s, "2 command"), "ON")
	})
	t.Logf("the cockpit with the composed block on:\n%s", screen)

	// A read-only file: said, nothing written, nothing lost.
	if err := os.Chmod(file, 0o444); err != nil {
		t.Fatal(err)
	}
	p.keys("w")
	p.waitText("game.yaml is read-only", 10*time.Second)
	if b, _ := os.ReadFile(file); string(b) != original {
		t.Fatalf("a read-only file was written:\n%s", b)
	}
	if !strings.Contains(p.capture(), "✚ 1 not in the file · w writes") {
		t.Fatalf("the block should still be waiting to be written:\n%s", p.capture())
	}
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	p.keys("w")
	p.waitText("1 composed block written into it (what it held before: game.yaml.bak)", 10*time.Second)

	written, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(original, "\n") {
		if !strings.Contains(string(written), l) {
			t.Errorf("the written file lost %q:\n%s", l, written)
		}
	}
	head := original[:strings.Index(original, "\n# The end")]
	if !strings.HasPrefix(string(written), head) || !strings.HasSuffix(string(written), "\n\n# The end of the file.\n") {
		t.Errorf("the block should go between the file's blocks and its last comment:\n%s", written)
	}
	if b, _ := os.ReadFile(file + ".bak"); string(b) != original {
		t.Errorf("the backup holds %q", b)
	}
	if out, err := exec.Command(bin, "validate", file).CombinedOutput(); err != nil {
		t.Fatalf("gameday validate on the written file: %v\n%s\n%s", err, out, written)
	}
	exps, err := experiments.LoadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	blocks := exps[0].Blocks
	if len(blocks) != 2 || blocks[1].Name != "command" || blocks[1].Duration != 10*time.Minute ||
		strings.Join(blocks[1].Fault.Start.Argv, " ") != "touch "+flag {
		t.Fatalf("the written blocks: %+v", blocks)
	}

	p.keys("!")
	p.waitFor("the composed fault halted", 10*time.Second, func(string) bool {
		_, err := os.Stat(flag)
		return os.IsNotExist(err)
	})
	p.keys("q")
	p.waitText("gameday exited", 30*time.Second)
	j, err := readJournal(filepath.Join(out, "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var added, started bool
	for _, e := range j.Events {
		added = added || e.Kind == experiments.EventBlockAdded && e.Subject == "command" && e.Added != nil &&
			strings.Contains(e.Added.YAML, "touch, "+flag)
		started = started || e.Kind == experiments.EventFaultStarted && e.Subject == "command"
	}
	if !added || !started {
		t.Errorf("the journal should have the composed block (%v) and its start (%v)", added, started)
	}
}
