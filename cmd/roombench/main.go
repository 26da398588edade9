// Command roombench measures what a room of SSH seats costs a live game
// day, on the built-in demo:
//
//	roombench ──tmux──▶ gameday demo --yes --serve (the facilitator's terminal, 160×48)
//	          ──ssh───▶ N observers (golang.org/x/crypto/ssh, a PTY of 160×48 each)
//
// For each count of observers it reports the gameday process's CPU (its
// user and system ticks from /proc over the measured time), and, with at
// least one observer, the time from a trigger (a key in the facilitator's
// terminal) to the first frame that shows it on an observer's screen.
// Stalled seats (they connect and never read) measure the session's pace:
// gameday_intervals_total from --metrics-addr must grow as fast with them
// as without.
//
//	go build -o /tmp/gd ./cmd/gameday
//	go run ./cmd/roombench -bin /tmp/gd                         # 0, 1, 10, 20 observers
//	go run ./cmd/roombench -bin /tmp/gd -observers 0,20 -duration 30s -stalled 10
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

func main() {
	bin := flag.String("bin", "/tmp/gd", "the gameday binary")
	counts := flag.String("observers", "0,1,10,20", "how many observers, for each measurement")
	duration := flag.Duration("duration", 20*time.Second, "how long the CPU is measured")
	stalled := flag.Int("stalled", 10, "stalled seats for the pace measurement (0: skip it)")
	triggers := flag.Int("triggers", 5, "trigger-to-observer rounds per measurement")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "have gameday write a CPU profile here (of the last measurement)")
	flag.Parse()
	fmt.Printf("roombench: %s, demo at 50 checkouts/s, terminals 160×48, %v per CPU measurement\n\n", *bin, *duration)
	fmt.Printf("| observers | CPU of gameday (share of one core) | trigger → observer's screen (median, max of %d) |\n| --- | --- | --- |\n", *triggers)
	var base float64
	for _, f := range strings.Split(*counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			fail(err)
		}
		g := start(*bin)
		obs := g.observers(n, true)
		time.Sleep(3 * time.Second) // the seats' first frames, the shop warm
		cpu := g.cpu(*duration)
		lat := "–"
		if n > 0 {
			lat = g.latency(obs[0], *triggers)
		}
		extra := ""
		if n == 0 {
			base = cpu
		} else {
			extra = fmt.Sprintf(" (+%.1f points)", 100*(cpu-base))
		}
		fmt.Printf("| %d | %.1f %%%s | %s |\n", n, 100*cpu, extra, lat)
		g.stop()
	}
	if *stalled > 0 {
		fmt.Printf("\n| stalled seats | intervals judged per second (250 ms: 4.0) |\n| --- | --- |\n")
		for _, s := range []int{0, *stalled} {
			g := start(*bin)
			g.observers(s, false)
			time.Sleep(5 * time.Second) // long enough for a stalled seat's SSH window to fill
			fmt.Printf("| %d | %.2f |\n", s, g.pace(*duration))
			g.stop()
		}
	}
}

var cpuProfile string

// game is a gameday demo served to a room, in a tmux session.
type game struct {
	tmux, addr, metrics, dir string
	pid                      int
	conns                    []*gossh.Client
}

func start(bin string) *game {
	dir, err := os.MkdirTemp("", "roombench-")
	if err != nil {
		fail(err)
	}
	g := &game{tmux: fmt.Sprintf("roombench-%d", time.Now().UnixNano()%1e6), addr: freeAddr(), metrics: freeAddr(), dir: dir}
	cmd := fmt.Sprintf("exec %s demo --yes --serve %s --metrics-addr %s --state-file %s --log-file %s",
		bin, g.addr, g.metrics, filepath.Join(dir, "state.json"), filepath.Join(dir, "log"))
	if cpuProfile != "" {
		cmd += " --cpu-profile " + cpuProfile
	}
	if out, err := exec.Command("tmux", "new-session", "-d", "-s", g.tmux, "-x", "160", "-y", "48", cmd).CombinedOutput(); err != nil {
		fail(fmt.Errorf("tmux: %v: %s", err, out))
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if c, err := net.Dial("tcp", g.addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			fail(fmt.Errorf("gameday did not serve %s within 20 s", g.addr))
		}
	}
	out, err := exec.Command("tmux", "list-panes", "-t", g.tmux, "-F", "#{pane_pid}").Output()
	if err != nil {
		fail(err)
	}
	g.pid, _ = strconv.Atoi(strings.TrimSpace(string(out)))
	return g
}

