package probes_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/probes"
)

func newCommandProbe(t *testing.T, cfg probes.CommandProbeConfig) *probes.CommandProbe {
	t.Helper()
	p, err := probes.NewCommandProbe("cmd", cfg)
	if err != nil {
		t.Fatalf("NewCommandProbe: %v", err)
	}
	return p
}

func TestCommandProbeNumbers(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "count"), []byte("      3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  probes.CommandProbeConfig
		want float64
	}{
		{"argv", probes.CommandProbeConfig{Argv: []string{"sh", "-c", "echo 42"}}, 42},
		{"shell", probes.CommandProbeConfig{Argv: []string{"echo 42"}, Shell: true}, 42},
		{"printf, padded", probes.CommandProbeConfig{Argv: []string{"printf", "  3.5 \n\n"}}, 3.5},
		{"negative", probes.CommandProbeConfig{Argv: []string{"echo", "-17"}}, -17},
		{"last line, first field", probes.CommandProbeConfig{
			Argv: []string{"printf", "%s\n", "connected", "7 items", ""}}, 7},
		{"redis-cli style", probes.CommandProbeConfig{Argv: []string{"printf", "(integer) 5\n12\n"}}, 12},
		{"wc -l style, in Dir", probes.CommandProbeConfig{Argv: []string{"cat", "count"}, Dir: dir}, 3},
		{"env", probes.CommandProbeConfig{
			Argv: []string{`echo "$GAMEDAY_PROBE_N"`}, Shell: true, Env: []string{"GAMEDAY_PROBE_N=1", "GAMEDAY_PROBE_N=9"}}, 9},
		{"stderr ignored on success", probes.CommandProbeConfig{Argv: []string{"echo warn >&2; echo 1"}, Shell: true}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newCommandProbe(t, tt.cfg)
			if v, err := p.Sample(context.Background()); err != nil || v != tt.want {
				t.Errorf("Sample = %v, %v; want %v", v, err, tt.want)
			}
		})
	}
}

func TestCommandProbeErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  probes.CommandProbeConfig
		want []string // in the error
	}{
		{"exit status", probes.CommandProbeConfig{Argv: []string{"echo boom >&2; exit 3"}, Shell: true},
			[]string{"sh -c", "exit status 3", `stderr "boom"`}},
		{"exit status, stdout only", probes.CommandProbeConfig{Argv: []string{"sh", "-c", "echo 12; exit 1"}},
			[]string{": sh:", "exit status 1", `stdout "12"`}},
		{"garbage", probes.CommandProbeConfig{Argv: []string{"echo", "hello world"}},
			[]string{"echo", "no number", `"hello world"`}},
		{"no output", probes.CommandProbeConfig{Argv: []string{"printf", ""}}, []string{"no number", `stdout ""`}},
		{"NaN", probes.CommandProbeConfig{Argv: []string{"echo", "NaN"}}, []string{"no number"}},
		{"killed", probes.CommandProbeConfig{Argv: []string{"kill -9 $$"}, Shell: true}, []string{"killed"}},
		{"long output cut", probes.CommandProbeConfig{
			Argv: []string{"i=0; while [ $i -lt 300 ]; do printf 'noise '; i=$((i+1)); done; echo end"}, Shell: true},
			[]string{"no number", `"…`, `noise end"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newCommandProbe(t, tt.cfg)
			v, err := p.Sample(context.Background())
			if err == nil {
				t.Fatalf("Sample = %v, want an error", v)
			}
			for _, sub := range append(tt.want, "command probe cmd") {
				if !strings.Contains(err.Error(), sub) {
					t.Errorf("error %q does not mention %q", err, sub)
				}
			}
			if len(err.Error()) > 400 {
				t.Errorf("error of %d bytes; want a short excerpt", len(err.Error()))
			}
		})
	}
}

// TestCommandProbeTimeoutKillsGroup: a script that starts `sleep 30` and
// waits for it; at the timeout, the whole group dies, sleep included, and
// the sample returns long before 30 s.
func TestCommandProbeTimeoutKillsGroup(t *testing.T) {
	dir := t.TempDir()
	p := newCommandProbe(t, probes.CommandProbeConfig{
		Argv: []string{"sleep 30 & echo $! > child.pid; wait"}, Shell: true, Dir: dir, Timeout: 300 * time.Millisecond,
	})
	start := time.Now()
	_, err := p.Sample(context.Background())
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "timed out after 300ms") {
		t.Errorf("Sample error %v, want a timeout after 300ms", err)
	}
	if took > 10*time.Second {
		t.Errorf("Sample took %v; the timeout is 300ms", took)
	}
	pid := readPID(t, filepath.Join(dir, "child.pid"))
	if !waitFor(5*time.Second, func() bool { return gone(pid) }) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("sleep (pid %d) still runs after the timeout; want its group killed", pid)
	}

	// Without a shell: the program itself is killed.
	p = newCommandProbe(t, probes.CommandProbeConfig{Argv: []string{"sleep", "30"}, Timeout: 200 * time.Millisecond})
	start = time.Now()
	if _, err := p.Sample(context.Background()); err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("sleep 30: error %v, want a timeout", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("sleep 30 with a 200ms timeout took %v", took)
	}

	// The caller's context is honoured too.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	p = newCommandProbe(t, probes.CommandProbeConfig{Argv: []string{"sleep", "30"}})
	if _, err := p.Sample(ctx); !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "timed out after") {
		t.Errorf("sleep 30 under a 200ms caller deadline: %v, want the caller's deadline error", err)
	}
}

// TestCommandProbeLeftovers: a command that exits but leaves a child
// holding its stdout gives its number, and the child is killed.
func TestCommandProbeLeftovers(t *testing.T) {
	dir := t.TempDir()
	p := newCommandProbe(t, probes.CommandProbeConfig{
		Argv: []string{"sleep 30 & echo $! > child.pid; echo 5"}, Shell: true, Dir: dir,
	})
	start := time.Now()
	v, err := p.Sample(context.Background())
	if err != nil || v != 5 {
		t.Errorf("Sample = %v, %v; want 5", v, err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Sample took %v; want about a second", took)
	}
	pid := readPID(t, filepath.Join(dir, "child.pid"))
	if !waitFor(5*time.Second, func() bool { return gone(pid) }) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("sleep (pid %d) left behind still runs", pid)
	}
}

func TestNewCommandProbe(t *testing.T) {
	tests := []struct {
		name string
		cfg  probes.CommandProbeConfig
		want string // in the error
	}{
		{"no argv", probes.CommandProbeConfig{}, "no command"},
		{"empty program", probes.CommandProbeConfig{Argv: []string{""}}, "empty"},
		{"shell with two", probes.CommandProbeConfig{Argv: []string{"echo", "1"}, Shell: true}, "one element"},
		{"negative timeout", probes.CommandProbeConfig{Argv: []string{"echo"}, Timeout: -1}, "timeout"},
		{"not in PATH", probes.CommandProbeConfig{Argv: []string{"gameday-no-such-program"}}, "not found in PATH"},
		{"bad env", probes.CommandProbeConfig{Argv: []string{"echo"}, Env: []string{"A=1", "secret"}}, "entry 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := probes.NewCommandProbe("cmd", tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "command probe cmd") {
				t.Errorf("NewCommandProbe error %v, want one that names the probe and mentions %q", err, tt.want)
			}
		})
	}
}

func readPID(t *testing.T, path string) int {
	t.Helper()
	var b []byte
	waitFor(5*time.Second, func() bool { b, _ = os.ReadFile(path); return strings.HasSuffix(string(b), "\n") })
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("the script wrote pid %q: %v", b, err)
	}
	return pid
}

// gone reports whether process pid has exited: no such process, or a zombie
// that its new parent has yet to reap.
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return os.IsNotExist(err)
	}
	// pid (comm) state ...: the state follows the last ')'.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}
