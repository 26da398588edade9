package probes

import "time"

// Hooks for tests that drive a Load's window with times they choose, as
// with a fake clock, without running it.

// BeginForTest starts the window at start, as Run does.
func (l *Load) BeginForTest(start time.Time) { l.stats.begin(start) }

// RecordForTest records a request that completed at end, lat after it was
// due.
func (l *Load) RecordForTest(end time.Time, lat time.Duration, failed bool) {
	l.stats.done(end, lat, failed)
}

// NotSentForTest records n hits not sent at now.
func (l *Load) NotSentForTest(now time.Time, n int64) { l.stats.notSent(now, n) }
