// Package seats serves the cockpit of one live game day to a room over
// SSH: every SSH session gets a cockpit of its own (its own size,
// selection and help) on the same session, in the role its key has in
// the room.
//
//	session ──Subscribe──▶ a stream per seat (never waits: a slow seat drops frames)
//	   ▲                        │
//	   └──Do(By: name, Role)── tui.Model ◀──▶ SSH channel ◀──▶ ssh client
//
// The local terminal is the facilitator; its cockpit is not served here.
package seats
