package main

import (
	"bufio"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// gamedayProc is a gameday process whose stdout the test reads line by line.
type gamedayProc struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	done chan struct{}
	code int

	mu    sync.Mutex
	lines []string
	seenC chan struct{} // closed and replaced at each new line
}

// startGameday runs bin with args in its own process group; the whole
// group is killed when the test ends, if still there.
func startGameday(t *testing.T, bin, name string, args ...string) *gamedayProc {
	t.Helper()
	p := &gamedayProc{t: t, name: name, cmd: exec.Command(bin, args...), done: make(chan struct{}), seenC: make(chan struct{})}
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = p.cmd.Stdout // one stream: the pipe
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting gameday %s: %v", name, err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			close(p.seenC)
			p.seenC = make(chan struct{})
			p.mu.Unlock()
		}
		err := p.cmd.Wait()
		p.code = exitCodeOf(err)
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	})
	return p
}

// waitLine waits for a line of output that contains text and returns when
// the test saw it.
func (p *gamedayProc) waitLine(text string, timeout time.Duration) time.Time {
	p.t.Helper()
	deadline := time.After(timeout)
	for {
		p.mu.Lock()
		next := p.seenC // closed by the next line, even one added before seen looks
		p.mu.Unlock()
		if p.seen(text) {
			return time.Now()
		}
		select {
		case <-next:
		case <-p.done:
			if p.seen(text) {
				return time.Now()
			}
			p.t.Fatalf("gameday %s exited (code %d) before printing %q:\n%s", p.name, p.code, text, p.output())
		case <-deadline:
			p.t.Fatalf("gameday %s did not print %q within %v:\n%s", p.name, text, timeout, p.output())
		}
	}
}

func (p *gamedayProc) seen(text string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.lines {
		if strings.Contains(l, text) {
			return true
		}
	}
	return false
}

func (p *gamedayProc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// wait waits for the process to exit and returns its exit code.
func (p *gamedayProc) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(timeout):
		t.Fatalf("gameday %s still running after %v:\n%s", p.name, timeout, p.output())
		return -1
	}
}

// interrupt stops the process as ctrl+c would and waits for it.
func (p *gamedayProc) interrupt(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	p.wait(t, 20*time.Second)
}
