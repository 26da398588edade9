package journal_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/session"
)

// stuckDisk is a file whose writes wait until it is released.
type stuckDisk struct {
	release chan struct{}
	n       int
}

func (d *stuckDisk) Write(p []byte) (int, error) { <-d.release; d.n += len(p); return len(p), nil }
func (d *stuckDisk) Close() error                { return nil }

// TestWriterNeverWaitsForTheDisk: a session's loop hands records to the
// writer at once, even when the disk hangs; what the queue could not hold
// is counted and said by Close.
func TestWriterNeverWaitsForTheDisk(t *testing.T) {
	disk := &stuckDisk{release: make(chan struct{})}
	j := journal.NewWriter(disk, "test")
	exp := &experiments.Experiment{Name: "slow disk"}
	began := time.Now()
	j.Begin(exp, began)
	snap := &session.Snapshot{Now: began, Values: map[string]float64{"x": 1}}
	for i := range 10000 {
		j.Event(experiments.Event{Seq: uint64(i), Time: began, Kind: experiments.EventInfo, Text: "tick"})
		j.Sample(snap)
	}
	j.End(snap)
	if took := time.Since(began); took > 2*time.Second {
		t.Fatalf("20,000 records took %v to hand over to a hung disk", took)
	}
	close(disk.release)
	err := j.Close()
	if err == nil || !strings.Contains(err.Error(), "records lost") {
		t.Fatalf("Close: %v, want the records lost said", err)
	}
	if disk.n == 0 {
		t.Fatal("nothing reached the disk once it answered")
	}
}
