package inject_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// The capacity tests run the proxy in a child process of their own (this
// test binary again, running TestTCPCapacityRole) so that its file
// descriptors can be limited and counted alone:
//
//	test process                 child "proxy"               child "echo"
//	N client sockets ──────────▶ TCPProxy (RLIMIT_NOFILE) ──▶ echo server
//	      ▲ stdout: ready, stat, error lines ◀─┘ stdin: stat, EOF to exit
const (
	tcpRoleEnv   = "GAMEDAY_TCP_ROLE"     // proxy or echo: this process is a child
	tcpNofileEnv = "GAMEDAY_TCP_NOFILE"   // the proxy child's RLIMIT_NOFILE
	tcpUpEnv     = "GAMEDAY_TCP_UPSTREAM" // the proxy child's upstream
)

// tcpCapacityHook, when set (by a test file of the proxy's error
// reporting), is called on the proxy child's proxy before it serves, with
// a function that prints a line to the parent.
var tcpCapacityHook func(p *inject.TCPProxy, println func(string))

// TestTCPCapacityRole is the body of the capacity tests' children; run
// without GAMEDAY_TCP_ROLE it does nothing.
func TestTCPCapacityRole(t *testing.T) {
	role := os.Getenv(tcpRoleEnv)
	if role == "" {
		t.Skip("only run as a child of the capacity tests")
	}
	var mu sync.Mutex
	println := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(os.Stdout, s)
	}
	var stop func()
	switch role {
	case "echo":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					if errors.Is(err, net.ErrClosed) {
						return
					}
					time.Sleep(10 * time.Millisecond)
					continue
				}
				go func() {
					defer c.Close()
					tcpEcho(c.(*net.TCPConn))
				}()
			}
		}()
		println("ready " + ln.Addr().String())
		stop = func() { ln.Close() }
	case "proxy":
		n, err := strconv.ParseUint(os.Getenv(tcpNofileEnv), 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", tcpNofileEnv, err)
		}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
			t.Fatalf("setrlimit %d: %v", n, err)
		}
		p, err := inject.NewTCPProxy("capacity", "", os.Getenv(tcpUpEnv))
		if err != nil {
			t.Fatal(err)
		}
		if tcpCapacityHook != nil {
			tcpCapacityHook(p, println)
		}
		println("ready " + p.Addr())
		stop = func() { p.Close() }
	default:
		t.Fatalf("unknown role %q", role)
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() == "stat" {
			debug.FreeOSMemory() // the parent reads /proc: this process may be out of fds
			println("stat")
		}
	}
	stop()
}

// tcpProcStat returns the open file descriptors of process pid and its
// resident memory in KiB.
func tcpProcStat(pid int) (fds, rssKiB int) {
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		fds = len(ents)
	}
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(status), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			rssKiB, _ = strconv.Atoi(f[1])
		}
	}
	return fds, rssKiB
}

// tcpChild is a running child of the capacity tests.
type tcpChild struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	addr  string
	stats chan struct{} // answers to stat
	errs  chan string   // "error ..." lines
	done  chan struct{}
}

func startTCPChild(t testing.TB, role string, env ...string) *tcpChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestTCPCapacityRole$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), tcpRoleEnv+"="+role), env...)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &tcpChild{cmd: cmd, stdin: stdin, stats: make(chan struct{}, 1), errs: make(chan string, 1024), done: make(chan struct{})}
	ready := make(chan string, 1)
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) == 2 && f[0] == "ready":
				ready <- f[1]
			case len(f) == 1 && f[0] == "stat":
				c.stats <- struct{}{}
			case len(f) > 0 && f[0] == "error":
				select {
				case c.errs <- sc.Text():
				default:
				}
			}
		}
	}()
	t.Cleanup(c.stop)
	select {
	case c.addr = <-ready:
	case <-c.done:
		t.Fatalf("child %s ended before it was ready", role)
	case <-time.After(20 * time.Second):
		t.Fatalf("child %s: not ready after 20 s", role)
	}
	return c
}

// stat returns the child's open file descriptors and resident KiB, once it
// has returned freed memory to the system.
func (c *tcpChild) stat(t testing.TB) (fds, rssKiB int) {
	t.Helper()
	if _, err := io.WriteString(c.stdin, "stat\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.stats:
		return tcpProcStat(c.cmd.Process.Pid)
	case <-time.After(20 * time.Second):
		t.Fatal("no answer to stat")
	}
	return 0, 0
}

func (c *tcpChild) stop() {
	c.stdin.Close()
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
	}
	c.cmd.Wait()
}

// tcpEchoOnce writes msg on c and reads it back within timeout.
func tcpEchoOnce(c net.Conn, msg []byte, timeout time.Duration) error {
	c.SetDeadline(time.Now().Add(timeout))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(msg); err != nil {
		return err
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		return err
	}
	if !bytes.Equal(got, msg) {
		return fmt.Errorf("echo %q, want %q", got, msg)
	}
	return nil
}

