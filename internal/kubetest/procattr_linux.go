package kubetest

import "syscall"

// childAttr has the kernel kill etcd and the API server when the test
// binary dies, and keeps the terminal's SIGINT away from them (Stop ends
// them in order).
//
// Pdeathsig fires when the OS thread that started the child exits, not the
// process. Go keeps its threads alive, except the thread of a goroutine that
// exits while locked with runtime.LockOSThread: do not call Start from such
// a goroutine.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
