package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/gameday-dev/gameday/probes"
)

// serve is the server role: a plain HTTP server on loopback that answers
// every request with a short 200. It prints "ready ADDR" once it listens
// and runs until SIGTERM.
func serve() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	body := []byte("ok\n")
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(body)
	}), ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("ready %s\n", ln.Addr())
	go func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
		<-ch
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// startServer runs the server role as a child process that dies with us.
func startServer() (addr string, stop func(), err error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(self, "serve")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready ") {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return "", nil, fmt.Errorf("the server did not start: %q %v", line, err)
	}
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}
	return strings.TrimSpace(strings.TrimPrefix(line, "ready ")), stop, nil
}

// figures are one generator's results in one round.
type figures struct {
	maxRate   float64 // closed loop: successful responses per second
	maxErrors int64   // closed loop: errors (hits not sent excluded, see notSent)
	notSent   int64   // closed loop, gameday: hits that found every slot busy
	cpuPerReq cpuUse  // at the fixed rate
	fixedReqs int64   // requests at the fixed rate
	fixedErrs int64
	p50, p99  time.Duration // latency at the fixed rate
}

// cpuUse is this process's CPU time so far, in user space and in the
// kernel (system calls: on loopback, a write also carries the packet to
// the server's socket).
// It also counts heap allocations.
type cpuUse struct {
	user, sys time.Duration
	allocs    float64
}

func cpuTime() cpuUse {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return cpuUse{}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return cpuUse{time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano()), float64(ms.Mallocs)}
}

// perRequest divides what was used since c0 by n requests.
func (c0 cpuUse) perRequest(n int64) cpuUse {
	c := cpuTime()
	if n <= 0 {
		return cpuUse{}
	}
	return cpuUse{(c.user - c0.user) / time.Duration(n), (c.sys - c0.sys) / time.Duration(n), (c.allocs - c0.allocs) / float64(n)}
}

func (c cpuUse) total() time.Duration { return c.user + c.sys }

// settle collects the garbage of the previous run before the next one is
// measured, so that no run pays for another's.
func settle() {
	runtime.GC()
	time.Sleep(300 * time.Millisecond)
}

func run(o options) error {
	if o.transport != "http" && o.transport != "raw" {
		return fmt.Errorf("-transport %q: want http or raw", o.transport)
	}
	if o.rounds < 1 || o.workers < 1 || o.rate <= 0 || o.offered <= 0 || o.duration <= 0 {
		return fmt.Errorf("want positive -rounds, -workers, -rate, -offered and -duration")
	}
	gens := []string{"vegeta", "gameday"}
	switch o.only {
	case "":
	case "vegeta", "gameday":
		gens = []string{o.only}
	default:
		return fmt.Errorf("-only %q: want vegeta or gameday", o.only)
	}
	doMax, doCPU := false, false
	for _, m := range strings.Split(o.measure, ",") {
		switch m {
		case "max":
			doMax = true
		case "cpu":
			doCPU = true
		default:
			return fmt.Errorf("-measure %q: want max, cpu or max,cpu", o.measure)
		}
	}
	addr, stop, err := startServer()
	if err != nil {
		return err
	}
	defer stop()
	url := "http://" + addr + "/checkout"
	var load1, load5, load15 float64
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		_, _ = fmt.Sscan(string(b), &load1, &load5, &load15)
	}
	fmt.Printf("loadbench: %s, %d CPUs, load average %.2f %.2f %.2f; server %s\n", time.Now().Format("2006-01-02 15:04"),
		runtime.NumCPU(), load1, load5, load15, addr)
	fmt.Printf("closed loop: %d workers (vegeta rate 0; gameday asked for %.0f req/s with MaxInFlight %d); fixed rate %.0f req/s; %v per measurement, %d round(s)\n\n",
		o.workers, o.offered, o.workers, o.rate, o.duration, o.rounds)
	// Warm up the server (its goroutines, its heap) with the generators
	// that are measured, before the profile starts.
	for _, g := range gens {
		if g == "vegeta" {
			measureVegetaMax(url, o.workers, 500*time.Millisecond)
		} else if _, _, _, err := measureGamedayMax(o, url, 500*time.Millisecond); err != nil {
			return err
		}
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	results := map[string][]figures{}
	for r := 1; r <= o.rounds; r++ {
		for _, g := range gens {
			var f figures
			if doMax {
				settle()
				if g == "vegeta" {
					f.maxRate, f.maxErrors = measureVegetaMax(url, o.workers, o.duration)
				} else if f.maxRate, f.maxErrors, f.notSent, err = measureGamedayMax(o, url, o.duration); err != nil {
					return err
				}
			}
			if doCPU {
				settle()
				if g == "vegeta" {
					f.cpuPerReq, f.fixedReqs, f.fixedErrs, f.p50, f.p99 = measureVegetaFixed(url, o.rate, o.duration)
				} else if f.cpuPerReq, f.fixedReqs, f.fixedErrs, f.p50, f.p99, err = measureGamedayFixed(o, url); err != nil {
					return err
				}
			}
			results[g] = append(results[g], f)
			line := fmt.Sprintf("round %d %-8s", r, g)
			if doMax {
				line += fmt.Sprintf(" closed loop %6.0f req/s (%d errors%s)", f.maxRate, f.maxErrors, notSentNote(g, f.notSent))
			}
			if doCPU {
				line += fmt.Sprintf(" at %.0f req/s: %5.1f µs CPU/request (user %.1f, sys %.1f), %.0f allocs/request, p50 %.2f ms, p99 %.2f ms (%d requests, %d errors)",
					o.rate, us(f.cpuPerReq.total()), us(f.cpuPerReq.user), us(f.cpuPerReq.sys), f.cpuPerReq.allocs,
					ms(f.p50), ms(f.p99), f.fixedReqs, f.fixedErrs)
			}
			fmt.Println(line)
		}
	}
	report(o, gens, results)
	return nil
}

