// Package tui is gameday's cockpit: a Bubble Tea program that shows the
// session's snapshots (blocks, charts, assumptions, timeline) and sends the
// operator's commands back to the session. It owns no state the session
// owns.
package tui
