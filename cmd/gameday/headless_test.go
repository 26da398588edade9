package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// failedAssumptions runs the demo headless and returns which assumptions
// failed, from its journal.
func failedAssumptions(t *testing.T, bin, resilience, out string) (map[string]bool, string, int) {
	cmd := exec.Command(bin, "demo", "--headless", "--resilience", resilience, "--out", out,
		"--state-file", filepath.Join(out, "state.json"), "--log-file", filepath.Join(out, "gameday.log"))
	stdout, err := cmd.CombinedOutput()
	code := exitCodeOf(err)
	j, jerr := readJournal(filepath.Join(out, "journal.jsonl"))
	if jerr != nil || j.End == nil {
		t.Errorf("%s: journal: %v (end %v)\n%s", resilience, jerr, j, stdout)
		return nil, string(stdout), code
	}
	failed := map[string]bool{}
	for _, a := range j.End.Assumptions {
		if !a.Passed {
			failed[a.Name] = true
		}
	}
	return failed, string(stdout), code
}

// TestDemoHeadlessDiscriminates is the proof that the checks discriminate:
// the same schedule (inventory errors, then payments paused) fails more
// assumptions without resilience than with it.
func TestDemoHeadlessDiscriminates(t *testing.T) {
	bin := gamedayBinary(t)
	type result struct {
		failed map[string]bool
		out    string
		code   int
	}
	results := map[string]result{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, r := range []string{"none", "hardened"} {
		wg.Add(1)
		go func(r string) {
			defer wg.Done()
			failed, out, code := failedAssumptions(t, bin, r, t.TempDir())
			mu.Lock()
			results[r] = result{failed, out, code}
			mu.Unlock()
		}(r)
	}
	wg.Wait()
	none, hard := results["none"], results["hardened"]
	if t.Failed() {
		return
	}
	t.Logf("none: exit %d, failed %v\n%s", none.code, none.failed, none.out)
	t.Logf("hardened: exit %d, failed %v\n%s", hard.code, hard.failed, hard.out)
	if none.code != 1 || len(none.failed) == 0 {
		t.Fatalf("without resilience the demo should fail an assumption and exit 1; exit %d, failed %v", none.code, none.failed)
	}
	if len(hard.failed) >= len(none.failed) {
		t.Fatalf("hardened failed %v, none failed %v: hardening should fail fewer", hard.failed, none.failed)
	}
	// What hardening addresses: the queue stays bounded (load shedding).
	if !none.failed["queue depth"] || hard.failed["queue depth"] {
		t.Errorf("queue depth: none failed=%v, hardened failed=%v; want only none to fail it", none.failed["queue depth"], hard.failed["queue depth"])
	}
	if !strings.Contains(none.out, "verdict: FAILED") {
		t.Errorf("the progress should end in the verdict:\n%s", none.out)
	}
}

// TestJournalSurvivesKill9: a game day killed outright loses at most the
// last interval of its journal.
func TestJournalSurvivesKill9(t *testing.T) {
	bin := gamedayBinary(t)
	out := t.TempDir()
	cmd := exec.Command(bin, "demo", "--headless", "--out", out,
		"--state-file", filepath.Join(out, "state.json"), "--log-file", filepath.Join(out, "gameday.log"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(out, "journal.jsonl")
	deadline := time.Now().Add(20 * time.Second)
	for {
		if st, err := os.Stat(journal); err == nil && st.Size() > 20000 {
			break
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Fatal("the journal did not grow")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(3 * time.Second)
	killedAt := time.Now()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // gameday and its shop
	_ = cmd.Wait()
	j, err := readJournal(journal)
	if err != nil {
		t.Fatalf("a journal cut by kill -9 should read: %v", err)
	}
	if j.End != nil {
		t.Fatal("a killed game day has no end record")
	}
	last := j.Samples[len(j.Samples)-1].T
	interval := time.Duration(j.Header.Interval)
	// At most the last interval is lost: the newest sample is at most two
	// intervals (one lost, one in progress) plus scheduling slack old.
	if lost := killedAt.Sub(last); lost > 2*interval+500*time.Millisecond {
		t.Fatalf("the newest sample in the journal is %v older than the kill; want at most about one interval (%v)", lost, interval)
	}
	elapsed := last.Sub(j.Header.Started)
	if n := len(j.Samples); float64(n) < 0.9*float64(elapsed/interval) {
		t.Fatalf("%d samples for %v of game day at %v: samples are missing", n, elapsed, interval)
	}
}
