package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const edgeFileYAML = `name: edge of a slow api
targets:
  proxies: [{name: api, listen: "${WEB}", upstream: "${UPSTREAM}"}]
probes:
  - {name: page, kind: http, url: "http://${WEB}/", every: 100ms}
assumptions:
  - {name: page latency, series: page, window: 1s, below: 150ms}
blocks:
  - {name: slow, fault: {kind: latency, target: api, delay: 200ms}, expect_edge: 60ms}
`

// TestEdgeRepeat: gameday edge --repeat 2 on a real proxy: the probe's
// latency (< 150 ms) holds at 50 % of a 200 ms delay and breaks at 100 %
// in both repeats; edge.json says the median and the spread, edge.html
// draws the margin, and the edge lies above expect_edge (exit 0).
func TestEdgeRepeat(t *testing.T) {
	if testing.Short() {
		t.Skip("about 15 s of edge search; skipped under -short")
	}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer upstream.Close()
	dir := t.TempDir()
	file, out := filepath.Join(dir, "edge.yaml"), filepath.Join(dir, "out")
	writeFile(t, file, edgeFileYAML)
	cmd := exec.Command(gamedayBinary(t), "edge", file, "--block", "slow", "--from", "50", "--to", "100", "--step", "50",
		"--dwell", "2s", "--baseline", "1s", "--bisect", "0", "--repeat", "2", "--recover", "10s", "--out", out,
		"--state-file", filepath.Join(dir, "state", "state.json"), "--log-file", filepath.Join(dir, "log"))
	cmd.Env = append(os.Environ(), "WEB="+freeAddr(t), "UPSTREAM="+upstream.URL)
	stdout, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gameday edge: %v\n%s", err, stdout)
	}
	for _, want := range []string{"block \"slow\" at 2 levels, 2s each, 2 times",
		"page latency                 broke at 200ms (100 %), held at 100ms; the same in all 2 repeats",
		"every assumption held above the expected edge 60ms"} {
		if !strings.Contains(string(stdout), want) {
			t.Errorf("the output lacks %q:\n%s", want, stdout)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "edge.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Assumptions []struct {
			Edge    *string
			Spread  [2]*string
			Repeats []json.RawMessage
		}
		Levels []struct{ Repeat int }
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Assumptions) != 1 || len(e.Levels) != 4 || e.Levels[3].Repeat != 2 {
		t.Fatalf("edge.json: %s", b)
	}
	if a := e.Assumptions[0]; a.Edge == nil || *a.Edge != "200ms" || a.Spread[0] == nil || *a.Spread[0] != "200ms" ||
		a.Spread[1] == nil || *a.Spread[1] != "200ms" || len(a.Repeats) != 2 {
		t.Errorf("edge.json: %s", b)
	}
	page, err := os.ReadFile(filepath.Join(out, "edge.html"))
	if err != nil || strings.Count(string(page), `<path class="curve"`) != 1 || !strings.Contains(string(page), "edge 200ms") {
		t.Errorf("edge.html: %v, no curve or no edge marked", err)
	}
}
