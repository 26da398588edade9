package inject

import (
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The fast path on Linux splices: bytes go from one socket to the other
// through a pipe in the kernel, never through gameday's memory. io.Copy
// splices too, but holds its pipe (two file descriptors) for as long as
// it waits for the next byte, so that an idle connection cost six
// descriptors. Here a pipe is lent only for a burst:
//
//	wait until src is readable ─► take a pipe ─► splice src→pipe, pipe→dst ─┐
//	  (nothing held)                 ▲            until src has no more     │
//	                                 └─────────── give the pipe back ◄──────┘
//
// so an idle connection costs its two sockets, and the pipes in use are
// the bursts in progress. When no pipe can be had (the process is out of
// descriptors), a burst goes through a buffer instead.

const (
	tcpSpliceMax = 1 << 20 // bytes asked of one splice; the pipe's size bounds it
	tcpIdlePipes = 4       // pipes kept for the next bursts
	spliceMove   = 0x1     // SPLICE_F_MOVE
	spliceNonblk = 0x2     // SPLICE_F_NONBLOCK
	fSetPipeSize = 1031    // F_SETPIPE_SZ
)

// tcpSplicePipe is a pipe lent to a burst; n bytes are in it.
type tcpSplicePipe struct {
	r, w int
	n    int
}

func (sp *tcpSplicePipe) close() {
	syscall.Close(sp.r)
	syscall.Close(sp.w)
}

// tcpPipes lends a proxy's fast paths their pipes and their fallback
// buffers.
type tcpPipes struct {
	mu       sync.Mutex
	idle     []*tcpSplicePipe
	closed   bool
	failedAt atomic.Int64 // when making a pipe last failed (Unix ns): no new try for a while
	bufs     sync.Pool    // *[]byte of tcpChunkSize
}

// get returns an empty pipe, or nil when none can be made.
func (ps *tcpPipes) get() *tcpSplicePipe {
	ps.mu.Lock()
	if n := len(ps.idle); n > 0 {
		sp := ps.idle[n-1]
		ps.idle = ps.idle[:n-1]
		ps.mu.Unlock()
		return sp
	}
	ps.mu.Unlock()
	if time.Since(time.Unix(0, ps.failedAt.Load())) < 100*time.Millisecond {
		return nil
	}
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		ps.failedAt.Store(time.Now().UnixNano())
		return nil
	}
	// As io.Copy's splice does: a pipe of 1 MiB (where allowed) moves a
	// burst in fewer calls; its pages are only taken while data is in it.
	_, _, _ = syscall.Syscall(syscall.SYS_FCNTL, uintptr(fds[1]), fSetPipeSize, tcpSpliceMax)
	return &tcpSplicePipe{r: fds[0], w: fds[1]}
}

// put takes back a pipe: kept when empty and there is room, else closed.
func (ps *tcpPipes) put(sp *tcpSplicePipe) {
	if sp.n == 0 {
		ps.mu.Lock()
		if !ps.closed && len(ps.idle) < tcpIdlePipes {
			ps.idle = append(ps.idle, sp)
			ps.mu.Unlock()
			return
		}
		ps.mu.Unlock()
	}
	sp.close()
}

// release closes the idle pipes; after close, pipes given back are closed.
func (ps *tcpPipes) release(close bool) {
	ps.mu.Lock()
	idle := ps.idle
	ps.idle = nil
	ps.closed = ps.closed || close
	ps.mu.Unlock()
	for _, sp := range idle {
		sp.close()
	}
}

func (ps *tcpPipes) getBuf() *[]byte {
	if b, ok := ps.bufs.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, tcpChunkSize)
	return &b
}

// copyFast moves what src sends to dst, in bursts, until the source ends
// (nil), a read deadline passes (a kick) or the copy breaks.
func (pp *tcpPipe) copyFast() error {
	src, err := pp.src.SyscallConn()
	if err != nil {
		return err
	}
	dst, err := pp.dst.SyscallConn()
	if err != nil {
		return err
	}
	ps := &pp.conn.proxy.pipes
	var (
		sp   *tcpSplicePipe // lent for the burst
		buf  *[]byte        // lent for the burst when no pipe could be had
		n    int
		rerr error
	)
	defer func() {
		if sp != nil {
			ps.put(sp)
		}
		if buf != nil {
			ps.bufs.Put(buf)
		}
	}()
	// readable moves what src has into the pipe (or buffer); it gives them
	// back and reports false when src has nothing, so that the wait holds
	// nothing. It reads nothing once a fault applies: a kick's deadline
	// stops the wait, but a wake-up already on its way when the kick came
	// calls readable again without looking at the deadline.
	readable := func(fd uintptr) bool {
		if pp.appliesAny(pp.conn.proxy.faults.Load()) {
			rerr = errTCPFault
			return true
		}
		if sp == nil && buf == nil {
			if sp = ps.get(); sp == nil {
				buf = ps.getBuf()
			}
		}
		for {
			if sp != nil {
				var m int64
				m, rerr = syscall.Splice(int(fd), nil, sp.w, nil, tcpSpliceMax, spliceMove|spliceNonblk)
				n = int(m)
			} else {
				n, rerr = syscall.Read(int(fd), *buf)
			}
			if rerr != syscall.EINTR {
				break
			}
		}
		if rerr != syscall.EAGAIN {
			return true
		}
		if sp != nil {
			ps.put(sp) // empty: the pipe is drained after every splice into it
			sp = nil
		} else {
			ps.bufs.Put(buf)
			buf = nil
		}
		return false
	}
	// writable empties the pipe into dst; false when dst is full.
	var werr error
	writable := func(fd uintptr) bool {
		for sp.n > 0 {
			m, e := syscall.Splice(sp.r, nil, int(fd), nil, sp.n, spliceMove|spliceNonblk)
			switch {
			case e == nil && m > 0:
				sp.n -= int(m)
			case e == nil:
				werr = io.ErrShortWrite
				return true
			case e == syscall.EINTR:
			case e == syscall.EAGAIN:
				return false // dst is full: wait until it takes more
			default:
				werr = os.NewSyscallError("splice", e)
				return true
			}
		}
		return true
	}
	for {
		if err := src.Read(readable); err != nil {
			return err // a deadline (kick) or a closed socket
		}
		switch {
		case rerr == errTCPFault:
			return rerr
		case rerr != nil && sp != nil:
			return os.NewSyscallError("splice", rerr)
		case rerr != nil:
			return os.NewSyscallError("read", rerr)
		case n <= 0:
			return nil // the end of the source
		case sp != nil:
			sp.n = n
			if err := dst.Write(writable); err != nil {
				return err
			}
			if werr != nil {
				return werr
			}
		default:
			if _, err := pp.dst.Write((*buf)[:n]); err != nil {
				return err
			}
		}
	}
}
