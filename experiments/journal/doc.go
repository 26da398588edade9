// Package journal writes a game day down as it runs (a Sink of the
// session: JSON lines, flushed every interval, so that a crash loses at
// most the last interval), reads it back, and plays it back as the
// snapshots a live session publishes (Replay), for the cockpit.
package journal