func notSentNote(g string, n int64) string {
	if g != "gameday" {
		return ""
	}
	return fmt.Sprintf(", %d hits not sent: all slots busy", n)
}

func us(d time.Duration) float64 { return float64(d) / 1e3 }
func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// report prints the medians over the rounds and gameday's ratios to vegeta.
func report(o options, gens []string, results map[string][]figures) {
	med := map[string]figures{}
	for _, g := range gens {
		fs := results[g]
		var f figures
		f.maxRate = median(fs, func(f figures) float64 { return f.maxRate })
		f.cpuPerReq.sys = time.Duration(median(fs, func(f figures) float64 { return float64(f.cpuPerReq.sys) }))
		total := time.Duration(median(fs, func(f figures) float64 { return float64(f.cpuPerReq.total()) }))
		f.cpuPerReq.user = total - f.cpuPerReq.sys // the median total, split as the median sys
		f.p50 = time.Duration(median(fs, func(f figures) float64 { return float64(f.p50) }))
		f.p99 = time.Duration(median(fs, func(f figures) float64 { return float64(f.p99) }))
		med[g] = f
	}
	fmt.Printf("\nmedian of %d round(s):\n", o.rounds)
	fmt.Printf("%-8s %17s %18s %10s %10s %9s %9s\n", "", "closed loop req/s", fmt.Sprintf("CPU/req at %.0f/s", o.rate), "of it user", "sys", "p50", "p99")
	for _, g := range gens {
		f := med[g]
		fmt.Printf("%-8s %17.0f %16.1fµs %8.1fµs %8.1fµs %7.2fms %7.2fms\n", g, f.maxRate, us(f.cpuPerReq.total()),
			us(f.cpuPerReq.user), us(f.cpuPerReq.sys), ms(f.p50), ms(f.p99))
	}
	v, okV := med["vegeta"]
	g, okG := med["gameday"]
	if !okV || !okG {
		return
	}
	fmt.Print("\ngameday / vegeta:")
	if v.maxRate > 0 {
		rate := g.maxRate / v.maxRate
		fmt.Printf(" closed loop %.2fx (goal >= 1.00: %s);", rate, verdict(rate >= 1))
	}
	if v.cpuPerReq.total() > 0 {
		cpu := float64(g.cpuPerReq.total()) / float64(v.cpuPerReq.total())
		fmt.Printf(" CPU per request %.2fx (goal <= 0.50: %s)", cpu, verdict(cpu <= 0.5))
	}
	fmt.Println()
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}

