package inject

import "os"

// Orphaned reports whether the gameday that recorded the entry is gone:
// nobody will revert it but gameday recover.
func (e PendingRevert) Orphaned() bool {
	if e.PID == os.Getpid() {
		return false
	}
	return !sameProcess(e.PID, e.PIDStart)
}
