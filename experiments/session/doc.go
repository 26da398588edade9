// Package session runs an experiment: it builds the experiment's targets
// (proxies, processes), loads and probes, keeps the series store, and
// runs the loop that judges the assumptions and guardrails, drives the
// schedule and publishes a Snapshot every interval.
//
// The control path never blocks. The loop only judges, publishes and
// records; every injector call (Start, Update, Stop), which may be slow
// (a command, a Toxiproxy or Kubernetes API call), runs on the block's
// own driver goroutine, under a context that a halt cancels. Halt-all
// stops every block at once. A block moves through phases (idle,
// starting, on, halting, and stuck when a halt failed), and its events
// carry when they were asked for and when they happened, and by whom.
//
// Time comes from a Clock (WithClock), so that tests run a session on a
// clock they move by hand. Snapshots fan out through a channel that
// keeps only the newest (a slow reader loses frames, never holds the
// loop); sinks (the journal, metrics) hear every event and interval.
package session
