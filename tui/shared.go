package tui

import (
	"fmt"
	"sync"

	"github.com/charmbracelet/lipgloss"
)

// Shared lets the cockpits of one game day (the seats of a room) share
// what they draw alike: a chart is a pure function of the snapshot, its
// size and the terminal's colours, so it is drawn once per snapshot for
// every seat that shows it at that size, and the others take its lines.
// A room of twenty observers then draws its charts about once, not
// twenty times.
type Shared struct {
	mu      sync.Mutex
	seq     uint64
	entries map[sharedKey]*sharedEntry
}

type sharedKey struct {
	chart, w, h, gutter int
	look                string // the terminal's colour profile and background
}

type sharedEntry struct {
	once  sync.Once
	lines []string
}

// NewShared returns an empty cache for the cockpits of one game day.
func NewShared() *Shared { return &Shared{} }

// lines returns the chart's lines for the snapshot seq, drawing them
// with draw the first time they are asked for. A seat that is behind (an
// older snapshot than the newest asked for) draws its own.
func (s *Shared) lines(seq uint64, k sharedKey, draw func() []string) []string {
	s.mu.Lock()
	switch {
	case seq < s.seq:
		s.mu.Unlock()
		return draw()
	case seq > s.seq || s.entries == nil:
		s.seq, s.entries = seq, map[sharedKey]*sharedEntry{} // the older snapshot's lines are no longer asked for
	}
	e := s.entries[k]
	if e == nil {
		e = &sharedEntry{}
		s.entries[k] = e
	}
	s.mu.Unlock()
	e.once.Do(func() { e.lines = draw() })
	return e.lines
}

// WithShared returns the cockpit drawing through a cache it shares with
// the other cockpits of the game day (see Shared).
func (m Model) WithShared(s *Shared) Model {
	m.shared = s
	return m
}

// lookOf names what a renderer's output looks like: the same look, the
// same escape codes for the same styles.
func lookOf(r *lipgloss.Renderer) string {
	return fmt.Sprintf("%d/%t", r.ColorProfile(), r.HasDarkBackground())
}
