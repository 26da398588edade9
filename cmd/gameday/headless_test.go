package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

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
