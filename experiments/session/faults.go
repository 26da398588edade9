package session

import (
	"context"
	"fmt"

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
	named := func(err error) error { return fmt.Errorf("block %q: %w", b.Name, err) }
	if f.Kind.OnProxy() {
		if hp, ok := s.parts.http[f.Target]; ok {
			hf, err := f.HTTPFault()
			if err != nil {
				return nil, named(err)
			}
			return inject.NewHTTPFault(hp, hf), nil
		}
		if tp, ok := s.parts.tcp[f.Target]; ok {
			tf, err := f.TCPFault()
			if err != nil {
				return nil, named(err)
			}
			return inject.NewTCPFault(tp, tf), nil
		}
		if t, ok := s.parts.toxi[f.Target]; ok {
			tf, err := f.ToxicFault(t)
			if err != nil {
				return nil, named(err)
			}
			x := inject.NewToxic(b.Name, tf)
			if err := x.Validate(); err != nil {
				return nil, named(err)
			}
			return s.recorded(x, path), nil
		}
		return nil, fmt.Errorf("block %q: no proxy named %q for a %s fault", b.Name, f.Target, f.Kind)
	}
	if f.Kind.OnKubernetes() {
		cf, err := s.exp.ChaosFault(b)
		if err != nil {
			return nil, named(err)
		}
		x := inject.NewChaos(b.Name, cf)
		s.recorded(x, path)
		return s.engineFault(b.Name, x), nil
	}
	switch f.Kind {
	case experiments.FaultPause, experiments.FaultKill:
		p, ok := s.parts.procs[f.Target]
		if !ok {
			return nil, fmt.Errorf("block %q: no process named %q", b.Name, f.Target)
		}
		if f.Kind == experiments.FaultPause {
			return s.recorded(inject.NewPauseWith(p, inject.PauseConfig{Period: f.Period}), path), nil
		}
		return s.recorded(inject.NewKill(p, f.Restart), path), nil
	case experiments.FaultCommand:
		name := b.Name
		out := func(stream, line string) { s.output(name, stream, line) }
		return s.recorded(inject.NewCommandFault(name, commandSpec(s.exp, f.Start), commandSpec(s.exp, f.Revert), out), path), nil
	}
	return nil, fmt.Errorf("block %q: no injector for a %s fault", b.Name, f.Kind)
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
		x.SetRecorder(prefixed{inner: s.recorder, prefix: path + "/", exp: s.exp})
	}
	return x
}

// prefixed puts the block's path in front of the keys, and fills in how
// a revert command shows to people, with the experiment's secrets masked.
type prefixed struct {
	inner  inject.RevertRecorder
	prefix string
	exp    *experiments.Experiment
}

func (p prefixed) Record(key string, r inject.Revert) error {
	if r.Command != nil && r.Shown == "" {
		shown := *r.Command // masked before it is quoted, so that quoting cannot hide a secret
		shown.Argv = make([]string, len(r.Command.Argv))
		for i, a := range r.Command.Argv {
			shown.Argv[i] = p.exp.Redact(a)
		}
		r.Shown = shown.String()
	}
	return p.inner.Record(p.prefix+key, r)
}

func (p prefixed) Forget(key string) error { return p.inner.Forget(p.prefix + key) }

func commandSpec(e *experiments.Experiment, c *experiments.CommandSpec) inject.CommandSpec {
	if c == nil {
		return inject.CommandSpec{}
	}
	return inject.CommandSpec{Argv: c.Argv, Shell: c.Shell, Timeout: c.Timeout, Dir: e.Dir()}
}
