package inject

import (
	"math/rand/v2"
	"time"
)

// tcpChain is what a fault set does to one pipe: the faults that apply to
// it, folded into what the slow path needs. It is built when the set
// changes and read by the pipe's goroutine only.
type tcpChain struct {
	changed    <-chan struct{} // the set's: closed when it is replaced
	faults     int             // how many apply; 0 means the fast path
	blackhole  bool            // nothing is forwarded: the data is held, or dropped when drop
	drop       bool
	latencies  []*tcpActive
	rate       int64      // bytes per second, the tightest of the bandwidth faults; 0 means none
	slice      *tcpActive // the first slicing fault, if any
	closeDelay time.Duration
	limits     []*tcpActive
	resets     []*tcpActive
}

// applies reports whether fault a acts on this pipe.
func (pp *tcpPipe) applies(a *tcpActive) bool {
	return (pp.up && a.up || !pp.up && a.down) && pp.conn.draws(a)
}

// appliesAny reports whether any fault of fs acts on this pipe.
func (pp *tcpPipe) appliesAny(fs *tcpFaultSet) bool {
	for _, a := range fs.list {
		if pp.applies(a) {
			return true
		}
	}
	return false
}

func (pp *tcpPipe) chainFor(fs *tcpFaultSet) *tcpChain {
	ch := &tcpChain{changed: fs.changed}
	for _, a := range fs.list {
		if !pp.applies(a) {
			continue
		}
		ch.faults++
		switch a.kind {
		case TCPLatency:
			ch.latencies = append(ch.latencies, a)
		case TCPBandwidth:
			if ch.rate == 0 || a.rate < ch.rate {
				ch.rate = a.rate
			}
		case TCPReset:
			ch.resets = append(ch.resets, a)
		case TCPBlackhole:
			ch.blackhole = true
			ch.drop = ch.drop || a.drop
		case TCPSlowClose:
			ch.closeDelay += a.delay
		case TCPDataLimit:
			ch.limits = append(ch.limits, a)
		case TCPSlicing:
			if ch.slice == nil {
				ch.slice = a
			}
		}
	}
	return ch
}

// latency picks the delay of one chunk: the sum of each latency fault's
// Latency ± uniform Jitter, each never below 0.
func (ch *tcpChain) latency() time.Duration {
	var d time.Duration
	for _, a := range ch.latencies {
		l := a.latency
		if a.jitter > 0 {
			l += time.Duration((rand.Float64()*2 - 1) * float64(a.jitter))
		}
		d += max(l, 0)
	}
	return d
}

// pieceLen returns how many of n bytes the next write may carry: one slice
// (SliceSize ± SliceVariation), and no more than 10 ms' worth of the
// bandwidth, so that the pace is smooth.
func (ch *tcpChain) pieceLen(n int) int {
	if s := ch.slice; s != nil {
		size := s.sliceSize
		if s.sliceVar > 0 {
			size += rand.IntN(2*s.sliceVar+1) - s.sliceVar
		}
		n = min(n, max(size, 1))
	}
	if ch.rate > 0 {
		n = int(min(int64(n), max(ch.rate/100, 1)))
	}
	return n
}

// byteTime is how long n bytes take at rate bytes per second.
func byteTime(n int, rate int64) time.Duration {
	return time.Duration(float64(n) / float64(rate) * float64(time.Second))
}

// tcpFaultState is what a pipe keeps per fault that applies to it, keyed
// by the fault's Start.
type tcpFaultState struct {
	passed int64       // data-limit: bytes forwarded since the fault reached the pipe
	timer  *time.Timer // reset: fires Delay after the fault reached the pipe
}

// sync brings the per-fault state in line with ch: it arms the timers of
// resets that just reached the pipe and forgets faults that left it.
func (pp *tcpPipe) sync(ch *tcpChain) {
	keep := make(map[uint64]bool, len(ch.resets)+len(ch.limits))
	for _, a := range ch.resets {
		keep[a.id] = true
		if pp.state[a.id] == nil {
			pp.stateFor(a.id).timer = time.AfterFunc(a.delay, pp.conn.reset)
		}
	}
	for _, a := range ch.limits {
		keep[a.id] = true
		pp.stateFor(a.id)
	}
	for id, s := range pp.state {
		if !keep[id] {
			if s.timer != nil {
				s.timer.Stop()
			}
			delete(pp.state, id)
		}
	}
}

func (pp *tcpPipe) stateFor(id uint64) *tcpFaultState {
	if pp.state == nil {
		pp.state = make(map[uint64]*tcpFaultState)
	}
	s := pp.state[id]
	if s == nil {
		s = &tcpFaultState{}
		pp.state[id] = s
	}
	return s
}

// allowed returns how many more bytes the data limits let through, or -1
// when there is no limit.
func (pp *tcpPipe) allowed(ch *tcpChain) int64 {
	left := int64(-1)
	for _, a := range ch.limits {
		n := max(a.bytes-pp.stateFor(a.id).passed, 0)
		if left < 0 || n < left {
			left = n
		}
	}
	return left
}

func (pp *tcpPipe) count(ch *tcpChain, n int) {
	for _, a := range ch.limits {
		pp.stateFor(a.id).passed += int64(n)
	}
}