func median(fs []figures, f func(figures) float64) float64 {
	vs := make([]float64, len(fs))
	for i := range fs {
		vs[i] = f(fs[i])
	}
	slices.Sort(vs)
	if len(vs) == 0 {
		return 0
	}
	if len(vs)%2 == 1 {
		return vs[len(vs)/2]
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
}

// measureVegetaMax runs vegeta as `vegeta attack -rate 0 -max-workers N`
// does (a fixed pool of N workers, each sending its next request as soon as
// the previous one is answered), its results added to vegeta's Metrics as
// `vegeta report` would, and returns the successful responses per second.
func measureVegetaMax(url string, workers int, d time.Duration) (float64, int64) {
	atk := vegeta.NewAttacker(vegeta.Workers(uint64(workers)), vegeta.MaxWorkers(uint64(workers)), vegeta.Timeout(5*time.Second))
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: url})
	var m vegeta.Metrics
	for res := range atk.Attack(tr, vegeta.Rate{Freq: 0, Per: time.Second}, d, "closed") {
		m.Add(res)
	}
	m.Close()
	errs := int64(m.Requests) - int64(float64(m.Requests)*m.Success+0.5)
	return float64(m.Requests-uint64(errs)) / d.Seconds(), errs
}

// measureVegetaFixed runs vegeta at rate req/s with its defaults (10
// workers at first, more when they are all busy) and returns this process's
// CPU per request.
func measureVegetaFixed(url string, rate float64, d time.Duration) (cpu cpuUse, n, errs int64, p50, p99 time.Duration) {
	atk := vegeta.NewAttacker(vegeta.Timeout(5 * time.Second))
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: url})
	var m vegeta.Metrics
	cpu0 := cpuTime()
	for res := range atk.Attack(tr, vegeta.Rate{Freq: int(rate), Per: time.Second}, d, "fixed") {
		m.Add(res)
	}
	m.Close()
	n = int64(m.Requests)
	cpu = cpu0.perRequest(n)
	errs = n - int64(float64(n)*m.Success+0.5)
	return cpu, n, errs, m.Latencies.P50, m.Latencies.P99
}

// measureGamedayMax finds the maximum rate of gameday's load generator. It
// is open loop by design (requests go out at the rate asked for, whatever
// the latency of earlier ones), and gameday's Load has no closed-loop
// mode; so it is asked for more than the server can take (offered), with
// MaxInFlight = workers: at most as many requests are outstanding as
// vegeta's workers, and a slot that frees is refilled by the next hit due
// (every 1/offered s), which is a closed loop of that many clients to
// within a few microseconds. Hits that find every slot busy are counted
// as not sent, as the load counts them in a game day. The rate returned
// is successful responses per second.
func measureGamedayMax(o options, url string, d time.Duration) (float64, int64, int64, error) {
	client, done := gamedayClient(o)
	defer done()
	l, err := probes.NewLoad(probes.LoadConfig{Name: "closed", URL: url, Rate: o.offered, Timeout: 5 * time.Second,
		Window: d + 2*time.Second, MaxInFlight: o.workers, Client: client})
	if err != nil {
		return 0, 0, 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_ = l.Run(ctx)
	w := l.Window(time.Now(), d+2*time.Second)
	s := l.Collect(time.Now())
	failed := transportErrors(s, w)
	ok := w.Count - w.Errors
	return float64(ok) / d.Seconds(), failed, s.TotalErrors - failed, nil
}

// transportErrors is how many of the errors were requests sent that failed
// (the rest were hits not sent): sent minus successful responses.
func transportErrors(s probes.LoadSample, w probes.WindowStats) int64 {
	return s.TotalSent - (w.Count - w.Errors)
}

// measureGamedayFixed runs gameday's load at rate req/s with its defaults
// and returns this process's CPU per request.
func measureGamedayFixed(o options, url string) (cpu cpuUse, n, errs int64, p50, p99 time.Duration, err error) {
	d := o.duration
	client, done := gamedayClient(o)
	defer done()
	l, err := probes.NewLoad(probes.LoadConfig{Name: "fixed", URL: url, Rate: o.rate, Timeout: 5 * time.Second,
		Window: d + 2*time.Second, Client: client})
	if err != nil {
		return cpuUse{}, 0, 0, 0, 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cpu0 := cpuTime()
	_ = l.Run(ctx)
	w := l.Window(time.Now(), d+2*time.Second, 50, 99)
	n, errs = w.Count, w.Errors
	cpu = cpu0.perRequest(n)
	return cpu, n, errs, w.Latency[0], w.Latency[1], nil
}

// gamedayClient is the client gameday's load uses: nil for its own (on
// net/http's Transport), or one on the raw transport; done closes the
// raw transport's connections.
func gamedayClient(o options) (*http.Client, func()) {
	if o.transport != "raw" {
		return nil, func() {}
	}
	t := newRawTransport(1024)
	return &http.Client{Transport: t}, t.closeIdle
}
