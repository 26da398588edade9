//go:build unix && !linux

package kubetest

import "syscall"

// childAttr keeps the terminal's SIGINT away from etcd and the API server.
// Outside Linux there is no Pdeathsig: call Stop from TestMain, or they
// outlive a test binary that dies.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
