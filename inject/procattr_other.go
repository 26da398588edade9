//go:build unix && !linux

package inject

import "syscall"

// childAttr puts a child in its own process group, so the terminal's SIGINT
// and SIGHUP do not reach it. Outside Linux there is no Pdeathsig: a child
// outlives a gameday that dies without stopping it.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
