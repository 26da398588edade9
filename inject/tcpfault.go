package inject

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Direction is the stream of a TCP connection a fault acts on.
type Direction string

const (
	Upstream   Direction = "upstream"   // client → server
	Downstream Direction = "downstream" // server → client
	Both       Direction = "both"       // each of the two, independently
)

// TCPFaultKind names what a TCPFault does.
type TCPFaultKind string

const (
	TCPLatency   TCPFaultKind = "latency"    // Latency ± Jitter added to each chunk of data
	TCPBandwidth TCPFaultKind = "bandwidth"  // at most Rate bytes per second
	TCPReset     TCPFaultKind = "reset"      // reset the connection (RST, SO_LINGER 0) after Delay (new and established connections)
	TCPBlackhole TCPFaultKind = "blackhole"  // accept and hold: nothing is forwarded until the fault stops, then the held data flows (with Drop: data is read and dropped)
	TCPSlowClose TCPFaultKind = "slow-close" // delay the close of the connection by Delay
	TCPDataLimit TCPFaultKind = "data-limit" // close the connection once Bytes have passed in the direction
	TCPSlicing   TCPFaultKind = "slicing"    // split data into chunks of SliceSize ± SliceVariation bytes with SliceDelay between them
)

// TCPFault describes what to do to the byte streams of the connections
// through a TCPProxy. Kind says which of the parameters apply; setting one
// that does not apply is an error.
//
//	kind        parameters                               Direction when ""  intensity i scales
//	latency     Latency ≥ 0, Jitter ≥ 0                  downstream         Latency×i, Jitter×i
//	bandwidth   Rate > 0 (bytes per second)              downstream         Rate/i (time per byte × i)
//	reset       Delay ≥ 0                                (connection-wide)  Probability×i
//	blackhole   Drop (optional)                          both               Probability×i
//	slow-close  Delay > 0                                downstream         Delay×i
//	data-limit  Bytes > 0                                downstream         Bytes/i
//	slicing     SliceSize > 0, 0 ≤ SliceVariation <      downstream         SliceDelay×i
//	            SliceSize, SliceDelay ≥ 0
//
// The directions default as Toxiproxy's stream does (downstream), except
// that a blackhole holds both ways, since a black hole lets nothing through.
// A reset acts on the whole connection, whatever the Direction.
//
// A blackhole still connects to the upstream, as Toxiproxy does, and then
// holds: nothing is forwarded in its direction and nothing is lost. The
// proxy stops reading from the sender, so TCP's flow control holds the
// data in the kernel's socket buffers (then in the sender's, which blocks
// once they are full) rather than in gameday's memory; what it had already
// read when the fault reached the connection (at most its read-ahead,
// nothing when the connection was on the fast path) waits in memory. When
// the fault stops, or no longer applies to the connection, that data goes
// first, then the rest, in order, and the connection carries on: a request
// sent during the blackhole is answered after it. A FIN is held as well.
// With Drop, the blackhole reads and discards the data instead (a network
// that loses everything) and still holds the FIN; what was sent during it
// is gone for good. When a dropping and a holding blackhole apply to the
// same connection, data is dropped.
//
// Intensity i in (0, 1] scales one magnitude per kind: added times grow
// linearly with i, and limits (Rate, Bytes) relax towards unlimited as i
// falls, so that the time a limit adds per byte is linear in i as well.
// Kinds whose effect is all or nothing (reset, blackhole) scale their
// probability instead. At intensity 0 every kind has no effect and the
// connections go back to the fast path.
//
// A latency of 0 is valid: the data takes the slow path without waiting,
// which measures what that path costs.
//
// Probability is the chance that the fault applies to a given connection,
// drawn once per connection and per Start and kept through Updates, so a
// lower intensity affects a subset of what a higher one does. nil means 1;
// an explicit value must be within (0, 1], as 0 would never apply. Go 1.26
// writes it as Probability: new(0.5).
type TCPFault struct {
	Kind        TCPFaultKind
	Direction   Direction // "" means the kind's default (see above); Both applies to each direction
	Probability *float64  // nil means 1; otherwise within (0, 1]

	Latency, Jitter time.Duration // latency: each chunk waits Latency ± uniform Jitter (never less than 0) after it was read
	Rate            int64         // bandwidth: bytes per second
	Delay           time.Duration // reset: time from the fault reaching the connection to the reset; slow-close: added before the close goes through
	Bytes           int64         // data-limit: bytes forwarded in the direction, counted from the fault reaching the connection

	SliceSize, SliceVariation int           // slicing: bytes per write
	SliceDelay                time.Duration // slicing: pause after each write

	Drop bool // blackhole: read and discard the data instead of holding it
}

