package inject

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
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
// started, in clock ticks since boot. With the PID, it names one process
// for as long as the machine runs, so a PID reused by another process is
// told apart.
func procStartTime(pid int) (uint64, error) {
	f, err := procStat(pid)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(string(f[19]), 10, 64)
}

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
