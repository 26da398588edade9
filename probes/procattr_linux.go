package probes

import "syscall"

// childAttr puts a command probe's process in its own process group, so the
// terminal's SIGINT and SIGHUP do not reach it and a timeout can kill the
// whole group, and has the kernel kill it when gameday dies.
//
// Pdeathsig fires when the OS thread that started the child exits, not the
// process. Go keeps its threads alive, except the thread of a goroutine that
// exits while locked with runtime.LockOSThread: do not sample a command
// probe from such a goroutine.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
