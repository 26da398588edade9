package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// withTestHooks wraps the cockpit for the end-to-end tests. With
// GAMEDAY_TEST_PANIC=cockpit, the key P panics inside the cockpit's
// Update, so a test can check that a panic reverts every fault. With
// GAMEDAY_TEST_FRAMES=FILE, every frame the cockpit draws appends its
// time (Unix ms) to FILE, so a test can measure the gaps between frames.
// Nothing changes without the variables.
func withTestHooks(m tea.Model) tea.Model {
	if os.Getenv("GAMEDAY_TEST_PANIC") == "cockpit" {
		m = panicOnKey{m}
	}
	if path := os.Getenv("GAMEDAY_TEST_FRAMES"); path != "" {
		if f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
			m = frameLog{Model: m, f: f}
		}
	}
	return m
}

type panicOnKey struct{ tea.Model }

func (p panicOnKey) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && k.String() == "P" {
		panic("test panic in the cockpit (GAMEDAY_TEST_PANIC)")
	}
	m, cmd := p.Model.Update(msg)
	return panicOnKey{m}, cmd
}

// frameLog writes the time of every View.
type frameLog struct {
	tea.Model
	f *os.File
}

func (l frameLog) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := l.Model.Update(msg)
	return frameLog{Model: m, f: l.f}, cmd
}

func (l frameLog) View() string {
	fmt.Fprintln(l.f, time.Now().UnixMilli())
	return l.Model.View()
}

// writePeakRSS writes, with GAMEDAY_TEST_PEAK_RSS=FILE, this process's
// peak resident set (VmHWM of /proc/self/status, "1234 kB") to FILE, for
// the tests that bound what a command costs: a child's rusage would count
// the RSS of the test process it was forked from.
func writePeakRSS() {
	path := os.Getenv("GAMEDAY_TEST_PEAK_RSS")
	if path == "" {
		return
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			_ = os.WriteFile(path, []byte(strings.TrimSpace(v)), 0o600)
		}
	}
}
