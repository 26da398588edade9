package main

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// startDaemon runs cmd, a server the test needs, with its output in
// logPath, and stops it (SIGTERM, SIGKILL 10 s later) when the test ends;
// it dies with the test binary too. It returns once ready says so,
// asking every poll, and fails the test if the server exits first or is
// not ready within timeout.
func startDaemon(t *testing.T, cmd *exec.Cmd, logPath string, timeout, poll time.Duration, ready func() bool) {
	t.Helper()
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("starting %s: %v", cmd.Path, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(timeout)
	for !ready() {
		select {
		case <-exited:
			t.Fatalf("%s exited before it was ready:\n%s", cmd.Path, tailFile(logPath))
		case <-time.After(poll):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after %v:\n%s", cmd.Path, timeout, tailFile(logPath))
		}
	}
}