// tcpKind is the table entry of one fault kind.
type tcpKind struct {
	dir    Direction                      // the direction when the fault says none
	params []string                       // the parameters it takes
	check  func(f TCPFault) error         // the kind's own rules
	scale  func(a *tcpActive, f TCPFault) // sets a's effect at a.intensity
}

// tcpKinds registers the fault kinds, in the order errors list them.
var tcpKinds = map[TCPFaultKind]tcpKind{
	TCPLatency: {Downstream, []string{"latency", "jitter"}, nil, func(a *tcpActive, f TCPFault) {
		a.latency = scaleDuration(f.Latency, a.intensity)
		a.jitter = scaleDuration(f.Jitter, a.intensity)
	}},
	TCPBandwidth: {Downstream, []string{"rate"}, func(f TCPFault) error {
		if f.Rate <= 0 {
			return fmt.Errorf("rate %d bytes per second: want more than 0", f.Rate)
		}
		return nil
	}, func(a *tcpActive, f TCPFault) { a.rate = relax(f.Rate, a.intensity) }},
	TCPReset: {Both, []string{"delay"}, nil, func(a *tcpActive, f TCPFault) {
		a.delay = f.Delay
		a.prob *= a.intensity
	}},
	TCPBlackhole: {Both, []string{"drop"}, nil, func(a *tcpActive, f TCPFault) {
		a.drop = f.Drop
		a.prob *= a.intensity
	}},
	TCPSlowClose: {Downstream, []string{"delay"}, func(f TCPFault) error {
		if f.Delay <= 0 {
			return fmt.Errorf("delay %v: want more than 0", f.Delay)
		}
		return nil
	}, func(a *tcpActive, f TCPFault) { a.delay = scaleDuration(f.Delay, a.intensity) }},
	TCPDataLimit: {Downstream, []string{"bytes"}, func(f TCPFault) error {
		if f.Bytes <= 0 {
			return fmt.Errorf("bytes %d: want more than 0", f.Bytes)
		}
		return nil
	}, func(a *tcpActive, f TCPFault) { a.bytes = relax(f.Bytes, a.intensity) }},
	TCPSlicing: {Downstream, []string{"slice size", "slice variation", "slice delay"}, func(f TCPFault) error {
		if f.SliceSize <= 0 {
			return fmt.Errorf("slice size %d: want more than 0", f.SliceSize)
		}
		if f.SliceVariation >= f.SliceSize {
			return fmt.Errorf("slice variation %d: want less than the slice size %d", f.SliceVariation, f.SliceSize)
		}
		return nil
	}, func(a *tcpActive, f TCPFault) {
		a.sliceSize, a.sliceVar = f.SliceSize, f.SliceVariation
		a.sliceDelay = scaleDuration(f.SliceDelay, a.intensity)
	}},
}

var tcpKindNames = []TCPFaultKind{TCPLatency, TCPBandwidth, TCPReset, TCPBlackhole, TCPSlowClose, TCPDataLimit, TCPSlicing}

// Validate reports whether f is a fault that can be applied.
func (f TCPFault) Validate() error {
	kind, ok := tcpKinds[f.Kind]
	if !ok {
		names := make([]string, len(tcpKindNames))
		for i, k := range tcpKindNames {
			names[i] = string(k)
		}
		return fmt.Errorf("kind %q: want one of %s", f.Kind, strings.Join(names, ", "))
	}
	var errs []error
	switch f.Direction {
	case "", Upstream, Downstream, Both:
	default:
		errs = append(errs, fmt.Errorf("direction %q: want upstream, downstream or both", f.Direction))
	}
	if p := f.Probability; p != nil && !(*p > 0 && *p <= 1) {
		errs = append(errs, fmt.Errorf("probability %v: want within (0, 1], or unset for 1", *p))
	}
	params := []struct {
		name     string
		set, neg bool
	}{
		{"latency", f.Latency != 0, f.Latency < 0},
		{"jitter", f.Jitter != 0, f.Jitter < 0},
		{"rate", f.Rate != 0, f.Rate < 0},
		{"delay", f.Delay != 0, f.Delay < 0},
		{"bytes", f.Bytes != 0, f.Bytes < 0},
		{"slice size", f.SliceSize != 0, f.SliceSize < 0},
		{"slice variation", f.SliceVariation != 0, f.SliceVariation < 0},
		{"slice delay", f.SliceDelay != 0, f.SliceDelay < 0},
		{"drop", f.Drop, false},
	}
	for _, p := range params {
		switch {
		case p.set && !slices.Contains(kind.params, p.name):
			errs = append(errs, fmt.Errorf("%s does not apply to a %s fault", p.name, f.Kind))
		case p.neg:
			errs = append(errs, fmt.Errorf("%s is negative", p.name))
		}
	}
	if len(errs) == 0 && kind.check != nil {
		errs = append(errs, kind.check(f))
	}
	return errors.Join(errs...)
}

