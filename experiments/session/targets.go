package session

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/gameday-dev/gameday/experiments"

	"github.com/gameday-dev/gameday/inject"
)

// Env holds running parts that the host program provides, by name: they
// are used instead of building the target of the same name. gameday demo
// passes the shop's processes this way; tests pass their own proxies.
type Env struct {
	Proxies   map[string]*inject.HTTPProxy
	Processes map[string]*inject.Process
}

// parts are the running targets of a session.
type parts struct {
	http  map[string]*inject.HTTPProxy
	tcp   map[string]*inject.TCPProxy
	toxi  map[string]experiments.ToxiproxyTarget
	procs map[string]*inject.Process
	owned []func() // closes what the session built, newest last
}

// buildTargets starts the experiment's proxies and processes. On error,
// whatever it started is stopped again.
func buildTargets(ctx context.Context, e *experiments.Experiment, env Env) (_ *parts, err error) {
	p := &parts{http: map[string]*inject.HTTPProxy{}, tcp: map[string]*inject.TCPProxy{},
		toxi: map[string]experiments.ToxiproxyTarget{}, procs: map[string]*inject.Process{}}
	for _, t := range e.Targets.Toxiproxy {
		p.toxi[t.Name] = t
	}
	maps.Copy(p.http, env.Proxies)
	maps.Copy(p.procs, env.Processes)
	defer func() {
		if err != nil {
			p.close()
		}
	}()
	for _, t := range e.Targets.Proxies {
		if _, given := p.http[t.Name]; given {
			continue
		}
		if t.Protocol == experiments.ProtoTCP {
			tp, err := inject.NewTCPProxy(t.Name, t.Listen, t.Upstream)
			if err != nil {
				return nil, fmt.Errorf("target %q: %w", t.Name, err)
			}
			p.tcp[t.Name] = tp
			p.owned = append(p.owned, func() { _ = tp.Close() })
			continue
		}
		hp, err := inject.NewHTTPProxy(t.Name, t.Listen, t.Upstream)
		if err != nil {
			return nil, fmt.Errorf("target %q: %w", t.Name, err)
		}
		p.http[t.Name] = hp
		p.owned = append(p.owned, func() { _ = hp.Close() })
	}
	for _, t := range e.Targets.Processes {
		if _, given := p.procs[t.Name]; given {
			continue
		}
		proc, err := startTarget(ctx, e, t)
		if err != nil {
			return nil, fmt.Errorf("target %q: %w", t.Name, err)
		}
		p.procs[t.Name] = proc
		if len(t.Command) > 0 {
			p.owned = append(p.owned, func() { _ = proc.Stop(5 * time.Second) })
		}
	}
	return p, nil
}

// startTarget starts or finds a process target.
func startTarget(ctx context.Context, e *experiments.Experiment, t experiments.ProcessTarget) (*inject.Process, error) {
	switch {
	case t.PIDFile != "":
		return inject.AttachPIDFile(t.Name, experiments.RelTo(e.File, t.PIDFile))
	case t.PID > 0:
		return inject.AttachProcess(t.Name, t.PID)
	}
	argv := t.Command
	if t.Shell {
		argv = []string{"/bin/sh", "-c", t.Command[0]}
	}
	path, err := exec.LookPath(argv[0])
	if err != nil && !strings.Contains(argv[0], "/") {
		return nil, fmt.Errorf("command %q: %w", argv[0], err)
	}
	if path == "" {
		path = experiments.RelTo(e.File, argv[0])
	}
	var env []string
	for _, k := range slices.Sorted(maps.Keys(t.Env)) {
		env = append(env, k+"="+t.Env[k])
	}
	dir := e.Dir()
	if t.Dir != "" {
		dir = experiments.RelTo(e.File, t.Dir)
	}
	return inject.StartProcess(ctx, inject.ProcessSpec{
		Name: t.Name, Path: path, Args: argv[1:], Env: env, Dir: dir,
		ReadyPrefix: t.Ready, ReadyTimeout: 15 * time.Second,
	})
}

// close stops what the session started, newest first.
// hearProxies has the session's proxies report their own errors (each
// kind at most once a second, with a count): all to the log; a
// connection a proxy could not accept (out of file descriptors) to the
// timeline too, since the system under test then sees refusals that no
// fault made. An upstream that does not answer is, during a game day,
// usually a fault's doing, said by the loads' errors: only logged.
func (s *Session) hearProxies() {
	hear := func(err error) {
		var pe *inject.ProxyError
		if !errors.As(err, &pe) {
			return
		}
		s.log.Warn("proxy error", "proxy", pe.Proxy, "op", pe.Op, "count", pe.Count(), "err", pe.Err.Error())
		if pe.Op == "accept" {
			s.Do(Command{Kind: CmdEvent, Event: experiments.Event{Kind: experiments.EventError, Subject: pe.Proxy,
				By: BySession, Text: pe.Error() + ": existing connections go on; new ones are refused until it recovers"}})
		}
	}
	for _, p := range s.parts.http {
		p.OnError(hear)
	}
	for _, p := range s.parts.tcp {
		p.OnError(hear)
	}
}

// exposed lists the addresses the session's own proxies listen on that
// are not loopback: others on the network can reach them.
func (p *parts) exposed() []string {
	var out []string
	add := func(addr string) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			out = append(out, addr)
		}
	}
	for _, t := range p.http {
		add(t.Addr())
	}
	for _, t := range p.tcp {
		add(t.Addr())
	}
	slices.Sort(out)
	return out
}

func (p *parts) close() {
	for i := len(p.owned) - 1; i >= 0; i-- {
		p.owned[i]()
	}
	p.owned = nil
}
