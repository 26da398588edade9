package inject_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// testBinary returns the spec of this test binary run as a child process
// named name, with env added to its environment (which says what it does).
func testBinary(t testing.TB, name string, env ...string) inject.ProcessSpec {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return inject.ProcessSpec{Name: name, Path: exe, Args: []string{"-test.run=^$"}, Env: append(env, "GORACE=atexit_sleep_ms=0")}
}

// childSpec returns the spec of a child in the given mode (see runChild).
func childSpec(t testing.TB, mode string) inject.ProcessSpec {
	t.Helper()
	spec := testBinary(t, "child-"+mode, childEnv+"="+mode)
	spec.ReadyPrefix = "READY"
	spec.ReadyTimeout = 20 * time.Second // a race-built child on a busy machine
	return spec
}

// startChild starts a child and stops it at the end of the test.
func startChild(t testing.TB, spec inject.ProcessSpec) *inject.Process {
	t.Helper()
	p, err := inject.StartProcess(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop(time.Second) })
	return p
}

// procFields returns the fields of /proc/PID/stat after the command name:
// [0] is field 3 (the state), [19] field 22 (the start time).
func procFields(pid int) ([]string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, err
	}
	i := bytes.LastIndexByte(b, ')') // the command name may hold spaces and parens
	if f := strings.Fields(string(b[i+1:])); i >= 0 && len(f) >= 20 {
		return f, nil
	}
	return nil, errors.New("bad stat: " + string(b))
}

// procState returns the state letter of /proc/PID/stat ('R', 'S', 'T'...).
func procState(pid int) (byte, error) {
	f, err := procFields(pid)
	if err != nil {
		return 0, err
	}
	return f[0][0], nil
}

// waitState waits until the state of pid is (or, with not, is no longer) want.
func waitState(t testing.TB, pid int, want byte, not bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err := procState(pid)
		if err != nil {
			t.Fatal(err)
		}
		if (s == want) != not {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d: state %c (want %s%c)", pid, s, map[bool]string{true: "not "}[not], want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitDone(t testing.TB, p *inject.Process) {
	t.Helper()
	select {
	case <-p.Done():
	case <-time.After(20 * time.Second):
		t.Fatalf("process %s did not exit", p.Name())
	}
}

// gone reports whether no process has this PID (a reaped child).
func gone(pid int) bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }

// syncBuffer is a bytes.Buffer safe for the writer goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProcessReadyAndStop(t *testing.T) {
	var stderr syncBuffer
	spec := childSpec(t, "serve")
	spec.Stderr = &stderr
	p := startChild(t, spec)
	if p.Name() != "child-serve" || p.PID() <= 0 || !strings.HasPrefix(p.ReadyLine(), "http://127.0.0.1:") {
		t.Fatalf("Name %q PID %d ReadyLine %q", p.Name(), p.PID(), p.ReadyLine())
	}
	if r := get(t, newClient(t), p.ReadyLine()); r.body != "ok" {
		t.Fatalf("child answered %q", r.body)
	}
	if !strings.Contains(stderr.String(), "child: serving") {
		t.Errorf("stderr %q", stderr.String())
	}
	time.Sleep(100 * time.Millisecond) // the child ticks on stdout all along
	if p.Stopping() || p.Err() != nil {
		t.Fatalf("before Stop: Stopping %v Err %v", p.Stopping(), p.Err())
	}

	if err := p.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	waitDone(t, p)
	if !p.Stopping() || p.Err() != nil || !gone(p.PID()) {
		t.Errorf("after Stop: Stopping %v Err %v gone %v", p.Stopping(), p.Err(), gone(p.PID()))
	}
	if err := p.Stop(5 * time.Second); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestProcessStartFailures(t *testing.T) {
	pidRE := regexp.MustCompile(`pid (\d+)`)
	tests := []struct {
		name    string
		mode    string
		timeout time.Duration // ReadyTimeout
		ctxWait time.Duration // when >0, ctx ends after this
		want    []string      // in the error
		wantIs  error
	}{
		{name: "exits before ready", mode: "early-exit", want: []string{"child-early-exit", "exited before", "exit status 2", "fatal: missing config"}},
		// 3 s: time enough for a race-built child on a loaded machine to
		// write the stderr line ("pid=") that the error must quote.
		{name: "ready timeout", mode: "silent", timeout: 3 * time.Second, want: []string{"child-silent", "did not print", "killed", "pid="}},
		{name: "context ends", mode: "silent", ctxWait: 500 * time.Millisecond, want: []string{"child-silent", "killed"}, wantIs: context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := childSpec(t, tt.mode)
			if tt.timeout > 0 {
				spec.ReadyTimeout = tt.timeout
			}
			ctx := context.Background()
			if tt.ctxWait > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctxWait)
				defer cancel()
			}
			start := time.Now()
			p, err := inject.StartProcess(ctx, spec)
			if err == nil {
				p.Stop(0)
				t.Fatal("no error")
			}
			t.Logf("after %v: %v", time.Since(start), err)
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error does not say %q", s)
				}
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error is not %v", tt.wantIs)
			}
			m := pidRE.FindStringSubmatch(err.Error())
			if m == nil {
				t.Fatal("error names no pid")
			}
			if pid, _ := strconv.Atoi(m[1]); !gone(pid) {
				t.Errorf("pid %d is still there", pid)
			}
		})
	}

	t.Run("no such program", func(t *testing.T) {
		_, err := inject.StartProcess(context.Background(), inject.ProcessSpec{Name: "ghost", Path: "/nonexistent/ghost"})
		if err == nil || !strings.Contains(err.Error(), "ghost") {
			t.Errorf("error %v", err)
		}
	})
}

func TestProcessUnexpectedExit(t *testing.T) {
	p := startChild(t, childSpec(t, "crash"))
	waitDone(t, p)
	err := p.Err()
	if err == nil || p.Stopping() {
		t.Fatalf("Err %v Stopping %v", err, p.Stopping())
	}
	for _, s := range []string{"child-crash", "exit status 3", "simulated failure"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("Err %q does not say %q", err, s)
		}
	}
	if err := p.Stop(time.Second); err != nil || p.Err() == nil {
		t.Errorf("Stop after exit: %v; Err %v", err, p.Err())
	}
}

func TestProcessStopEscalatesToKill(t *testing.T) {
	p := startChild(t, childSpec(t, "stubborn")) // ignores SIGTERM
	start := time.Now()
	if err := p.Stop(300 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	waitDone(t, p)
	if p.Err() != nil || time.Since(start) < 300*time.Millisecond {
		t.Errorf("Err %v after %v", p.Err(), time.Since(start))
	}
}

// countWriter counts bytes; the child writes 1 MiB after READY, far more
// than a pipe holds, so it finishes only if stdout is drained.
type countWriter struct{ n atomic.Int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n.Add(int64(len(p))); return len(p), nil }

func TestProcessStdoutDrained(t *testing.T) {
	var out countWriter
	spec := childSpec(t, "flood")
	spec.Stdout = &out
	p := startChild(t, spec)
	waitDone(t, p)
	if p.Err() != nil {
		t.Fatal(p.Err())
	}
	if n := out.n.Load(); n < 1<<20 {
		t.Errorf("stdout: %d bytes, want over 1 MiB", n)
	}
}
