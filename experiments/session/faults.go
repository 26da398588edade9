package session

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gameday-dev/gameday/experiments"

	"github.com/gameday-dev/gameday/inject"
)

// buildInjector makes the injector of a simple block: its fault and its
// load change together.
func (s *Session) buildInjector(b experiments.Block, path string) (inject.Injector, error) {
	var injs []inject.Injector
	if b.Fault != nil {
		inj, err := s.faultInjector(b, path)
		if err != nil {
			return nil, err
		}
		injs = append(injs, inj)
	}
	if b.Load != nil {
		l := s.load(b.Load.Target)
		if l == nil {
			return nil, fmt.Errorf("block %q: no load named %q", b.Name, b.Load.Target)
		}
		name, factor := b.Name, b.Load.Factor
		injs = append(injs, &inject.Func{
			OnStart:  func(context.Context) error { l.setScale(name, factor); return nil },
			OnUpdate: func(_ context.Context, i float64) error { l.setScale(name, 1+(factor-1)*i); return nil },
			OnStop:   func(context.Context) error { l.setScale(name, 1); return nil },
		})
	}
	if len(injs) == 0 {
		return nil, fmt.Errorf("block %q: nothing to inject", b.Name)
	}
	if len(injs) == 1 {
		return injs[0], nil
	}
	return &group{parts: injs}, nil
}

func (s *Session) faultInjector(b experiments.Block, path string) (inject.Injector, error) {
	f := b.Fault
	prob := f.EffectiveProbability()
	proxyFault := f.Kind.OnProxy()
	if hp, ok := s.parts.http[f.Target]; ok && proxyFault {
		hf := inject.HTTPFault{Method: f.Method, PathPrefix: f.PathPrefix}
		if len(f.Header) > 0 {
			hf.Header = http.Header{}
			for k, v := range f.Header {
				hf.Header.Set(k, v)
			}
		}
		switch f.Kind {
		case experiments.FaultLatency:
			hf.Delay, hf.Jitter = f.Delay, f.Jitter
		case experiments.FaultError:
			hf.ErrorStatus, hf.ErrorProbability = f.StatusCode(), prob
		case experiments.FaultBlackhole:
			hf.Blackhole = true
		case experiments.FaultAbort:
			hf.AbortProbability = prob
		default:
			return nil, fmt.Errorf("block %q: %s is not a fault of http proxies", b.Name, f.Kind)
		}
		return inject.NewHTTPFault(hp, hf), nil
	}
	if tp, ok := s.parts.tcp[f.Target]; ok && proxyFault {
		tf := inject.TCPFault{Kind: inject.TCPFaultKind(f.Kind), Direction: inject.Direction(f.Direction),
			Probability: &prob, Latency: f.Delay, Jitter: f.Jitter, Rate: f.Rate, Delay: f.Delay,
			Bytes: f.Bytes, SliceSize: int(f.SliceSize), SliceVariation: int(f.SliceVariation)}
		if f.Kind == experiments.FaultLatency {
			tf.Delay = 0
		} else {
			tf.Latency = 0
		}
		if f.Kind == experiments.FaultSlicing {
			tf.SliceDelay, tf.Delay = f.Delay, 0
		}
		if err := tf.Validate(); err != nil {
			return nil, fmt.Errorf("block %q: %w", b.Name, err)
		}
		return inject.NewTCPFault(tp, tf), nil
	}
	if t, ok := s.parts.toxi[f.Target]; ok && proxyFault {
		x := inject.NewToxic(b.Name, toxicFault(t, f, prob))
		if err := x.Validate(); err != nil {
			return nil, fmt.Errorf("block %q: %w", b.Name, err)
		}
		return s.recorded(x, path), nil
	}
	switch f.Kind {
	case experiments.FaultPause, experiments.FaultKill:
		p, ok := s.parts.procs[f.Target]
		if !ok {
			return nil, fmt.Errorf("block %q: no process named %q", b.Name, f.Target)
		}
		if f.Kind == experiments.FaultPause {
			return s.recorded(inject.NewPause(p), path), nil
		}
		return s.recorded(inject.NewKill(p, f.Restart), path), nil
	case experiments.FaultCommand:
		name := b.Name
		out := func(stream, line string) { s.output(name, stream, line) }
		return s.recorded(inject.NewCommandFault(name, commandSpec(s.exp, f.Start), commandSpec(s.exp, f.Revert), out), path), nil
	}
	return nil, fmt.Errorf("block %q: no proxy named %q for a %s fault", b.Name, f.Target, f.Kind)
}

// toxicFault turns a fault on a Toxiproxy target into a toxic.
func toxicFault(t experiments.ToxiproxyTarget, f *experiments.Fault, prob float64) inject.ToxicFault {
	proxy := t.Proxy
	if proxy == "" {
		proxy = t.Name
	}
	stream := f.Direction
	if stream == "" {
		stream = "downstream"
	}
	msec := func(d time.Duration) int64 { return d.Milliseconds() }
	tf := inject.ToxicFault{Server: t.Server, Proxy: proxy, Stream: stream, Toxicity: prob, Attributes: map[string]int64{}}
	switch f.Kind {
	case experiments.FaultLatency:
		tf.Type, tf.Attributes["latency"], tf.Attributes["jitter"] = "latency", msec(f.Delay), msec(f.Jitter)
	case experiments.FaultBandwidth:
		tf.Type, tf.Attributes["rate"] = "bandwidth", max(f.Rate/1000, 1) // KB/s
	case experiments.FaultBlackhole:
		tf.Type, tf.Attributes["timeout"] = "timeout", 0 // hold until removed
	case experiments.FaultReset:
		tf.Type, tf.Attributes["timeout"] = "reset_peer", msec(f.Delay)
	case experiments.FaultSlowClose:
		tf.Type, tf.Attributes["delay"] = "slow_close", msec(f.Delay)
	case experiments.FaultDataLimit:
		tf.Type, tf.Attributes["bytes"] = "limit_data", f.Bytes
	case experiments.FaultSlicing:
		tf.Type = "slicer"
		tf.Attributes["average_size"], tf.Attributes["size_variation"] = f.SliceSize, f.SliceVariation
		tf.Attributes["delay"] = f.Delay.Microseconds()
	}
	return tf
}

// recording is an injector whose fault outlives gameday (a toxic, a
// paused or killed process, a command): it records what to revert.
type recording interface {
	inject.Injector
	SetRecorder(inject.RevertRecorder)
}

// recorded gives x the session's recorder of what to revert, with keys
// under the block's path (none without a recorder).
func (s *Session) recorded(x recording, path string) inject.Injector {
	if s.recorder != nil {
		x.SetRecorder(prefixed{inner: s.recorder, prefix: path + "/"})
	}
	return x
}

type prefixed struct {
	inner  inject.RevertRecorder
	prefix string
}

func (p prefixed) Record(key string, r inject.Revert) error { return p.inner.Record(p.prefix+key, r) }

func (p prefixed) Forget(key string) error { return p.inner.Forget(p.prefix + key) }

func commandSpec(e *experiments.Experiment, c *experiments.CommandSpec) inject.CommandSpec {
	if c == nil {
		return inject.CommandSpec{}
	}
	return inject.CommandSpec{Argv: c.Argv, Shell: c.Shell, Timeout: c.Timeout, Dir: e.Dir()}
}
