package inject

import (
	"fmt"
	"hash/fnv"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Owner is a gameday process as a state file names it: the one that
// recorded an entry, or the `gameday recover` that took it over to
// revert it.
//
// A PID alone does not name a process (PIDs are reused), nor does a PID
// with its start time across a reboot, nor after an exec: an Owner counts
// as a running gameday only while all of PID, Start, Exe and Boot match
// (see Running).
type Owner struct {
	PID   int    `json:"pid"`
	Start uint64 `json:"start,omitempty"` // /proc/PID/stat field 22, clock ticks since boot
	Exe   string `json:"exe,omitempty"`   // /proc/PID/exe when it recorded
	Boot  string `json:"boot,omitempty"`  // /proc/sys/kernel/random/boot_id when it recorded
}

// self is this process as an Owner.
var self = sync.OnceValue(func() Owner { return ownerOf(os.Getpid()) })

// selfExe is this process's executable ("" without /proc).
func selfExe() string { return self().Exe }

// ownerOf returns the running process pid as an Owner.
func ownerOf(pid int) Owner {
	o := Owner{PID: pid, Boot: bootID()}
	o.Start, _ = procStartTime(pid) // 0 without /proc
	o.Exe, _ = procExe(pid)
	return o
}

// is reports whether o and p name the same process. Exe is not compared:
// it describes the process, it does not name it.
func (o Owner) is(p Owner) bool {
	return o.PID == p.PID && o.Start == p.Start && (o.Boot == "" || p.Boot == "" || o.Boot == p.Boot)
}

// Running reports whether o is a gameday that still runs: a process with
// its PID runs, started when o did, in the boot o recorded, and runs the
// executable o recorded. A PID reused by another program, or by this one
// after a reboot, is not o. An Owner read from a version 1 state file has
// no Exe nor Boot: it counts as running when the process runs this
// process's executable (a gameday of the same build). Without /proc (not
// Linux) only the PID can be checked.
func (o Owner) Running() bool {
	if o.PID <= 0 {
		return false
	}
	if o.Boot != "" && bootID() != "" && o.Boot != bootID() {
		return false
	}
	if !sameProcess(o.PID, o.Start) {
		return false
	}
	want := o.Exe
	if want == "" {
		want = selfExe()
	}
	if want == "" { // no /proc: nothing more to compare
		return true
	}
	exe, err := procExe(o.PID)
	return err == nil && exe == want
}

func (o Owner) String() string { return fmt.Sprintf("gameday pid %d", o.PID) }

// Orphaned reports whether the gameday that recorded the entry is gone:
// nobody will revert it but gameday recover.
func (e PendingRevert) Orphaned() bool {
	if e.Owner.is(self()) {
		return false
	}
	return !e.Owner.Running()
}

// SessionToken returns a short token of this gameday process (6 letters
// and digits, from its PID, start time and boot), which tells its
// toxics on a shared Toxiproxy server apart from another gameday's.
func SessionToken() string { return self().token() }

func (o Owner) token() string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d/%s", o.PID, o.Start, o.Boot)
	const n = 36 * 36 * 36 * 36 * 36 * 36
	t := strconv.FormatUint(h.Sum64()%n, 36)
	return strings.Repeat("0", 6-len(t)) + t
}
