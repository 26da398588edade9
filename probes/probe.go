package probes

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Probe samples one number each time it is asked. Name identifies it;
// Sample may take time and must honour ctx.
type Probe interface {
	Name() string
	Sample(ctx context.Context) (float64, error)
}

// ErrNoData: the probe answered but has no value yet (e.g. the first sample
// of a counter rate).
var ErrNoData = errors.New("no data yet")

// Reading is one outcome of a probe: its value or error, when the sample
// completed (At) and how long it took.
type Reading struct {
	Value float64
	Err   error
	At    time.Time
	Took  time.Duration
}

// DefaultPollEvery is the Poller interval used for a zero or negative every.
const DefaultPollEvery = time.Second

// Poller runs a probe every interval in its own goroutine and keeps the
// latest reading, so a slow probe never blocks the caller. Samples do not
// overlap: when one takes longer than the interval, the next starts as soon
// as it ends.
type Poller struct {
	probe   Probe
	every   time.Duration
	timeout time.Duration

	mu     sync.Mutex
	latest Reading
	ok     bool
}

// NewPoller returns a poller that samples p every interval, each sample
// bounded by timeout. A zero or negative every means DefaultPollEvery; a zero
// or negative timeout means every.
func NewPoller(p Probe, every, timeout time.Duration) *Poller {
	if every <= 0 {
		every = DefaultPollEvery
	}
	if timeout <= 0 {
		timeout = every
	}
	return &Poller{probe: p, every: every, timeout: timeout}
}

// Run samples the probe at once, then every interval, until ctx is done. A
// sample cut short because ctx is done is not kept.
func (p *Poller) Run(ctx context.Context) {
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		p.sample(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *Poller) sample(ctx context.Context) {
	sctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	start := time.Now()
	v, err := p.probe.Sample(sctx)
	end := time.Now()
	if ctx.Err() != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latest = Reading{Value: v, Err: err, At: end, Took: end.Sub(start)}
	p.ok = true
}

// Latest returns the latest reading, and false before the first sample
// completes. It is safe from any goroutine and never waits for a sample.
func (p *Poller) Latest() (Reading, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.latest, p.ok
}

// Probe returns the probe polled.
func (p *Poller) Probe() Probe { return p.probe }

// DefaultProbeTimeout bounds one sample of an HTTP, TCP, command or PromQL
// probe whose timeout is zero.
const DefaultProbeTimeout = 5 * time.Second

// errSampleTimeout is the cause of a sample's context that ended at the
// probe's own timeout rather than at its caller's. It reads and matches
// (errors.Is) as context.DeadlineExceeded, which net/http returns it for.
var errSampleTimeout error = sampleTimeout{}

type sampleTimeout struct{}

func (sampleTimeout) Error() string        { return context.DeadlineExceeded.Error() }
func (sampleTimeout) Is(target error) bool { return target == context.DeadlineExceeded }

// withSampleTimeout bounds a sample by the probe's timeout d.
func withSampleTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d, errSampleTimeout)
}

// timedOut reports whether ctx, from withSampleTimeout, ended at the
// probe's own timeout.
func timedOut(ctx context.Context) bool {
	return context.Cause(ctx) == errSampleTimeout
}
