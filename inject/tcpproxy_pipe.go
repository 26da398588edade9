package inject

import (
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// tcpPipe carries one direction of a connection: what it reads from src
// it writes to dst. One goroutine runs it (run); in the slow path a second
// one reads (read) while the pipe is not holding.
type tcpPipe struct {
	conn     *tcpConn
	up       bool // client → server
	src, dst *net.TCPConn
	fast     atomic.Bool // in the fast path: a fault that starts to apply kicks it

	// Slow path, owned by run's goroutine.
	stopRead atomic.Bool // asks read to return
	fs       *tcpFaultSet
	ch       *tcpChain // for fs
	state    map[uint64]*tcpFaultState
	timer    *time.Timer
	next     time.Time // bandwidth: when the bytes written so far were paid for
	start    time.Time // bandwidth: when the piece being paced started, zero between pieces
	after    time.Time // slicing: no write before
}

var (
	errTCPFault   = errors.New("a fault applies") // fast → slow
	errTCPNoFault = errors.New("no fault")        // slow → fast
	errTCPStopped = errors.New("reader stopped")  // read returned at the slow path's request
	errTCPLimit   = errors.New("data limit reached")
)

// tcpLongAgo is a deadline in the past: it makes the pending read return.
var tcpLongAgo = time.Unix(1, 0)

// tcpQueue is how many chunks (of up to tcpChunkSize) the slow path reads
// ahead of what it has written; it bounds what latency holds in flight.
const (
	tcpQueue     = 16
	tcpChunkSize = 32 << 10
)

// tcpChunk is data read by the slow path, or the end of the source (end:
// err is io.EOF or the read error), kept in the order read.
type tcpChunk struct {
	data []byte
	at   time.Time // when it was read
	end  bool
	err  error
}

func (c *tcpChunk) empty() bool { return len(c.data) == 0 && !c.end }

// tcpReader is one run of read: chunks are closed once it returns, after
// err (io.EOF, errTCPStopped or a read error) and at (when it saw the end)
// were set.
type tcpReader struct {
	chunks chan tcpChunk
	err    error
	at     time.Time
}

// endChunk is the chunk that stands for how r ended.
func (r *tcpReader) endChunk() tcpChunk { return tcpChunk{at: r.at, end: true, err: r.err} }

// run moves the bytes until the source ends or the connection breaks, then
// passes the end on: a FIN as a FIN, a reset as a reset.
func (pp *tcpPipe) run() {
	err := errTCPNoFault
	for err == errTCPNoFault || err == errTCPFault {
		if err == errTCPNoFault {
			err = pp.fastCopy()
		} else {
			err = pp.slowCopy()
		}
	}
	for _, s := range pp.state {
		if s.timer != nil {
			s.timer.Stop()
		}
	}
	switch {
	case err == nil:
		_ = pp.dst.CloseWrite() // the peer may have gone; nothing to tell it then
	case errors.Is(err, syscall.ECONNRESET):
		pp.conn.reset()
	case err == errTCPLimit:
		_ = pp.dst.CloseWrite() // after the bytes let through
		pp.conn.close()
	default:
		pp.conn.close()
	}
}

// kick makes the pipe leave the fast path if a fault of fs applies to it.
// Called with the proxy's mu held, after fs was stored.
func (pp *tcpPipe) kick(fs *tcpFaultSet) {
	if pp.fast.Load() && pp.appliesAny(fs) {
		_ = pp.src.SetReadDeadline(tcpLongAgo)
	}
}

// fastCopy copies while no fault applies (copyFast: splice on Linux). It
// returns nil at the end of the source, errTCPFault when a fault applies,
// or the error that broke the copy.
//
// The kick is race-free: kick stores fs before it reads fast, and fastCopy
// sets fast before it clears the deadline and loads fs. Either fastCopy
// sees the new set, or kick sees fast and sets its deadline after the
// clear. A deadline stops only the next read from the source: what was
// read is written first, so the slow path takes over without a byte lost.
// On Linux copyFast also looks at the fault set before each read, so that
// no byte goes through the fast path once the new set is stored (a wake-up
// already on its way when the deadline was set would read once more).
func (pp *tcpPipe) fastCopy() error {
	pp.fast.Store(true)
	defer pp.fast.Store(false)
	for {
		if err := pp.src.SetReadDeadline(time.Time{}); err != nil {
			return err
		}
		if pp.appliesAny(pp.conn.proxy.faults.Load()) {
			return errTCPFault
		}
		err := pp.copyFast()
		if !errors.Is(err, os.ErrDeadlineExceeded) || pp.conn.isClosed() {
			return err
		}
	}
}

// startReader starts a reader of src for the slow path.
func (pp *tcpPipe) startReader() *tcpReader {
	r := &tcpReader{chunks: make(chan tcpChunk, tcpQueue)}
	pp.stopRead.Store(false)
	pp.conn.wg.Add(1)
	go pp.read(r)
	return r
}

// stopReader stops r and returns queue with what r had read after it,
// and r's end if the source ended meanwhile. Nothing more is read from src
// until a reader starts again.
func (pp *tcpPipe) stopReader(r *tcpReader, queue []tcpChunk) []tcpChunk {
	pp.stopRead.Store(true)
	_ = pp.src.SetReadDeadline(tcpLongAgo)
	for c := range r.chunks {
		queue = append(queue, c)
	}
	if r.err != errTCPStopped {
		queue = append(queue, r.endChunk())
	}
	return queue
}

// read reads src into r's chunks for the slow path until the source ends
// or slowCopy asks it to stop (stopRead, then a read deadline in the past).
func (pp *tcpPipe) read(r *tcpReader) {
	defer pp.conn.wg.Done()
	defer close(r.chunks)
	buf := make([]byte, tcpChunkSize)
	for {
		n, err := pp.src.Read(buf)
		if n > 0 {
			c := tcpChunk{data: append([]byte(nil), buf[:n]...), at: time.Now()}
			select {
			case r.chunks <- c:
			case <-pp.conn.done:
				r.err = net.ErrClosed
				return
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded) && !pp.conn.isClosed():
			// A stop, or a kick meant for the fast path. Clear, then look:
			// a stop asked after the look sets its deadline after the clear.
			if pp.stopRead.Load() {
				r.err = errTCPStopped
				return
			}
			if err := pp.src.SetReadDeadline(time.Time{}); err != nil {
				r.err = err
				return
			}
			if pp.stopRead.Load() {
				r.err = errTCPStopped
				return
			}
		default:
			r.err, r.at = err, time.Now()
			return
		}
	}
}

// refresh returns the chain for the fault set on now.
func (pp *tcpPipe) refresh() *tcpChain {
	if fs := pp.conn.proxy.faults.Load(); fs != pp.fs {
		pp.fs, pp.ch = fs, pp.chainFor(fs)
		pp.sync(pp.ch)
	}
	return pp.ch
}

// slowCopy runs the bytes through the faults that apply, until none does
// (errTCPNoFault), the source ends (nil) or the connection breaks.
//
// A reader reads ahead (at most tcpQueue chunks) while the pipe is not
// holding. Each chunk waits until it was read + latency, then goes out in
// pieces: a slice at a time, paced by the bandwidth, cut by the data
// limit. A change of the fault set wakes every wait; the chunk held then
// continues under the new set (its latency picked again), so that an
// Update acts on data in flight.
//
// A holding blackhole stops the reader: what it had read waits in the
// queue, the rest in the kernel's buffers, until the blackhole goes. A
// dropping one lets the reader run and discards what it reads.
func (pp *tcpPipe) slowCopy() error {
	if pp.timer == nil {
		pp.timer = time.NewTimer(time.Hour)
		pp.timer.Stop()
	}
	var (
		rd    *tcpReader // nil while not reading
		queue []tcpChunk // read while the reader was stopping: goes before rd's chunks
		cur   tcpChunk   // being delivered; its data shrinks as it goes
		due   time.Time  // when cur may go: cur.at + latency; zero until picked
	)
	for {
		if pp.conn.isClosed() {
			return net.ErrClosed
		}
		ch := pp.refresh()
		if ch.faults == 0 {
			return pp.leave(cur, queue, rd)
		}
		if ch.blackhole && !ch.drop {
			if rd != nil {
				queue, rd = pp.stopReader(rd, queue), nil
			}
			select {
			case <-ch.changed:
			case <-pp.conn.done:
			}
			continue
		}
		if cur.empty() {
			switch {
			case len(queue) > 0:
				cur, queue = queue[0], queue[1:]
			case rd == nil:
				rd = pp.startReader()
				continue
			default:
				select {
				case c, ok := <-rd.chunks:
					if !ok {
						c, rd = rd.endChunk(), nil
					}
					cur = c
				case <-ch.changed:
					continue
				case <-pp.conn.done:
					continue
				}
			}
			due = time.Time{}
			if cur.end && cur.err != io.EOF {
				return cur.err
			}
			continue
		}
		if ch.blackhole { // dropping
			if cur.end { // hold the FIN
				select {
				case <-ch.changed:
				case <-pp.conn.done:
				}
				continue
			}
			cur.data = nil
			continue
		}
		if due.IsZero() {
			due = cur.at.Add(ch.latency())
			if cur.end {
				due = due.Add(ch.closeDelay)
			}
		}
		if !pp.sleep(due, ch) {
			due = time.Time{} // pick again under the new set
			continue
		}
		if cur.end {
			return nil
		}
		if err := pp.writePiece(&cur, due, ch); err != errTCPFault {
			return err
		}
	}
}

// writePiece writes the next piece of c (due at due) under ch. It returns
// errTCPFault when it has written it or when the set changed first (the
// caller looks again), errTCPLimit when a data limit is reached, or a
// write error.
func (pp *tcpPipe) writePiece(c *tcpChunk, due time.Time, ch *tcpChain) error {
	if ch.slice != nil && !pp.sleep(pp.after, ch) {
		return errTCPFault
	}
	n := ch.pieceLen(len(c.data))
	if ch.rate > 0 {
		if pp.start.IsZero() {
			// A link sends a byte once it is there and the bytes before it
			// have gone: a late wake-up is caught up, an idle link saves
			// nothing.
			pp.start = due
			if pp.next.After(due) {
				pp.start = pp.next
			}
		}
		paid := pp.start.Add(byteTime(n, ch.rate))
		if !pp.sleep(paid, ch) {
			return errTCPFault // the piece keeps its start: no time lost to the change
		}
		pp.next, pp.start = paid, time.Time{}
	} else {
		pp.start = time.Time{}
	}
	left := pp.allowed(ch)
	if left == 0 {
		return errTCPLimit
	}
	if left > 0 {
		n = int(min(int64(n), left))
	}
	if _, err := pp.dst.Write(c.data[:n]); err != nil {
		return err
	}
	c.data = c.data[n:]
	pp.count(ch, n)
	if ch.slice != nil {
		pp.after = time.Now().Add(ch.slice.sliceDelay)
	}
	if left == int64(n) {
		return errTCPLimit
	}
	return errTCPFault
}

// sleep waits until t. It returns false if the fault set changed or the
// connection closed first.
func (pp *tcpPipe) sleep(t time.Time, ch *tcpChain) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	pp.timer.Reset(d)
	select {
	case <-pp.timer.C:
		return true
	case <-ch.changed:
	case <-pp.conn.done:
	}
	pp.timer.Stop()
	return false
}

// leave goes back to the fast path: it writes what the slow path holds
// (cur, then queue), stops the reader if one runs and writes what it had
// read. It returns errTCPNoFault, or how the source ended when that came
// first: nil for its end, or its read error.
func (pp *tcpPipe) leave(cur tcpChunk, queue []tcpChunk, rd *tcpReader) error {
	pp.after, pp.start = time.Time{}, time.Time{}
	for _, c := range append([]tcpChunk{cur}, queue...) {
		if c.end {
			return endErr(c.err)
		}
		if len(c.data) == 0 {
			continue
		}
		if _, err := pp.dst.Write(c.data); err != nil {
			return err
		}
	}
	if rd == nil {
		return errTCPNoFault
	}
	pp.stopRead.Store(true)
	_ = pp.src.SetReadDeadline(tcpLongAgo)
	var err error
	for c := range rd.chunks {
		if err == nil {
			_, err = pp.dst.Write(c.data)
		}
		if err != nil {
			pp.conn.close() // ends the reader
		}
	}
	switch {
	case err != nil:
		return err
	case rd.err == errTCPStopped:
		return errTCPNoFault
	default:
		return endErr(rd.err)
	}
}

// endErr maps how a source ended to run's convention: nil for its end.
func endErr(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}
