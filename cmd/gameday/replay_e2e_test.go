package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCockpitOutAndReplay: the cockpit with --out writes the journal and
// the report on quit; gameday replay plays that journal back, at 10×,
// paused and sought, and quits cleanly.
func TestCockpitOutAndReplay(t *testing.T) {
	bin := ownBinary(t)
	dir := t.TempDir()
	count := filepath.Join(dir, "count")
	writeFile(t, count, "1\n")
	file := filepath.Join(dir, "play.yaml")
	writeFile(t, file, runFile)
	out := filepath.Join(dir, "out")
	p := startPane(t, 160, 48, fmt.Sprintf("COUNT_FILE=%s %s play --yes --state-file %s --log-file %s --out %s %s",
		shq(count), shq(bin), shq(filepath.Join(dir, "state.json")), shq(filepath.Join(dir, "log")), shq(out), shq(file)))
	p.waitFor("the probe's data", 20*time.Second, func(s string) bool {
		return strings.Contains(line(s, "count low"), "✓ HOLDING")
	})
	p.keys("Enter") // raise: the counter goes to 5 (matrix case 1)
	p.waitFor("the fault on", 10*time.Second, func(s string) bool { return strings.Contains(line(s, "raise"), "● ON") })
	time.Sleep(time.Second)
	p.keys("x")
	p.waitText("ALL HALTED", 10*time.Second)
	time.Sleep(time.Second)
	p.keys("q")
	screen := p.waitText("gameday exited", 20*time.Second)
	if !strings.Contains(screen, "gameday exited 0") || !strings.Contains(screen, "Report: "+out) {
		t.Fatalf("quit with --out: want exit 0 and the report's place; screen:\n%s", screen)
	}
	for _, f := range []string{"journal.jsonl", "report.html", "report.md", "junit.xml", "summary.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Fatalf("--out lacks %s: %v", f, err)
		}
	}

	r := startPane(t, 160, 48, fmt.Sprintf("%s replay %s", shq(bin), shq(filepath.Join(out, "journal.jsonl"))))
	r.waitText("REPLAY", 10*time.Second)
	r.keys("0") // 10×
	r.waitFor("the replay reaching the fault", 15*time.Second, func(s string) bool {
		return strings.Contains(s, "raise started")
	})
	r.keys("Space")
	screen = r.waitText("REPLAY PAUSED", 5*time.Second)
	at := line(screen, "REPLAY PAUSED")
	r.keys("Left")
	r.waitFor("seeking back", 5*time.Second, func(s string) bool { return line(s, "REPLAY PAUSED") != at })
	r.keys("Enter", "x", "!") // live keys do nothing in a replay
	r.keys("q")
	screen = r.waitText("gameday exited", 10*time.Second)
	if !strings.Contains(screen, "gameday exited 0") {
		t.Fatalf("replay quit: want exit 0; screen:\n%s", screen)
	}
}
