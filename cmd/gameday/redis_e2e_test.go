package main

import (
	"bufio"
	"fmt"
	"math"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// redisExperiment is the file `gameday run` plays in TestRedisEndToEnd: a
// tcp proxy in front of Redis, the queue's length read with redis-cli, and
// a latency fault on the proxy for the middle 5 s.
const redisExperiment = `name: redis queue behind a tcp proxy
interval: 250ms
targets:
  proxies:
    - {name: redis, protocol: tcp, listen: "%[1]s", upstream: "%[2]s"}
probes:
  - name: jobs
    kind: command
    command: [redis-cli, -h, 127.0.0.1, -p, "%[3]s", llen, jobs]
    every: 250ms
    timeout: 3s
assumptions:
  - {name: queue bounded, series: jobs, aggregate: max, window: 5s, below: 1000}
blocks:
  - name: redis latency
    fault: {kind: latency, target: redis, delay: %[4]s, direction: downstream}
schedule:
  baseline: 4s
  steps: [{blocks: [redis latency], for: 5s}]
  recovery: 4s
`

// TestRedisEndToEnd runs gameday against a real redis-server:
//
//	test ──LPUSH/LTRIM──────────────────────────────▶ redis-server
//	gameday probe: redis-cli llen jobs ─────────────▶     ▲
//	test: redis-cli ping ──▶ gameday tcp proxy ───────────┘
//	                          (300 ms latency in the middle step)
//
// The test changes the queue's length while gameday runs; the command
// probe's values in the journal must follow the real length. While the
// latency step is on, a redis-cli ping through the proxy takes at least
// the delay; before and after, it does not.
func TestRedisEndToEnd(t *testing.T) {
	server := requireTool(t, "redis-server")
	requireTool(t, "redis-cli") // the probe runs it from PATH
	bin := gamedayBinary(t)
	dir := t.TempDir()
	redisAddr, proxyAddr := freeAddr(t), freeAddr(t)
	_, redisPort, _ := net.SplitHostPort(redisAddr)
	_, proxyPort, _ := net.SplitHostPort(proxyAddr)
	startRedis(t, server, dir, redisPort)
	q := dialRedis(t, redisAddr)

	const delay = 300 * time.Millisecond
	file := filepath.Join(dir, "redis.yaml")
	writeFile(t, file, fmt.Sprintf(redisExperiment, proxyAddr, redisAddr, redisPort, delay))
	out := filepath.Join(dir, "out")
	gd := startGameday(t, bin, "run", "run", file, "--out", out,
		"--state-file", filepath.Join(dir, "state.json"), "--log-file", filepath.Join(dir, "gameday.log"))
	gd.waitLine("session started", 20*time.Second)

	// The queue's story, told by the test on its own connection: up to 60,
	// down to 20, up to 60 again.
	var truth queueTruth
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 60 { // 0 → 60 in 3 s
			truth.do(q, "LPUSH", "jobs", "job-"+strconv.Itoa(i))
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(time.Second)
		truth.do(q, "LTRIM", "jobs", "0", "19") // 60 → 20 at once
		time.Sleep(time.Second)
		for i := range 40 { // 20 → 60 in 4 s, across the latency step
			truth.do(q, "LPUSH", "jobs", "late-"+strconv.Itoa(i))
			time.Sleep(100 * time.Millisecond)
		}
	})

	pingBefore := proxiedPing(t, proxyPort)
	gd.waitLine("redis latency fault-started", 15*time.Second)
	time.Sleep(200 * time.Millisecond)
	pingDuring := proxiedPing(t, proxyPort)
	if gd.seen("redis latency fault-halted") {
		t.Fatal("the latency step ended before the test could measure it")
	}
	gd.waitLine("redis latency fault-halted", 15*time.Second)
	pingAfter := proxiedPing(t, proxyPort)
	t.Logf("redis-cli ping through the proxy: %v before, %v with %v latency on, %v after", pingBefore, pingDuring, delay, pingAfter)
	if pingDuring < delay*9/10 || pingDuring-pingBefore < delay/2 {
		t.Errorf("with %v of latency on the proxy, a ping took %v (%v before); want it slowed by about the delay", delay, pingDuring, pingBefore)
	}
	if pingAfter >= delay/2 {
		t.Errorf("after the step, a ping through the proxy took %v; want the latency gone", pingAfter)
	}

	wg.Wait()
	if code := gd.wait(t, 30*time.Second); code != 0 || !strings.Contains(gd.output(), "verdict: PASSED") {
		t.Errorf("gameday run: exit %d; want 0 and a passed verdict:\n%s", code, gd.output())
	}
	if q.err != nil {
		t.Fatalf("the test's own redis connection: %v", q.err)
	}
	checkProbeFollows(t, filepath.Join(out, "journal.jsonl"), &truth)
	if t.Failed() {
		t.Logf("gameday:\n%s", gd.output())
	}
}

