package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoEdge: the demo shop gives a known answer: checkout p99 < 250 ms
// against inventory latency (300 ms ± 50 ms at full) breaks between
// about 150 and 260 ms of injected delay (the shop's own p99, plus the
// delay, plus its jitter). The search runs headless on the real shop.
func TestDemoEdge(t *testing.T) {
	if testing.Short() {
		t.Skip("a minute of demo time; skipped under -short")
	}
	bin := gamedayBinary(t)
	out := t.TempDir()
	cmd := exec.Command(bin, "demo", "--headless", "--edge", "inventory latency", "--edge-dwell", "4s", "--edge-from", "40",
		"--edge-bisect", "1", "--out", out, "--state-file", filepath.Join(out, "state", "state.json"), "--log-file", filepath.Join(out, "log"))
	start := time.Now()
	stdout, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo --edge: %v\n%s", err, tail(string(stdout), 3000))
	}
	t.Logf("the search took %v", time.Since(start).Round(time.Second))
	b, err := os.ReadFile(filepath.Join(out, "edge.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e edgeFile
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	if e.Block != "inventory latency" || e.Param != "delay" || len(e.Levels) < 7 {
		t.Fatalf("edge.json: %s", b)
	}
	for _, a := range e.Assumptions {
		if a.Name != "checkout p99" {
			continue
		}
		if a.Edge == nil {
			t.Fatalf("checkout p99 never broke:\n%s", tail(string(stdout), 3000))
		}
		d, err := time.ParseDuration(*a.Edge)
		if err != nil || d < 150*time.Millisecond || d > 260*time.Millisecond {
			t.Fatalf("checkout p99 broke at %s (%v), want 150 to 260 ms", *a.Edge, err)
		}
		t.Logf("checkout p99 breaks at %s of inventory latency (held at %s)", *a.Edge, *a.Interval[0])
		md, _ := os.ReadFile(filepath.Join(out, "edge.md"))
		if !strings.Contains(string(md), "| checkout p99 | "+*a.Edge+" |") {
			t.Errorf("edge.md does not say it:\n%s", md)
		}
		return
	}
	t.Fatalf("no checkout p99 in edge.json: %s", b)
}
