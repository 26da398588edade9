package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
)

// TestPrometheusEndToEnd runs gameday with a real Prometheus server:
//
//	gameday demo --headless ──▶ shop frontend /metrics ─┐
//	        │ --metrics-addr ──▶ gameday's own /metrics ─┼─▶ prometheus (scrapes every 1s)
//	        │                                            │          │
//	        └ pauses payments at +0:30 for 15 s          │   PromQL max(shop_queue_depth)
//	                                                     │          ▼
//	                               gameday run watch.yaml (a promql probe, an assumption)
//
// The demo's own schedule pauses payments; a second gameday, `gameday run`
// on a file written here, reads the shop's queue depth through Prometheus
// and judges "queue via prometheus below 100": it holds before the pause
// and is violated while payments is paused. Meanwhile the test asks
// Prometheus's HTTP API whether gameday's own series arrived:
// gameday_block_active{block="payments paused"} is 1 while the fault is on
// (and 0 before), and gameday_load_requests_total keeps increasing.
//
// The demo is stopped (SIGINT) once the pause is over and the watcher has
// ended, so the test takes about 50 s.
func TestPrometheusEndToEnd(t *testing.T) {
	promBin := requireTool(t, "prometheus")
	bin := gamedayBinary(t)
	dir := t.TempDir()
	metricsAddr, frontendAddr, promAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	prom := startPrometheus(t, promBin, dir, promAddr, map[string]string{"shop": frontendAddr, "gameday": metricsAddr})

	demoOut := filepath.Join(dir, "demo")
	demo := startGameday(t, bin, "demo", "demo", "--headless", "--metrics-addr", metricsAddr, "--frontend-addr", frontendAddr,
		"--out", demoOut, "--state-file", filepath.Join(dir, "demo-state.json"), "--log-file", filepath.Join(dir, "demo.log"))
	started := demo.waitLine("session started", 30*time.Second)
	prom.waitValue(t, `up{job="shop"}`, 20*time.Second, func(v float64) bool { return v == 1 })
	prom.waitValue(t, `up{job="gameday"}`, 20*time.Second, func(v float64) bool { return v == 1 })

	// The watcher runs until 47 s into the demo: past the pause (30 s to
	// 45 s) and the queue's draining.
	watchFor := max(time.Until(started.Add(47*time.Second)).Round(time.Second), 20*time.Second)
	watchFile := filepath.Join(dir, "watch.yaml")
	writeFile(t, watchFile, fmt.Sprintf(watchExperiment, "http://"+promAddr, watchFor-4*time.Second))
	watchOut := filepath.Join(dir, "watch")
	watcher := startGameday(t, bin, "watch", "run", watchFile, "--out", watchOut,
		"--state-file", filepath.Join(dir, "watch-state.json"), "--log-file", filepath.Join(dir, "watch.log"))

	// While the fault is on, gameday's own metric says so in Prometheus.
	demo.waitLine("payments paused fault-started", 45*time.Second)
	okBefore := prom.value(t, `sum(gameday_load_requests_total{outcome="ok"})`)
	checkedAt := time.Now()
	active := prom.waitValue(t, `gameday_block_active{block="payments paused"}`, 12*time.Second, func(v float64) bool { return v == 1 })
	t.Logf("gameday_block_active{block=\"payments paused\"} = %v in Prometheus %.1fs after the pause began", active, time.Since(checkedAt).Seconds())
	if demo.seen("payments paused fault-halted") {
		t.Fatal("the pause ended before Prometheus showed gameday_block_active = 1 for it")
	}

	// The load's requests keep being counted.
	time.Sleep(5 * time.Second)
	okAfter := prom.value(t, `sum(gameday_load_requests_total{outcome="ok"})`)
	if dt := time.Since(checkedAt).Seconds(); okAfter-okBefore < 0.25*50*dt {
		t.Errorf("gameday_load_requests_total{outcome=\"ok\"} went from %v to %v in %.1fs; want it to grow with the load (50/s)", okBefore, okAfter, dt)
	}

	code := watcher.wait(t, watchFor+30*time.Second)
	demo.waitLine("payments paused fault-halted", 10*time.Second)
	demo.interrupt(t)

	pauseStart, pauseEnd := pauseSpan(t, filepath.Join(demoOut, "journal.jsonl"))
	t.Logf("payments paused from %s to %s", pauseStart.Format(time.StampMilli), pauseEnd.Format(time.StampMilli))

	// Prometheus kept the whole story: 0 before the pause, 1 inside it.
	checkBlockHistory(t, prom, started, pauseStart, pauseEnd)

	// The watcher's verdict and the shape of its assumption over time.
	if code != 1 || !strings.Contains(watcher.output(), "queue via prometheus violated") {
		t.Errorf("the watcher should fail its assumption (exit 1); exit %d:\n%s", code, watcher.output())
	}
	checkWatcherJournal(t, filepath.Join(watchOut, "journal.jsonl"), pauseStart, pauseEnd)
	if t.Failed() {
		t.Logf("demo:\n%s", demo.output())
		t.Logf("watcher:\n%s", watcher.output())
	}
}