func (g *game) stop() {
	for _, c := range g.conns {
		c.Close()
	}
	_ = exec.Command("tmux", "send-keys", "-t", g.tmux, "q").Run()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", g.pid)); err != nil {
			break
		}
	}
	_ = exec.Command("tmux", "kill-session", "-t", g.tmux).Run()
	os.RemoveAll(g.dir)
}

// observer is a seat's screen: what it drew, and a signal when it drew.
type observer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	drew chan struct{}
}

// observers connects n seats (open room: no key), each with a terminal;
// read=false never reads their output (stalled seats).
func (g *game) observers(n int, read bool) []*observer {
	var out []*observer
	for i := range n {
		conn, err := gossh.Dial("tcp", g.addr, &gossh.ClientConfig{User: fmt.Sprintf("obs%d", i),
			Auth: []gossh.AuthMethod{gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
				return nil, nil
			})},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
		if err != nil {
			fail(err)
		}
		g.conns = append(g.conns, conn)
		s, err := conn.NewSession()
		if err != nil {
			fail(err)
		}
		if err := s.RequestPty("xterm-256color", 48, 160, gossh.TerminalModes{}); err != nil {
			fail(err)
		}
		stdout, _ := s.StdoutPipe()
		if err := s.Shell(); err != nil {
			fail(err)
		}
		o := &observer{drew: make(chan struct{}, 1)}
		out = append(out, o)
		if read {
			go o.read(stdout)
		}
	}
	return out
}

func (o *observer) read(r io.Reader) {
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		o.mu.Lock()
		o.buf.Write(buf[:n])
		if o.buf.Len() > 1<<20 {
			o.buf.Reset() // only what comes after a mark matters
		}
		o.mu.Unlock()
		select {
		case o.drew <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

// waitFor waits until the screen drew text since the last reset.
func (o *observer) waitFor(text string, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		o.mu.Lock()
		ok := bytes.Contains(o.buf.Bytes(), []byte(text))
		o.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-o.drew:
		case <-deadline:
			return false
		}
	}
}

func (o *observer) reset() {
	o.mu.Lock()
	o.buf.Reset()
	o.mu.Unlock()
}

// latency triggers the first block from the facilitator's terminal and
// times the observer's first frame that says so, rounds times.
func (g *game) latency(o *observer, rounds int) string {
	var ds []time.Duration
	for range rounds {
		o.reset()
		t0 := time.Now()
		_ = exec.Command("tmux", "send-keys", "-t", g.tmux, "Enter").Run()
		if !o.waitFor("LIVE", 10*time.Second) {
			fail(fmt.Errorf("the observer never saw the trigger"))
		}
		ds = append(ds, time.Since(t0))
		o.reset()
		_ = exec.Command("tmux", "send-keys", "-t", g.tmux, "x").Run()
		if !o.waitFor("ALL HALTED", 10*time.Second) {
			fail(fmt.Errorf("the observer never saw the halt"))
		}
		time.Sleep(time.Second)
	}
	slices.Sort(ds)
	return fmt.Sprintf("%v, %v", ds[len(ds)/2].Round(time.Millisecond), ds[len(ds)-1].Round(time.Millisecond))
}

// cpu is the gameday process's CPU over d, as a share of one core.
func (g *game) cpu(d time.Duration) float64 {
	a, t0 := ticks(g.pid), time.Now()
	time.Sleep(d)
	b, t1 := ticks(g.pid), time.Now()
	return float64(b-a) / 100 / t1.Sub(t0).Seconds() // USER_HZ is 100 on Linux
}

func ticks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		fail(err)
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	u, _ := strconv.ParseInt(f[11], 10, 64) // utime is field 14, stime 15
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

// pace is the intervals the session judged per second over d.
func (g *game) pace(d time.Duration) float64 {
	a, t0 := g.intervals(), time.Now()
	time.Sleep(d)
	b, t1 := g.intervals(), time.Now()
	return (b - a) / t1.Sub(t0).Seconds()
}

func (g *game) intervals() float64 {
	resp, err := http.Get("http://" + g.metrics + "/metrics")
	if err != nil {
		fail(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "gameday_intervals_total "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	fail(fmt.Errorf("no gameday_intervals_total at %s", g.metrics))
	return 0
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "roombench:", err)
	os.Exit(1)
}
