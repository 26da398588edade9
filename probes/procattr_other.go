//go:build unix && !linux

package probes

import "syscall"

// childAttr puts a command probe's process in its own process group, so the
// terminal's SIGINT and SIGHUP do not reach it and a timeout can kill the
// whole group. Outside Linux there is no Pdeathsig: a command outlives a
// gameday that dies while it runs.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
