// Package e2e runs the gameday binary for the end-to-end tests that live
// in packages of their own (so that go test runs them beside
// cmd/gameday's): it builds the binary once per test process and runs it.
// Import it from _test.go files only.
package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gameday-dev/gameday/experiments/journal"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds the gameday binary once and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gameday-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "gameday")
		if out, err := exec.Command("go", "build", "-o", binPath, "github.com/gameday-dev/gameday/cmd/gameday").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Run runs the binary with args (and env added to the test's
// environment) and returns its exit code, stdout and stderr.
func Run(t testing.TB, env []string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut strings.Builder
	cmd := exec.Command(Binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	return ExitCode(cmd.Run()), out.String(), errOut.String()
}

// ExitCode is the exit code err says (0 for nil, -1 when it did not exit).
func ExitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// Tail is the last n lines of s.
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// TailFile is the last 30 lines of a file, for failure messages.
func TailFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return Tail(string(b), 30)
}

// ReadJournal reads a journal whole, for the tests that look into it.
func ReadJournal(path string) (*journal.Journal, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	j, err := journal.Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return j, nil
}
