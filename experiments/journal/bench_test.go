package journal_test

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/journal/journaltest"
)

// oneHour is the 1-hour journal of journaltest, made once.
var oneHour = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	if err := journaltest.Write(&b, journaltest.OneHour()); err != nil {
		panic(err)
	}
	return b.Bytes()
})

// BenchmarkReadOneHour: the Reader alone, every record of the 1-hour
// journal.
func BenchmarkReadOneHour(b *testing.B) {
	in := oneHour()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		r := journal.NewReader(bytes.NewReader(in))
		for {
			if _, err := r.Next(); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkReplayOneHour: a replay of the 1-hour journal, read as a
// stream and prepared.
func BenchmarkReplayOneHour(b *testing.B) {
	in := oneHour()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := journal.ReadReplay(bytes.NewReader(in)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplaySeek: the snapshot after a seek to the middle and to the
// end of the 1-hour journal (what the cockpit draws after pgup/pgdn).
func BenchmarkReplaySeek(b *testing.B) {
	r, err := journal.ReadReplay(bytes.NewReader(oneHour()))
	if err != nil {
		b.Fatal(err)
	}
	for _, at := range []struct {
		name string
		d    time.Duration
	}{{"middle", r.Duration() / 2}, {"end", r.Duration()}} {
		b.Run(at.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.SnapshotAt(at.d)
			}
		})
	}
}
