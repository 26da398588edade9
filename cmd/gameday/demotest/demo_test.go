// Package demotest runs the built-in demo end to end, headless: the
// discriminating verdicts, the comparison, the edge search. Each takes a
// minute or more of demo time, so they live apart from cmd/gameday's
// tests and run beside them (go test runs packages in parallel), and run
// in parallel with one another.
package demotest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/cmd/gameday/internal/e2e"
)

func gamedayBinary(t *testing.T) string { return e2e.Binary(t) }

// gameday runs the binary and returns its exit code, stdout and stderr.
func gameday(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return e2e.Run(t, nil, args...)
}

func tail(s string, n int) string { return e2e.Tail(s, n) }

func tailFile(path string) string { return e2e.TailFile(path) }

// edgeFile is what the test reads of edge.json.
type edgeFile struct {
	Block       string `json:"block"`
	Param       string `json:"param"`
	Assumptions []struct {
		Name     string     `json:"name"`
		Edge     *string    `json:"edge"`
		Interval [2]*string `json:"interval"`
	} `json:"assumptions"`
	Levels []json.RawMessage `json:"levels"`
}

// failedAssumptions runs the demo headless and returns which assumptions
// failed, from its journal.
func failedAssumptions(t *testing.T, bin, resilience, out string) (map[string]bool, string, int) {
	cmd := exec.Command(bin, "demo", "--headless", "--resilience", resilience, "--out", out,
		"--state-file", filepath.Join(out, "state.json"), "--log-file", filepath.Join(out, "gameday.log"))
	stdout, err := cmd.CombinedOutput()
	code := e2e.ExitCode(err)
	j, jerr := e2e.ReadJournal(filepath.Join(out, "journal.jsonl"))
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

// TestDemoHeadlessDiscriminates is the proof that the demo's checks
// discriminate: the same schedule (inventory errors, then payments paused)
// and the same assumptions fail more of them the less resilient the shop:
//
//	none      p99 and error rate: checkouts fail with inventory, then hang
//	          on the full queue while payments is stopped
//	basic     error rate: retries leave 1 in 8 checkouts failing, and the
//	          full queue sheds; timeouts keep p99 low
//	hardened  nothing: the fallback takes the inventory errors, the queue
//	          holds the outage's orders, the breaker and requeue drop none
//
// The margins are wide (p99 5 s against 250 ms for none and under 100 ms
// for the others; error rates of 12 % to 100 % against 0 %; queue 750
// against 1,500), so the three run side by side, as CI runs everything.
// docs/demo.md has the figures.
func TestDemoHeadlessDiscriminates(t *testing.T) {
	t.Parallel()
	bin := gamedayBinary(t)
	type result struct {
		failed map[string]bool
		out    string
		code   int
	}
	levels := []string{"none", "basic", "hardened"}
	results := map[string]result{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, r := range levels {
		wg.Go(func() {
			failed, out, code := failedAssumptions(t, bin, r, t.TempDir())
			mu.Lock()
			results[r] = result{failed, out, code}
			mu.Unlock()
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, r := range levels {
		t.Logf("%s: exit %d, failed %v\n%s", r, results[r].code, results[r].failed, results[r].out)
	}
	none, basic, hard := results["none"], results["basic"], results["hardened"]
	if none.code != 1 || len(none.failed) < 2 {
		t.Errorf("none: exit %d, failed %v; want exit 1 and at least two assumptions failed", none.code, none.failed)
	}
	if basic.code != 1 || len(basic.failed) == 0 || len(basic.failed) >= len(none.failed) {
		t.Errorf("basic: exit %d, failed %v; want exit 1 and fewer failed than none's %v", basic.code, basic.failed, none.failed)
	}
	if hard.code != 0 || len(hard.failed) != 0 {
		t.Errorf("hardened: exit %d, failed %v; want exit 0 and every assumption held", hard.code, hard.failed)
	}
	// What each level's patterns address.
	if !none.failed["checkout p99"] || basic.failed["checkout p99"] {
		t.Errorf("checkout p99: none failed=%v, basic failed=%v; want only none (no deadline on a full queue) to fail it",
			none.failed["checkout p99"], basic.failed["checkout p99"])
	}
	if !none.failed["error rate"] || !basic.failed["error rate"] {
		t.Errorf("error rate: none failed=%v, basic failed=%v; want both to fail it (inventory errors, a full queue)",
			none.failed["error rate"], basic.failed["error rate"])
	}
	if !strings.Contains(none.out, "verdict: FAILED") || !strings.Contains(hard.out, "verdict: PASSED") {
		t.Errorf("the progress should end in the verdict:\n%s\n%s", none.out, hard.out)
	}
}

// TestDemoCompare runs the one-command story end to end: the demo without
// resilience, then hardened, and their comparison (about 2.5 minutes).
func TestDemoCompare(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the demo's schedule twice (about 2.5 minutes)")
	}
	out := t.TempDir()
	code, stdout, stderr := gameday(t, "demo", "--compare", "--out", out,
		"--state-file", filepath.Join(out, "state.json"), "--log-file", filepath.Join(out, "gameday.log"))
	if code != 0 {
		t.Fatalf("demo --compare: exit %d, want 0\n%s\n%s\nlog:\n%s", code, stdout, stderr, tailFile(filepath.Join(out, "gameday.log")))
	}
	for _, f := range []string{"none/journal.jsonl", "none/report.html", "hardened/journal.jsonl", "hardened/report.html",
		"compare.md", "compare.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("--out lacks %s: %v", f, err)
		}
	}
	for _, want := range []string{"verdict: FAILED", "verdict: PASSED", "Comparing 2 runs", "hardened vs none:",
		"the run: passed vs failed", "checkout p99: passed vs failed", "error rate: passed vs failed",
		"comparison:\n  " + filepath.Join(out, "compare.md")} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the output lacks %q:\n%s", want, stdout)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "compare.md"))
	for _, want := range []string{"[report.md](none/report.md)", "[report.md](hardened/report.md)", "### hardened vs none"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("compare.md lacks %q:\n%s", want, md)
		}
	}
}

// TestDemoEdge: the demo shop gives a known answer: checkout p99 < 250 ms
// against inventory latency (300 ms ± 50 ms at full) breaks between
// about 150 and 260 ms of injected delay (the shop's own p99, plus the
// delay, plus its jitter). The search runs headless on the real shop.
func TestDemoEdge(t *testing.T) {
	t.Parallel()
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
		t.Fatalf("demo --edge: %v (exit 1 would be an edge at or below the block's expect_edge, 150ms)\n%s", err, tail(string(stdout), 3000))
	}
	if !strings.Contains(string(stdout), "every assumption held above the expected edge 150ms") {
		t.Errorf("the output does not judge the edges against expect_edge:\n%s", tail(string(stdout), 20))
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
		page, _ := os.ReadFile(filepath.Join(out, "edge.html"))
		if n := strings.Count(string(page), `<path class="curve"`); n != len(e.Assumptions) || !strings.Contains(string(page), "edge "+*a.Edge) {
			t.Errorf("edge.html has %d curves for %d assumptions, or does not mark the edge at %s", n, len(e.Assumptions), *a.Edge)
		}
		return
	}
	t.Fatalf("no checkout p99 in edge.json: %s", b)
}
