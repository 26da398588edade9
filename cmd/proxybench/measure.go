package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gameday-dev/gameday/probes"
)

type options struct {
	duration time.Duration
	rate     float64
	conns    int
	only     string
	wrk      bool
}

// child is a role of this program running as a process.
type child struct {
	cmd  *exec.Cmd
	addr string
}

func startChild(args ...string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, append([]string{"role"}, args...)...)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready ") {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("%v did not start: %q %v", args, line, err)
	}
	return &child{cmd: cmd, addr: strings.TrimSpace(strings.TrimPrefix(line, "ready "))}, nil
}

func (c *child) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	_ = c.cmd.Wait()
}

// cpu is the CPU time a process has used so far.
func (c *child) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

type result struct {
	name       string
	throughput float64 // closed loop, req/s
	p50, p99   time.Duration
	errors     int64
	cpuPerReq  time.Duration // the proxy's CPU per request at the fixed rate
	sent       int64
}

func run(o options) error {
	up, err := startChild("serve")
	if err != nil {
		return err
	}
	defer up.stop()
	paths := []string{"direct", "tcp", "http", "toxiproxy"}
	if o.only != "" {
		paths = strings.Split(o.only, ",")
	}
	fmt.Printf("proxybench: %d connections closed loop, %.0f req/s open loop, %v each, upstream %s\n\n",
		o.conns, o.rate, o.duration, up.addr)
	var results []result
	for _, p := range paths {
		r, err := measure(o, p, up)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		results = append(results, r)
	}
	report(results)
	return nil
}

func measure(o options, path string, up *child) (result, error) {
	r := result{name: path}
	addr := up.addr
	var proxy *child
	if path != "direct" {
		var err error
		if proxy, err = startChild(path, up.addr); err != nil {
			return r, err
		}
		defer proxy.stop()
		addr = proxy.addr
	}
	url := "http://" + addr + "/stock?sku=gd-42"
	tr := &http.Transport{MaxIdleConnsPerHost: o.conns * 2, MaxConnsPerHost: o.conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	// Warm up the connections.
	closedLoop(client, url, o.conns, 300*time.Millisecond)
	if wrk, err := exec.LookPath("wrk"); o.wrk && err == nil {
		rps, err := wrkLoop(wrk, url, o.conns, o.duration)
		if err != nil {
			return r, err
		}
		r.throughput = rps
	} else {
		n, errs := closedLoop(client, url, o.conns, o.duration)
		r.throughput = float64(n) / o.duration.Seconds()
		r.errors += errs
	}

	load, err := probes.NewLoad(probes.LoadConfig{Name: path, URL: url, Rate: o.rate, Timeout: 5 * time.Second,
		Window: o.duration + time.Second})
	if err != nil {
		return r, err
	}
	var cpu0 time.Duration
	if proxy != nil {
		cpu0 = proxy.cpu()
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.duration)
	defer cancel()
	start := time.Now()
	_ = load.Run(ctx)
	w := load.Window(time.Now(), time.Since(start)+time.Second, 50, 99)
	r.p50, r.p99 = w.Latency[0], w.Latency[1]
	r.errors += w.Errors
	r.sent = w.Count
	if proxy != nil && w.Count > 0 {
		r.cpuPerReq = (proxy.cpu() - cpu0) / time.Duration(w.Count)
	}
	return r, nil
}

// closedLoop sends requests back to back on conns connections for d and
// returns how many completed and how many failed.
func closedLoop(client *http.Client, url string, conns int, d time.Duration) (int64, int64) {
	var ok, failed atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				resp, err := client.Get(url)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
					continue
				}
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	return ok.Load(), failed.Load()
}

// wrkLoop runs wrk (2 threads, conns connections) and returns its
// requests per second.
func wrkLoop(wrk, url string, conns int, d time.Duration) (float64, error) {
	out, err := exec.Command(wrk, "-t2", fmt.Sprintf("-c%d", conns), fmt.Sprintf("-d%ds", int(d.Seconds()+0.5)), url).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("wrk: %v: %s", err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "Requests/sec:" {
			return strconv.ParseFloat(f[1], 64)
		}
	}
	return 0, fmt.Errorf("no Requests/sec in wrk's output: %s", out)
}

func report(rs []result) {
	var direct *result
	for i := range rs {
		if rs[i].name == "direct" {
			direct = &rs[i]
		}
	}
	fmt.Printf("%-10s %12s %9s %10s %10s %10s %12s %7s\n", "path", "closed req/s", "vs direct", "p50", "p99", "p50 added", "proxy CPU/req", "errors")
	for _, r := range rs {
		ratio, added := "", ""
		if direct != nil && direct.throughput > 0 {
			ratio = fmt.Sprintf("%.2fx", r.throughput/direct.throughput)
			added = fmt.Sprintf("%+.3fms", float64(r.p50-direct.p50)/1e6)
		}
		cpu := "-"
		if r.cpuPerReq > 0 {
			cpu = fmt.Sprintf("%.0fµs", float64(r.cpuPerReq)/1e3)
		}
		fmt.Printf("%-10s %12.0f %9s %9.3fms %9.3fms %10s %12s %7d\n", r.name, r.throughput, ratio,
			float64(r.p50)/1e6, float64(r.p99)/1e6, added, cpu, r.errors)
	}
	fmt.Println("\nCPU per request is the proxy process's user+system time over the open-loop phase divided by its requests (resolution 10 ms of CPU).")
}
