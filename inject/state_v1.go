package inject

import (
	"encoding/json"
	"fmt"
	"path"
	"time"
)

// stateDocV1 is a version 1 state file: entries named by key alone, their
// owner by PID and start time.
type stateDocV1 struct {
	Version int `json:"version"`
	Entries []struct {
		Key      string    `json:"key"`
		Revert   Revert    `json:"revert"`
		Recorded time.Time `json:"recorded"`
		PID      int       `json:"pid"`
		PIDStart uint64    `json:"pid_start,omitempty"`
	} `json:"entries"`
}

// readV1 reads a version 1 file as version 2: the owner has no Exe nor
// Boot (see Owner.Running), and the target's name, which version 1 kept
// only as the key's last element ("pause/payments"), becomes
// Revert.Target. Group meant then what it means now: gameday started the
// process as the leader of a group of its own.
func readV1(b []byte) (stateDoc, error) {
	var v1 stateDocV1
	if err := json.Unmarshal(b, &v1); err != nil {
		return stateDoc{}, fmt.Errorf("not a gameday state file (version 1: %v): move it aside, and revert by hand what it lists", err)
	}
	d := stateDoc{Version: stateVersion, Entries: make([]PendingRevert, 0, len(v1.Entries))}
	for _, e := range v1.Entries {
		r := e.Revert
		if r.Target == "" && r.Kind != RevertToxic {
			r.Target = path.Base(e.Key)
		}
		d.Entries = append(d.Entries, PendingRevert{Key: e.Key, Owner: Owner{PID: e.PID, Start: e.PIDStart},
			Recorded: e.Recorded, Revert: r})
	}
	sortEntries(d.Entries)
	return d, nil
}
