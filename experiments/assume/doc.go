// Package assume judges an experiment's assumptions: given the samples of
// its series and the time, which hold, which broke and when, how fast
// they recovered, and the verdict of a game day. Everything here is a
// function of its inputs and of the time passed in: no clock, no
// goroutine, no I/O, so that a live session, a replay and a report judge
// alike.
package assume