// checkProbeFollows checks the probe's values in the journal against the
// queue's real length: each value is a length the queue had within the
// probe's lag before the sample, and the values rise, fall and rise as the
// queue did.
func checkProbeFollows(t *testing.T, path string, truth *queueTruth) {
	t.Helper()
	j, err := readJournal(path)
	if err != nil {
		t.Fatalf("journal: %v", err)
	}
	// How old a value may be: a redis-cli run (at most the probe's 3 s
	// timeout) and an interval.
	const lag = 3250 * time.Millisecond
	var values []float64
	failed := 0
	for _, s := range j.Samples {
		if s.Series["jobs.failed"] == 1 {
			failed++
		}
		v, ok := s.Series["jobs"]
		if !ok {
			continue
		}
		values = append(values, v)
		if lo, hi := truth.between(s.T.Add(-lag), s.T); v < float64(lo) || v > float64(hi) {
			t.Errorf("at %s the probe said %v; the queue's length was from %d to %d in the %v before",
				s.T.Format(time.StampMilli), v, lo, hi, lag)
		}
	}
	t.Logf("the probe's values (%d failed samples): %v", failed, values)
	if len(values) < 25 {
		t.Fatalf("only %d probe values in the journal; want one about every 250 ms", len(values))
	}
	// The shape: up to 60, down to 20, up to 60 again.
	peak, dropped, final := 0.0, false, values[len(values)-1]
	for _, v := range values {
		peak = max(peak, v)
		if peak == 60 && v == 20 {
			dropped = true
		}
	}
	if peak != 60 || !dropped || final != 60 {
		t.Errorf("the probe's values should rise to about 60, drop to 20, and end at 60; peak %v, dropped %v, last %v", peak, dropped, final)
	}
}

// queueTruth records the queue's length after each command the test sent,
// with when it was sent and when its reply came: the length changed at some
// moment in between.
type queueTruth struct {
	mu      sync.Mutex
	changes []queueChange
}

type queueChange struct {
	sent, replied time.Time
	length        int64
}

// do sends a command and records the queue's length after it.
func (q *queueTruth) do(c *redisConn, args ...string) {
	sent := time.Now()
	n, ok := c.command(args...)
	if args[0] != "LPUSH" {
		n, ok = c.command("LLEN", "jobs")
	}
	if !ok {
		return
	}
	q.mu.Lock()
	q.changes = append(q.changes, queueChange{sent: sent, replied: time.Now(), length: n})
	q.mu.Unlock()
}

// between returns the least and the greatest length the queue may have had
// at some moment from a to b. The length after change k held from k's
// sending (at the earliest) to the reply to change k+1 (at the latest).
func (q *queueTruth) between(a, b time.Time) (lo, hi int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	lo, hi = math.MaxInt64, math.MinInt64
	for k := 0; k <= len(q.changes); k++ {
		length, from, until := int64(0), time.Time{}, b.Add(time.Hour) // the queue starts empty
		if k > 0 {
			length, from = q.changes[k-1].length, q.changes[k-1].sent
		}
		if k < len(q.changes) {
			until = q.changes[k].replied
		}
		if !from.After(b) && !until.Before(a) {
			lo, hi = min(lo, length), max(hi, length)
		}
	}
	return lo, hi
}

// proxiedPing runs redis-cli ping through the proxy three times and
// returns the quickest.
func proxiedPing(t *testing.T, port string) time.Duration {
	t.Helper()
	best := time.Duration(1<<63 - 1)
	for range 3 {
		start := time.Now()
		out, err := exec.Command("redis-cli", "-h", "127.0.0.1", "-p", port, "ping").CombinedOutput()
		d := time.Since(start)
		if err != nil || strings.TrimSpace(string(out)) != "PONG" {
			t.Fatalf("redis-cli ping through the proxy: %v: %q", err, out)
		}
		best = min(best, d)
	}
	return best
}

// startRedis runs a redis-server of its own on loopback, with nothing
// saved to disk, and stops it when the test ends.
func startRedis(t *testing.T, bin, dir, port string) {
	t.Helper()
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--daemonize", "no")
	startDaemon(t, cmd, filepath.Join(dir, "redis.log"), 20*time.Second, 100*time.Millisecond, func() bool {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
		if err != nil {
			return false
		}
		defer c.Close()
		_, err = (&redisConn{c: c, r: bufio.NewReader(c)}).send("PING")
		return err == nil
	})
}

// redisConn speaks just enough RESP for the test: commands whose reply is
// a status or an integer. The first error sticks in err.
type redisConn struct {
	c   net.Conn
	r   *bufio.Reader
	err error
}

func dialRedis(t *testing.T, addr string) *redisConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &redisConn{c: c, r: bufio.NewReader(c)}
}

// command sends a command and returns its integer reply (0 for a status).
func (rc *redisConn) command(args ...string) (int64, bool) {
	if rc.err != nil {
		return 0, false
	}
	n, err := rc.send(args...)
	if err != nil {
		rc.err = fmt.Errorf("%s: %w", args[0], err)
		return 0, false
	}
	return n, true
}

func (rc *redisConn) send(args ...string) (int64, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	_ = rc.c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := rc.c.Write([]byte(b.String())); err != nil {
		return 0, err
	}
	line, err := rc.r.ReadString('\n')
	if err != nil {
		return 0, err
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case strings.HasPrefix(line, ":"):
		return strconv.ParseInt(line[1:], 10, 64)
	case strings.HasPrefix(line, "+"):
		return 0, nil
	}
	return 0, fmt.Errorf("reply %q", line)
}
