package inject

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// procStat returns the fields of /proc/PID/stat that follow the command
// name: f[0] is field 3 (the state), f[19] field 22 (the start time). It
// fails without /proc (not Linux) or once pid is gone.
func procStat(pid int) ([][]byte, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, err
	}
	i := bytes.LastIndexByte(b, ')') // the command name may hold spaces and parens
	if i < 0 {
		return nil, errors.New("bad stat: " + string(b))
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 20 {
		return nil, fmt.Errorf("bad stat of pid %d: %d fields", pid, len(f)+2)
	}
	return f, nil
}

// procStartTime returns field 22 of /proc/PID/stat: when the process
// started, in clock ticks since boot. With the PID (and the boot, see
// bootID), it names one process, so a PID reused by another process is
// told apart.
func procStartTime(pid int) (uint64, error) {
	f, err := procStat(pid)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(string(f[19]), 10, 64)
}

// procUID returns the owner of /proc/PID: the user the process runs as
// (its effective user ID).
func procUID(pid int) (int, error) {
	fi, err := os.Stat("/proc/" + strconv.Itoa(pid))
	if err != nil {
		return 0, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, errors.New("no owner in the stat of /proc/" + strconv.Itoa(pid))
	}
	return int(st.Uid), nil
}

// procExe returns the executable of pid (the target of /proc/PID/exe),
// without the " (deleted)" that follows it once the file was replaced
// (gameday rebuilt while it runs is still the same gameday).
func procExe(pid int) (string, error) {
	exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(exe, " (deleted)"), nil
}

// bootID returns this boot's random ID ("" without it): a PID and a start
// time name a process only within one boot.
var bootID = sync.OnceValue(func() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
})

// sameProcess reports whether pid is still running and is the process
// that started at start (any process with that PID when start is 0).
func sameProcess(pid int, start uint64) bool {
	if pid <= 0 || !alive(pid) {
		return false
	}
	if start == 0 {
		return true
	}
	st, err := procStartTime(pid)
	return err == nil && st == start
}

// leadsGroup reports whether pid leads its process group (its group ID
// is its PID).
func leadsGroup(pid int) bool {
	pgid, err := syscall.Getpgid(pid)
	return err == nil && pgid == pid
}
