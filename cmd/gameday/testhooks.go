package main

import (
	"os"

	tea "github.com/charmbracelet/bubbletea"
)

// withTestHooks wraps the cockpit for the end-to-end tests of the exit
// paths: with GAMEDAY_TEST_PANIC=cockpit, the key P panics inside the
// cockpit's Update, so a test can check that a panic reverts every fault.
// Nothing changes without the variable.
func withTestHooks(m tea.Model) tea.Model {
	if os.Getenv("GAMEDAY_TEST_PANIC") != "cockpit" {
		return m
	}
	return panicOnKey{m}
}

type panicOnKey struct{ tea.Model }

func (p panicOnKey) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && k.String() == "P" {
		panic("test panic in the cockpit (GAMEDAY_TEST_PANIC)")
	}
	m, cmd := p.Model.Update(msg)
	return panicOnKey{m}, cmd
}