// watchExperiment is the watcher's file: the server's URL and the
// duration of its one step go in. Its block does nothing: a schedule needs
// a step, and the fault that matters is the demo's.
const watchExperiment = `name: queue depth through Prometheus
interval: 250ms
probes:
  - name: queue
    kind: promql
    server: %s
    query: max(shop_queue_depth)
    every: 500ms
assumptions:
  - name: queue via prometheus
    series: queue
    below: 100
blocks:
  - name: watch
    description: nothing; the demo pauses payments
    fault: {kind: command, start: ["true"], revert: ["true"]}
schedule:
  baseline: 2s
  steps: [{blocks: [watch], for: %s}]
  recovery: 2s
`

// checkBlockHistory reads gameday_block_active{block="payments paused"}
// back from Prometheus over the demo's run: 0 before the pause, 1 inside
// it (allowing a scrape interval and a gameday interval at each edge).
func checkBlockHistory(t *testing.T, prom *promServer, from, pauseStart, pauseEnd time.Time) {
	t.Helper()
	points := prom.rangeValues(t, `gameday_block_active{block="payments paused"}`, from, pauseEnd, time.Second)
	var before, inside, on int
	for _, p := range points {
		switch {
		case p.t.Before(pauseStart.Add(-2 * time.Second)):
			before++
			if p.v != 0 {
				t.Errorf("gameday_block_active{block=\"payments paused\"} = %v at %s, before the pause", p.v, p.t.Format(time.StampMilli))
			}
		case p.t.After(pauseStart.Add(3*time.Second)) && p.t.Before(pauseEnd.Add(-time.Second)):
			inside++
			if p.v == 1 {
				on++
			}
		}
	}
	if before < 5 || inside < 5 || on < inside-1 {
		t.Errorf("gameday_block_active{block=\"payments paused\"} in Prometheus: %d points before the pause, %d of %d inside it at 1; want it 0 before and 1 inside",
			before, on, inside)
	}
}

// checkWatcherJournal checks the PromQL probe's assumption in the
// watcher's journal: it held before the pause, never broke before it, and
// was violated (with the queue at 100 or more) while payments was paused.
func checkWatcherJournal(t *testing.T, path string, pauseStart, pauseEnd time.Time) {
	t.Helper()
	j, err := readJournal(path)
	if err != nil {
		t.Fatalf("the watcher's journal: %v", err)
	}
	var holdingBefore, violatedInside int
	var worst float64
	for _, s := range j.Samples {
		st := s.Assumptions["queue via prometheus"].Status
		switch {
		case s.T.Before(pauseStart):
			if st == assume.StatusHolding {
				holdingBefore++
			}
			if st == assume.StatusViolated {
				t.Errorf("queue via prometheus violated at %s, before the pause (queue %v)", s.T.Format(time.StampMilli), s.Series["queue"])
			}
		case s.T.Before(pauseEnd.Add(2 * time.Second)):
			if st == assume.StatusViolated {
				violatedInside++
				worst = max(worst, s.Series["queue"])
			}
		}
	}
	t.Logf("watcher: %d samples holding before the pause, %d violated during it, worst queue %v", holdingBefore, violatedInside, worst)
	if holdingBefore < 4 {
		t.Errorf("queue via prometheus held in %d samples before the pause; want it holding before payments stops", holdingBefore)
	}
	if violatedInside < 4 || worst < 100 {
		t.Errorf("queue via prometheus violated in %d samples during the pause (worst %v); want it violated, over 100", violatedInside, worst)
	}
}

// pauseSpan reads when the demo's "payments paused" was on from its journal.
func pauseSpan(t *testing.T, path string) (start, end time.Time) {
	t.Helper()
	j, err := readJournal(path)
	if err != nil {
		t.Fatalf("the demo's journal: %v", err)
	}
	for _, e := range j.Events {
		if e.Subject != "payments paused" {
			continue
		}
		switch e.Kind {
		case experiments.EventFaultStarted:
			start = e.Time
		case experiments.EventFaultHalted:
			end = e.Time
		}
	}
	if start.IsZero() || end.Before(start) {
		t.Fatalf("the demo's journal has no complete pause of payments (start %v, end %v)", start, end)
	}
	return start, end
}