// tcpOpenEchoing opens up to n connections to addr with a few workers,
// each checked by one echo; it stops early after maxFail failures. It
// returns the connections that echoed and the failures by kind.
func tcpOpenEchoing(addr string, n, maxFail int, timeout time.Duration) ([]net.Conn, map[string]int) {
	var (
		mu    sync.Mutex
		conns []net.Conn
		fails = map[string]int{}
		nfail atomic.Int64
		next  atomic.Int64
		wg    sync.WaitGroup
	)
	for range 32 {
		wg.Go(func() {
			for next.Add(1) <= int64(n) && nfail.Load() < int64(maxFail) {
				c, err := net.DialTimeout("tcp", addr, timeout)
				if err == nil {
					if err = tcpEchoOnce(c, []byte("capacity"), timeout); err != nil {
						c.Close()
					}
				}
				mu.Lock()
				if err != nil {
					nfail.Add(1)
					fails[tcpErrKind(err)]++
				} else {
					conns = append(conns, c)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return conns, fails
}

func tcpErrKind(err error) string {
	var errno syscall.Errno
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "EOF"
	case errors.As(err, &errno):
		return errno.Error()
	}
	return err.Error()
}

// tcpCountEchoing returns how many of conns still echo.
func tcpCountEchoing(conns []net.Conn, timeout time.Duration) int {
	var ok atomic.Int64
	var wg sync.WaitGroup
	ch := make(chan net.Conn)
	for range 32 {
		wg.Go(func() {
			for c := range ch {
				if tcpEchoOnce(c, []byte("still"), timeout) == nil {
					ok.Add(1)
				}
			}
		})
	}
	for _, c := range conns {
		ch <- c
	}
	close(ch)
	wg.Wait()
	return int(ok.Load())
}

// TestTCPCapacityMeasure measures how many connections the proxy holds
// under an fd limit, its fds per connection and its memory per idle
// connection. It runs only when asked, as it opens thousands of
// connections:
//
//	GAMEDAY_TCP_CAPACITY=10000 GAMEDAY_TCP_NOFILE=20000 \
//	  go test -run TestTCPCapacityMeasure -v ./inject/
func TestTCPCapacityMeasure(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("GAMEDAY_TCP_CAPACITY"))
	if n <= 0 {
		t.Skip("set GAMEDAY_TCP_CAPACITY=N (connections to open) to run")
	}
	nofile := os.Getenv(tcpNofileEnv)
	if nofile == "" {
		nofile = "20000"
	}
	var lim syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	if lim.Cur < uint64(n)+100 {
		t.Skipf("this process may open %d files; it needs %d for the client sockets", lim.Cur, n+100)
	}
	echo := startTCPChild(t, "echo")
	proxy := startTCPChild(t, "proxy", tcpNofileEnv+"="+nofile, tcpUpEnv+"="+echo.addr)
	fds0, rss0 := proxy.stat(t)
	start := time.Now()
	conns, fails := tcpOpenEchoing(proxy.addr, n, 200, 2*time.Second)
	opened := time.Since(start)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	held := tcpCountEchoing(conns, 5*time.Second)
	fds1, rss1 := proxy.stat(t)
	t.Logf("RLIMIT_NOFILE %s: asked for %d connections, %d echoed when opened (in %v), %d still echo at the end; failures: %v",
		nofile, n, len(conns), opened.Round(time.Millisecond), held, fails)
	t.Logf("proxy fds: %d idle, %d with the connections open", fds0, fds1)
	t.Logf("proxy RSS: %d KiB idle, %d KiB with the connections open", rss0, rss1)
	if len(conns) > 0 {
		t.Logf("per connection: %.2f fds; %.0f KiB of RSS per 1,000 idle connections",
			float64(fds1-fds0)/float64(len(conns)), float64(rss1-rss0)/float64(len(conns))*1000)
	}
	for {
		select {
		case e := <-proxy.errs:
			t.Log("proxy reported:", e)
			continue
		default:
		}
		break
	}
}

// tcpProcCPU returns the user and system CPU time process pid has used.
func tcpProcCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from the state on
	ut, _ := strconv.Atoi(f[11])
	st, _ := strconv.Atoi(f[12])
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// TestTCPBulkMeasure measures bulk transfers through a proxy in a child
// process: throughput, and the proxy process's CPU per GiB (from
// /proc/PID/stat). The client and the sink are this process. It runs only
// when asked:
//
//	GAMEDAY_TCP_BULK=2048 go test -run TestTCPBulkMeasure -v ./inject/
func TestTCPBulkMeasure(t *testing.T) {
	mib, _ := strconv.Atoi(os.Getenv("GAMEDAY_TCP_BULK"))
	if mib <= 0 {
		t.Skip("set GAMEDAY_TCP_BULK=MiB (to send through the proxy) to run")
	}
	sink := newTCPServer(t, func(c *net.TCPConn) {
		n, _ := io.Copy(io.Discard, c)
		fmt.Fprintf(c, "%d", n)
	})
	proxy := startTCPChild(t, "proxy", tcpNofileEnv+"=20000", tcpUpEnv+"="+sink.Addr())
	data := tcpPattern(9, 1<<20)
	for _, conns := range []int{1, 8} {
		cpu0, start := tcpProcCPU(proxy.cmd.Process.Pid), time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, conns)
		for range conns {
			wg.Go(func() { errs <- tcpBulk(proxy.addr, "upload", data, mib/conns) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		took, cpu := time.Since(start), tcpProcCPU(proxy.cmd.Process.Pid)-cpu0
		sent := float64(mib/conns*conns) / 1024 // GiB
		t.Logf("bulk %d conns: %.0f MiB/s; proxy CPU %.0f ms per GiB (%v in %v)",
			conns, sent*1024/took.Seconds(), float64(cpu.Milliseconds())/sent, cpu, took.Round(time.Millisecond))
	}
}
