package inject_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// requireTool returns the path of a tool the test needs. Without it the
// test skips, unless GAMEDAY_REQUIRE_ALL=1 (as in .ci/run), where it fails.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("GAMEDAY_REQUIRE_ALL") == "1" {
			t.Fatalf("%s is required (GAMEDAY_REQUIRE_ALL=1) but not installed: %v", name, err)
		}
		t.Skipf("%s is not installed; skipping (install it, or set GAMEDAY_REQUIRE_ALL=1 to make this a failure)", name)
	}
	return p
}

// startRedis runs redis-server on a free loopback port until the test
// ends, and returns its address.
func startRedis(t *testing.T) string {
	t.Helper()
	bin := requireTool(t, "redis-server")
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	log, err := os.Create(filepath.Join(dir, "redis.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--daemonize", "no")
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			r := newRESP(c)
			reply, err := r.do("PING")
			c.Close()
			if err == nil && slices.Equal(reply, []string{"PONG"}) {
				return addr
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			t.Fatalf("redis-server on %s did not answer PING within 20 s:\n%s", addr, b)
		}
	}
}

// resp speaks just enough of Redis's protocol for the tests: a command
// out, a reply in (a status, an integer, a bulk string, or an array of
// them, flattened; a nil reply is "(nil)").
type resp struct {
	c net.Conn
	r *bufio.Reader
}

func newRESP(c net.Conn) *resp { return &resp{c: c, r: bufio.NewReader(c)} }

func dialRESP(t *testing.T, addr string) *resp {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return newRESP(c)
}

func (r *resp) send(args ...string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	r.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := r.c.Write([]byte(b.String()))
	return err
}

// reply reads one reply, waiting at most wait.
func (r *resp) reply(wait time.Duration) ([]string, error) {
	r.c.SetReadDeadline(time.Now().Add(wait))
	var out []string
	err := r.read(&out)
	return out, err
}

func (r *resp) read(out *[]string) error {
	line, err := r.r.ReadString('\n')
	if err != nil {
		return err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return errors.New("empty reply line")
	}
	switch line[0] {
	case '+', ':':
		*out = append(*out, line[1:])
	case '-':
		return errors.New("redis: " + line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return err
		}
		if n < 0 {
			*out = append(*out, "(nil)")
			return nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(r.r, b); err != nil {
			return err
		}
		*out = append(*out, string(b[:n]))
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return err
		}
		for range n {
			if err := r.read(out); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("reply %q", line)
	}
	return nil
}

func (r *resp) do(args ...string) ([]string, error) {
	if err := r.send(args...); err != nil {
		return nil, err
	}
	return r.reply(5 * time.Second)
}

func (r *resp) must(t *testing.T, args ...string) []string {
	t.Helper()
	reply, err := r.do(args...)
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	return reply
}

// blockedClients returns Redis's count of clients blocked in a command
// such as BRPOP.
func blockedClients(t *testing.T, r *resp) int {
	t.Helper()
	info := strings.Join(r.must(t, "INFO", "clients"), "")
	for _, l := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "blocked_clients:"); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	t.Fatalf("no blocked_clients in INFO clients:\n%s", info)
	return 0
}

// TestTCPBlackholeRedisBRPOP: a consumer's BRPOP sent through the proxy
// during a blackhole reaches Redis after the halt, and completes once a
// job is pushed (straight to Redis); the queue drains and the consumer's
// connection carries on.
//
//	consumer ──BRPOP──▶ proxy (blackhole, then halted) ──▶ redis-server ◀──LPUSH── test
func TestTCPBlackholeRedisBRPOP(t *testing.T) {
	addr := startRedis(t)
	p := newTCPProxy(t, addr)
	direct := dialRESP(t, addr)
	consumer := dialRESP(t, p.Addr())
	if got := consumer.must(t, "PING"); !slices.Equal(got, []string{"PONG"}) {
		t.Fatalf("PING through the proxy: %q", got)
	}
	h := startTCPFault(t, p, inject.TCPFault{Kind: inject.TCPBlackhole})
	if err := consumer.send("BRPOP", "jobs", "0"); err != nil {
		t.Fatal(err)
	}
	if reply, err := consumer.reply(300 * time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("BRPOP through a blackhole answered: %q, %v", reply, err)
	}
	if n := blockedClients(t, direct); n != 0 {
		t.Fatalf("Redis has %d blocked clients during the blackhole; the BRPOP should be held by the proxy", n)
	}
	if err := h.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitCount(t, "clients blocked in Redis after the halt", func() int { return blockedClients(t, direct) }, 1)
	direct.must(t, "LPUSH", "jobs", "job-1")
	reply, err := consumer.reply(10 * time.Second)
	if err != nil || !slices.Equal(reply, []string{"jobs", "job-1"}) {
		t.Fatalf("BRPOP after the halt: %q, %v; want [jobs job-1]", reply, err)
	}
	if n := direct.must(t, "LLEN", "jobs"); !slices.Equal(n, []string{"0"}) {
		t.Fatalf("LLEN jobs: %q, want 0: the queue should have drained", n)
	}
	if got := consumer.must(t, "PING"); !slices.Equal(got, []string{"PONG"}) {
		t.Fatalf("PING on the same connection after the halt: %q", got)
	}
}