// scaleDuration returns d×i, rounded.
func scaleDuration(d time.Duration, i float64) time.Duration {
	return time.Duration(math.Round(float64(d) * i))
}

// relax returns the limit n at intensity i in (0, 1]: n/i, so that the
// time the limit adds per byte is proportional to i; at most 1<<53.
func relax(n int64, i float64) int64 {
	return int64(math.Min(math.Ceil(float64(n)/i), 1<<53))
}

// tcpActive is a TCPFault at a given intensity, as installed in a proxy's
// fault set. It is never changed once installed.
type tcpActive struct {
	owner     *TCPFaultInjector // identity of the fault within the set
	id        uint64            // of the Start: per-connection draws and state are keyed by it
	kind      TCPFaultKind
	up, down  bool // the directions it acts on
	intensity float64
	prob      float64

	latency, jitter     time.Duration
	rate, bytes         int64
	delay               time.Duration
	sliceSize, sliceVar int
	sliceDelay          time.Duration
	drop                bool // blackhole: discard instead of holding
}

// tcpFaultSet is the immutable set of faults on a proxy. changed is
// closed when the set is replaced, which wakes the connections that wait
// in the slow path.
type tcpFaultSet struct {
	list    []*tcpActive
	changed chan struct{}
}

// tcpStarts numbers the Starts of all TCP faults.
var tcpStarts atomic.Uint64

// TCPFaultInjector applies one TCPFault on one TCPProxy while started.
type TCPFaultInjector struct {
	proxy *TCPProxy
	fault TCPFault
	proxyFault
	id uint64 // of the current Start
}

var _ Injector = (*TCPFaultInjector)(nil)

// NewTCPFault returns the injector that applies f on p while started.
// Several faults can be on the same proxy at once; their delays add up and
// the tightest limit wins. Start reaches new connections at once and
// established ones within milliseconds, without dropping them; Update
// changes the intensity on live connections (see TCPFault for what it
// scales); Stop removes the fault: held data flows and the connections go
// back to the fast path. Start returns f.Validate's error when f cannot be
// applied.
func NewTCPFault(p *TCPProxy, f TCPFault) *TCPFaultInjector {
	return &TCPFaultInjector{proxy: p, fault: f, proxyFault: newProxyFault("tcp", p.name)}
}

// Start puts the fault on the proxy at the current intensity (1 unless an
// Update said otherwise). Each Start draws anew which connections the
// fault applies to.
func (h *TCPFaultInjector) Start(ctx context.Context) error {
	return h.start(ctx, h.fault.Validate, h.proxy.isClosed, func() {
		h.id = tcpStarts.Add(1)
		h.apply()
	})
}

// Update sets the intensity, 0..1.
func (h *TCPFaultInjector) Update(ctx context.Context, intensity float64) error {
	return h.update(intensity, h.apply)
}

// Stop removes the fault from the proxy.
func (h *TCPFaultInjector) Stop(context.Context) error {
	return h.stop(func() { h.proxy.setFault(h, nil) })
}

// apply installs the fault at h.intensity, or removes it at intensity 0 so
// that the connections take the fast path. Called with h.mu held.
func (h *TCPFaultInjector) apply() {
	if h.intensity == 0 {
		h.proxy.setFault(h, nil)
		return
	}
	f := h.fault
	kind := tcpKinds[f.Kind]
	dir := f.Direction
	if dir == "" || f.Kind == TCPReset {
		dir = kind.dir
	}
	a := &tcpActive{
		owner:     h,
		id:        h.id,
		kind:      f.Kind,
		up:        dir == Upstream || dir == Both,
		down:      dir == Downstream || dir == Both,
		intensity: h.intensity,
		prob:      1,
	}
	if f.Probability != nil {
		a.prob = *f.Probability
	}
	kind.scale(a, f)
	h.proxy.setFault(h, a)
}
