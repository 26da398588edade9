package journal

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Writer writes a journal as the session runs. The session hands it
// records on its loop, which must never wait for a disk: records go
// through a queue to a goroutine of the Writer's own that encodes and
// writes them, flushing every interval (so a kill -9 loses at most the
// last one). A disk so slow that the queue fills loses records, counted
// and said by Close, rather than slowing the game day.
//
//	session loop ──put──▶ queue (4096) ──▶ writer goroutine ──▶ file
type Writer struct {
	f       io.WriteCloser
	w       *bufio.Writer
	gameday string
	q       chan record
	done    chan struct{}
	once    sync.Once

	mu      sync.Mutex
	err     error // the first write error: the file is lost from there
	skipped int   // records that could not be encoded (and were left out)
	lost    int   // records dropped because the queue was full
}

// record is one line to write, and whether to flush after it.
type record struct {
	v     any
	flush bool
}

// closeWait bounds how long Close waits for the queue to drain.
const closeWait = 10 * time.Second

// Create creates the journal file at path; gameday is the version of
// gameday that runs, for the header.
func Create(path, gameday string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	return NewWriter(f, gameday), nil
}

// NewWriter writes a journal to w, which it closes at the end; gameday is
// the version of gameday that runs, for the header.
func NewWriter(w io.WriteCloser, gameday string) *Writer {
	j := &Writer{f: w, w: bufio.NewWriterSize(w, 64<<10), gameday: gameday,
		q: make(chan record, 4096), done: make(chan struct{})}
	go j.run()
	return j
}

// put queues a record; it never waits.
func (j *Writer) put(v any, flush bool) {
	select {
	case j.q <- record{v: v, flush: flush}:
	default:
		j.mu.Lock()
		j.lost++
		j.mu.Unlock()
	}
}

// run writes the queued records until the queue is closed. One that
// cannot be encoded is left out (and counted) rather than ending the
// journal; a write error ends it.
func (j *Writer) run() {
	defer close(j.done)
	for r := range j.q {
		if j.Err() != nil {
			continue
		}
		b, err := json.Marshal(r.v)
		if err != nil {
			j.mu.Lock()
			j.skipped++
			j.mu.Unlock()
			continue
		}
		_, err = j.w.Write(append(b, '\n'))
		if err == nil && r.flush {
			err = j.w.Flush()
		}
		if err != nil {
			j.mu.Lock()
			j.err = err
			j.mu.Unlock()
		}
	}
	if j.Err() == nil {
		if err := j.w.Flush(); err != nil {
			j.mu.Lock()
			j.err = err
			j.mu.Unlock()
		}
	}
}

// Close writes what is queued (waiting at most 10 s for a slow disk) and
// closes the journal. Its error says what was lost.
func (j *Writer) Close() error {
	j.once.Do(func() { close(j.q) })
	select {
	case <-j.done:
	case <-time.After(closeWait):
		return fmt.Errorf("journal: the disk did not take the last records within %v", closeWait)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	var errs []error
	if j.lost > 0 {
		errs = append(errs, fmt.Errorf("journal: %d records lost: the disk was too slow", j.lost))
	}
	return errors.Join(append(errs, j.err, j.f.Close())...)
}

// Err is the first write error, if any.
func (j *Writer) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}
