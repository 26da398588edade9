package experiments

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gameday-dev/gameday/inject"
	"github.com/gameday-dev/gameday/probes"
)

// Env holds the running parts a session's blocks act on, by name: fault
// proxies put in the path between components and processes gameday
// supervises.
type Env struct {
	Proxies   map[string]*inject.HTTPProxy
	Processes map[string]*inject.Process
}

// Describe renders what a fault does, for the catalog and the timeline.
func (f Fault) Describe() string {
	scope := ""
	if f.Method != "" || f.PathPrefix != "" {
		scope = " (" + strings.TrimSpace(f.Method+" "+f.PathPrefix) + ")"
	}
	switch f.Kind {
	case FaultHTTPDelay:
		d := UnitMillis.Format(ms(f.Delay))
		if f.Jitter > 0 {
			d += " ± " + UnitMillis.Format(ms(f.Jitter))
		}
		return fmt.Sprintf("%s delay on %s%s", d, f.Target, scope)
	case FaultHTTPError:
		return fmt.Sprintf("%s answered %d on %s%s", UnitPercent.Format(f.Probability*100), f.status(), f.Target, scope)
	case FaultHTTPBlackhole:
		return fmt.Sprintf("requests to %s hang%s", f.Target, scope)
	case FaultHTTPAbort:
		return fmt.Sprintf("%s of connections to %s reset%s", UnitPercent.Format(f.Probability*100), f.Target, scope)
	case FaultProcessPause:
		return fmt.Sprintf("process %s paused (SIGSTOP)", f.Target)
	case FaultLoadScale:
		return fmt.Sprintf("load %s ×%g", f.Target, f.Factor)
	}
	return string(f.Kind) + " on " + f.Target
}

func (f Fault) status() int {
	if f.Status > 0 {
		return f.Status
	}
	return http.StatusServiceUnavailable
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// buildInjector makes the injector of a block from the session's parts.
func (s *Session) buildInjector(b Block) (inject.Injector, error) {
	f := b.Fault
	switch f.Kind {
	case FaultHTTPDelay, FaultHTTPError, FaultHTTPBlackhole, FaultHTTPAbort:
		p, ok := s.env.Proxies[f.Target]
		if !ok {
			return nil, fmt.Errorf("block %q: no proxy named %q", b.Name, f.Target)
		}
		hf := inject.HTTPFault{Method: f.Method, PathPrefix: f.PathPrefix}
		switch f.Kind {
		case FaultHTTPDelay:
			hf.Delay, hf.Jitter = f.Delay, f.Jitter
		case FaultHTTPError:
			hf.ErrorStatus, hf.ErrorProbability = f.status(), f.Probability
		case FaultHTTPBlackhole:
			hf.Blackhole = true
		case FaultHTTPAbort:
			hf.AbortProbability = f.Probability
		}
		return inject.NewHTTPFault(p, hf), nil
	case FaultProcessPause:
		p, ok := s.env.Processes[f.Target]
		if !ok {
			return nil, fmt.Errorf("block %q: no process named %q", b.Name, f.Target)
		}
		return inject.NewPause(p), nil
	case FaultLoadScale:
		l := s.load(f.Target)
		if l == nil {
			return nil, fmt.Errorf("block %q: no load named %q", b.Name, f.Target)
		}
		if f.Factor <= 0 {
			return nil, fmt.Errorf("block %q: load factor must be above 0, got %g", b.Name, f.Factor)
		}
		name := b.Name
		return &inject.Func{
			OnStart:  func(context.Context) error { l.setScale(name, f.Factor); return nil },
			OnUpdate: func(i float64) error { l.setScale(name, 1+(f.Factor-1)*i); return nil },
			OnStop:   func(context.Context) error { l.setScale(name, 1); return nil },
		}, nil
	}
	return nil, fmt.Errorf("block %q: unknown fault kind %q", b.Name, f.Kind)
}

// loadRun is a running load profile and the scale factors blocks put on it.
type loadRun struct {
	spec   Load
	gen    *probes.Load
	scales map[string]float64
	last   probes.LoadSample
}

func (l *loadRun) setScale(block string, f float64) {
	if f == 1 {
		delete(l.scales, block)
	} else {
		l.scales[block] = f
	}
	total := 1.0
	for _, v := range l.scales {
		total *= v
	}
	l.gen.SetScale(total)
}

func (s *Session) load(name string) *loadRun {
	for _, l := range s.loads {
		if l.spec.Name == name {
			return l
		}
	}
	return nil
}

func newLoadRun(spec Load) (*loadRun, error) {
	h := http.Header{}
	for k, v := range spec.Header {
		h.Set(k, v)
	}
	gen, err := probes.NewLoad(probes.LoadConfig{
		Name: spec.Name, URL: spec.URL, Method: spec.Method, Header: h,
		Body: []byte(spec.Body), Rate: spec.Rate, Timeout: spec.Timeout, Window: spec.Window,
	})
	if err != nil {
		return nil, fmt.Errorf("load %q: %w", spec.Name, err)
	}
	return &loadRun{spec: spec, gen: gen, scales: map[string]float64{}}, nil
}

// record appends one load sample to the store as its six series.
func (l *loadRun) record(store *probes.Store, now time.Time) {
	smp := l.gen.Collect(now)
	l.last = smp
	n := l.spec.Name
	store.Append(n+SeriesRate, probes.Point{T: now, V: smp.TargetRate})
	store.Append(n+SeriesThroughput, probes.Point{T: now, V: smp.Throughput})
	if smp.Count == 0 {
		return // no completed request in the window: no latency, no error rate
	}
	store.Append(n+SeriesP50, probes.Point{T: now, V: ms(smp.P50)})
	store.Append(n+SeriesP95, probes.Point{T: now, V: ms(smp.P95)})
	store.Append(n+SeriesP99, probes.Point{T: now, V: ms(smp.P99)})
	store.Append(n+SeriesErrorRate, probes.Point{T: now, V: smp.ErrorRate * 100})
}