// promServer is a Prometheus server started for a test.
type promServer struct {
	url string
	log string
}

// startPrometheus starts prometheus on addr with a configuration that
// scrapes each job's target every second, its storage in dir, and stops it
// when the test ends. It returns once the server says it is ready.
func startPrometheus(t *testing.T, bin, dir, addr string, jobs map[string]string) *promServer {
	t.Helper()
	var cfg strings.Builder
	cfg.WriteString("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n")
	for job, target := range jobs {
		fmt.Fprintf(&cfg, "  - job_name: %s\n    static_configs: [{targets: ['%s']}]\n", job, target)
	}
	cfgPath := filepath.Join(dir, "prometheus.yml")
	writeFile(t, cfgPath, cfg.String())
	p := &promServer{url: "http://" + addr, log: filepath.Join(dir, "prometheus.log")}
	cmd := exec.Command(bin, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+addr, "--storage.tsdb.retention.time=1h")
	startDaemon(t, cmd, p.log, 30*time.Second, 200*time.Millisecond, func() bool {
		resp, err := http.Get(p.url + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

// promResponse is the envelope of the Prometheus HTTP API.
type promResponse struct {
	Status string `json:"status"`
	Error  string `json:"error"`
	Data   struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Value  []any             `json:"value"`  // [unix seconds, "value"]
			Values [][]any           `json:"values"` // for a range query
		} `json:"result"`
	} `json:"data"`
}

func (p *promServer) get(endpoint string, params url.Values) (*promResponse, error) {
	resp, err := http.Get(p.url + endpoint + "?" + params.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var r promResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%s: %v: %.200s", endpoint, err, body)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s: %s: %s", endpoint, r.Status, r.Error)
	}
	return &r, nil
}

// query runs an instant query that should give one sample.
func (p *promServer) query(q string) (float64, error) {
	r, err := p.get("/api/v1/query", url.Values{"query": {q}})
	if err != nil {
		return 0, err
	}
	if r.Data.ResultType != "vector" || len(r.Data.Result) != 1 || len(r.Data.Result[0].Value) != 2 {
		return 0, fmt.Errorf("%s: want one sample, got %d series of type %s", q, len(r.Data.Result), r.Data.ResultType)
	}
	return sampleValue(r.Data.Result[0].Value[1])
}

func sampleValue(v any) (float64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("a sample value %v (%T), want a string", v, v)
	}
	return strconv.ParseFloat(s, 64)
}

// value runs q and fails the test if it gives no sample.
func (p *promServer) value(t *testing.T, q string) float64 {
	t.Helper()
	v, err := p.query(q)
	if err != nil {
		t.Fatalf("prometheus: %v", err)
	}
	return v
}

// waitValue polls q until ok holds for its value.
func (p *promServer) waitValue(t *testing.T, q string, timeout time.Duration, ok func(float64) bool) float64 {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var v float64
	var err error
	for time.Now().Before(deadline) {
		if v, err = p.query(q); err == nil && ok(v) {
			return v
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("prometheus: %s after %v: value %v, error %v\nprometheus log:\n%s", q, timeout, v, err, tailFile(p.log))
	return 0
}

type promPoint struct {
	t time.Time
	v float64
}

// rangeValues runs a range query that should give one series.
func (p *promServer) rangeValues(t *testing.T, q string, from, to time.Time, step time.Duration) []promPoint {
	t.Helper()
	r, err := p.get("/api/v1/query_range", url.Values{"query": {q},
		"start": {strconv.FormatInt(from.Unix(), 10)}, "end": {strconv.FormatInt(to.Unix()+1, 10)},
		"step": {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)}})
	if err != nil {
		t.Fatalf("prometheus: %v", err)
	}
	if len(r.Data.Result) != 1 {
		t.Fatalf("prometheus: %s: want one series, got %d", q, len(r.Data.Result))
	}
	var out []promPoint
	for _, pair := range r.Data.Result[0].Values {
		ts, ok := pair[0].(float64)
		v, err := sampleValue(pair[1])
		if !ok || err != nil {
			t.Fatalf("prometheus: %s: a bad point %v", q, pair)
		}
		out = append(out, promPoint{time.Unix(0, int64(ts*1e9)), v})
	}
	return out
}
