package session

import "time"

// Clock is the session's time: the real one, or one that a test moves by
// hand, so that schedules, guardrails, curves, phases and recovery are
// tested fast and the same every time. Now must be safe from any
// goroutine (the blocks' drivers read it too).
type Clock interface {
	Now() time.Time
	// NewTicker ticks every d, as time.NewTicker does.
	NewTicker(d time.Duration) Ticker
}

// Ticker is what Clock.NewTicker returns.
type Ticker interface {
	C() <-chan time.Time
	Stop()
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTicker(d time.Duration) Ticker { return realTicker{time.NewTicker(d)} }

type realTicker struct{ t *time.Ticker }

func (t realTicker) C() <-chan time.Time { return t.t.C }
func (t realTicker) Stop()               { t.t.Stop() }
