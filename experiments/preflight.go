package experiments

import (
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// Preflight is what a game day will touch, said before the first fault:
// the pre-flight the cockpit shows the room, and what `gameday run
// --dry-run` prints (WritePreview). Preview makes it from the experiment
// alone: nothing is started, nothing resolved. Every text in it has the
// experiment's secrets masked, and the user part of every URL hidden.
type Preflight struct {
	Name, Case, File string
	Hypothesis       string
	// Allow is the file's allowlist (nil: it has none, every host may be
	// a target; empty: none may).
	Allow []string

	Proxies    []PreflightProxy
	Toxiproxy  []PreflightToxiproxy
	Kubernetes []PreflightKubernetes
	Processes  []PreflightProcess
	Loads      []PreflightLoad
	Probes     []PreflightProbe
	// Assumptions counts what is judged (the cockpit lists them itself).
	Assumptions int
	Guardrails  PreflightGuardrails
	// Blocks are the blocks in file order, each with what it touches.
	Blocks []PreflightBlock
	// Plan is the schedule laid out in time; nil without a schedule.
	Plan Plan

	// Room is who is in the room, one line each ("alice · operator").
	// Preview leaves it empty: the host that knows the seats fills it in.
	Room []string
}

// PreflightProxy is one of gameday's fault proxies: clients connect to
// Listen, and it forwards to Upstream, where its faults land.
type PreflightProxy struct {
	Name     string
	Protocol string // http or tcp
	Listen   string // 127.0.0.1:0 picks a free port
	Upstream string
	Exposed  bool // Listen is not loopback: other machines can reach it
}

// PreflightToxiproxy is a proxy on a Toxiproxy server, where faults
// become toxics.
type PreflightToxiproxy struct {
	Name   string
	Server string // the server's API
	Proxy  string // the proxy's name on that server
}

// PreflightKubernetes is a set of pods in a cluster, where faults become
// Chaos Mesh objects. Preview says how they are picked; CheckClusters
// asks the cluster which pods that is (Checked).
type PreflightKubernetes struct {
	Name      string
	Cluster   string // the kubeconfig's context, in words
	Namespace string // where the objects are made ("" is the context's)
	Selector  string // "app=inventory in shop"
	Mode      string // all, one, N, N%
	Checked   bool   // Pods is what the cluster said
	Pods      []string
	Note      string // why the pods were not checked, when they were not
}

// PreflightProcess is a process that faults pause or kill: one gameday
// starts (Command) or one it finds (PID or PIDFile).
type PreflightProcess struct {
	Name    string
	Command string // the command line, as one would type it
	PID     int
	PIDFile string
}

// PreflightLoad is a load gameday drives.
type PreflightLoad struct {
	Name   string
	Method string
	URL    string
	Rate   float64 // requests per second, before the curve
	Curve  string  // how the rate changes over time; "" for a steady rate
}

// PreflightProbe is something gameday observes.
type PreflightProbe struct {
	Name   string
	Kind   ProbeKind
	Target string // the URL (and metric), the address, the command line, or the query and server
	Every  time.Duration
}

// PreflightGuardrails are the limits on the game day.
type PreflightGuardrails struct {
	// MaxFaultDuration is the longest a block stays on; Default says the
	// file does not set it (gameday's 10m).
	MaxFaultDuration time.Duration
	Default          bool
	Abort            []PreflightAbort
}

// PreflightAbort is a condition that halts every fault.
type PreflightAbort struct {
	Name      string
	Condition string // "error_rate of checkout over 10s > 50 %"
	For       time.Duration
}

// PreflightBlock is a block: what it does, what it touches, and the
// longest it stays on once triggered.
type PreflightBlock struct {
	Name    string
	Summary string // Block.Summary
	Curve   string // its intensity over time; "" for steady
	// Touches is what it acts on, those of the blocks it composes
	// included, in order.
	Touches []Touch
	// Longest is the longest it stays on by itself: its duration or its
	// sequence, or else the guardrail's max_fault_duration (Guarded), as
	// the cockpit counts down.
	Longest time.Duration
	Guarded bool
}

// Touch is one thing a block acts on; exactly one of Proxy, Toxiproxy,
// Process, Command and Load is set.
type Touch struct {
	Block string    // the block whose fault or load change it is (the block itself, or one it composes)
	Fault FaultKind // "" for a load change
	// The target.
	Proxy     *PreflightProxy
	Toxiproxy *PreflightToxiproxy
	Kube      *PreflightKubernetes
	Process   *PreflightProcess
	Command   *PreflightCommand
	Load      *PreflightLoad
	Factor    float64 // a load change: the rate is multiplied by it
}

// PreflightCommand is what a command fault runs to start, and to revert
// (also run by `gameday recover` after a crash).
type PreflightCommand struct {
	Start, Revert string // as one would type them
}

// Preview says what the experiment will touch. It is a pure function of
// the experiment.
func (e *Experiment) Preview() Preflight {
	p := Preflight{Name: e.Name, Case: e.Case, File: e.File, Hypothesis: e.Hypothesis, Assumptions: len(e.Assumptions)}
	if e.Allow != nil {
		p.Allow = append([]string{}, e.Allow.Entries...)
		for i := range p.Allow {
			p.Allow[i] = e.Redact(p.Allow[i])
		}
	}
	for _, t := range e.Targets.Proxies {
		p.Proxies = append(p.Proxies, e.previewProxy(t))
	}
	for _, t := range e.Targets.Toxiproxy {
		p.Toxiproxy = append(p.Toxiproxy, e.previewToxiproxy(t))
	}
	for _, t := range e.Targets.Kubernetes {
		p.Kubernetes = append(p.Kubernetes, e.previewKubernetes(t))
	}
	for _, t := range e.Targets.Processes {
		p.Processes = append(p.Processes, e.previewProcess(t))
	}
	for _, l := range e.Loads {
		p.Loads = append(p.Loads, e.previewLoad(l))
	}
	for i := range e.Probes {
		pr := &e.Probes[i]
		p.Probes = append(p.Probes, PreflightProbe{Name: pr.Name, Kind: pr.Kind, Target: e.probeTarget(pr), Every: pr.SamplePeriod(e)})
	}
	p.Guardrails = PreflightGuardrails{MaxFaultDuration: e.MaxFaultDuration(), Default: e.Guardrails.MaxFaultDuration == 0}
	for _, a := range e.Guardrails.Abort {
		p.Guardrails.Abort = append(p.Guardrails.Abort, PreflightAbort{Name: a.Name, Condition: e.Redact(condition(a.Assumption)), For: a.For})
	}
	for _, b := range e.Blocks {
		p.Blocks = append(p.Blocks, e.previewBlock(b))
	}
	if e.Schedule != nil {
		p.Plan = PlanOf(e.Schedule)
	}
	return p
}

func (e *Experiment) previewProxy(t ProxyTarget) PreflightProxy {
	proto, listen := t.Protocol, t.Listen
	if proto == "" {
		proto = ProtoHTTP
	}
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	exposed := false
	if host, _, err := net.SplitHostPort(listen); err == nil && host != "localhost" {
		ip := net.ParseIP(host)
		exposed = ip == nil || !ip.IsLoopback()
	}
	return PreflightProxy{Name: t.Name, Protocol: proto, Listen: e.Redact(listen), Upstream: e.shownURL(t.Upstream), Exposed: exposed}
}

func (e *Experiment) previewKubernetes(t KubernetesTarget) PreflightKubernetes {
	sel := t.selector("")
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(sel.Labels)) {
		parts = append(parts, k+"="+sel.Labels[k])
	}
	what := "every pod"
	if len(parts) > 0 {
		what = "pods " + strings.Join(parts, ",")
	}
	if len(sel.Namespaces) > 0 {
		what += " in " + strings.Join(sel.Namespaces, ", ")
	}
	if len(sel.Pods) > 0 {
		var names []string
		for _, ns := range slices.Sorted(maps.Keys(sel.Pods)) {
			for _, n := range sel.Pods[ns] {
				names = append(names, ns+"/"+n)
			}
		}
		what = "pods " + strings.Join(names, ", ")
	}
	mode := t.Mode
	if mode == "" {
		mode = "all"
	}
	return PreflightKubernetes{Name: t.Name, Cluster: e.Redact(t.Cluster(e).String()), Namespace: t.Namespace,
		Selector: e.Redact(what), Mode: mode}
}

func (e *Experiment) previewToxiproxy(t ToxiproxyTarget) PreflightToxiproxy {
	proxy := t.Proxy
	if proxy == "" {
		proxy = t.Name
	}
	return PreflightToxiproxy{Name: t.Name, Server: e.shownURL(t.Server), Proxy: e.Redact(proxy)}
}

func (e *Experiment) previewProcess(t ProcessTarget) PreflightProcess {
	p := PreflightProcess{Name: t.Name, PID: t.PID, PIDFile: e.Redact(t.PIDFile)}
	if len(t.Command) > 0 {
		p.Command = e.commandLine(t.Command, t.Shell)
	}
	return p
}

func (e *Experiment) previewLoad(l Load) PreflightLoad {
	method := l.Method
	if method == "" {
		method = "GET"
	}
	return PreflightLoad{Name: l.Name, Method: method, URL: e.shownURL(l.URL), Rate: l.Rate, Curve: l.Curve.text()}
}

// probeTarget says what a probe observes.
func (e *Experiment) probeTarget(p *Probe) string {
	switch p.Kind {
	case ProbeHTTP:
		method := p.Method
		if method == "" {
			method = "GET"
		}
		return method + " " + e.shownURL(p.URL)
	case ProbeScrape:
		return e.Redact(p.Metric) + " at " + e.shownURL(p.URL)
	case ProbeTCP:
		return "connect to " + e.Redact(p.Address)
	case ProbeCommand:
		return e.commandLine(p.Command, p.Shell)
	case ProbePromQL:
		return e.Redact(p.Query) + " on " + e.shownURL(p.Server)
	}
	return ""
}

func (e *Experiment) previewBlock(b Block) PreflightBlock {
	pb := PreflightBlock{Name: b.Name, Summary: e.Redact(b.Summary()), Curve: b.Curve.text()}
	pb.Touches = e.touches(b, map[string]bool{})
	// As the session counts a block's time left: its own time (duration,
	// sequence) when shorter than the guardrail's.
	lasts := b.Duration
	for _, st := range b.Sequence {
		lasts += st.For
	}
	pb.Longest, pb.Guarded = e.MaxFaultDuration(), true
	if lasts > 0 && lasts < pb.Longest {
		pb.Longest, pb.Guarded = lasts, false
	}
	return pb
}

// touches lists what b acts on, then what the blocks it composes act on;
// path guards against a cycle (validation refuses them, Preview does not
// rely on it).
func (e *Experiment) touches(b Block, path map[string]bool) []Touch {
	if path[b.Name] {
		return nil
	}
	path[b.Name] = true
	defer delete(path, b.Name)
	var out []Touch
	if f := b.Fault; f != nil {
		out = append(out, e.faultTouch(b.Name, f))
	}
	if lc := b.Load; lc != nil {
		for _, l := range e.Loads {
			if l.Name == lc.Target {
				pl := e.previewLoad(l)
				out = append(out, Touch{Block: b.Name, Load: &pl, Factor: lc.Factor})
			}
		}
	}
	var children []string
	for _, st := range b.Sequence {
		children = append(children, st.Block)
	}
	for _, name := range append(children, b.Parallel...) {
		if i := e.BlockIndex(name); i >= 0 {
			out = append(out, e.touches(e.Blocks[i], path)...)
		}
	}
	return out
}

func (e *Experiment) faultTouch(block string, f *Fault) Touch {
	t := Touch{Block: block, Fault: f.Kind}
	switch {
	case f.Kind == FaultCommand:
		c := &PreflightCommand{}
		if f.Start != nil {
			c.Start = e.commandLine(f.Start.Argv, f.Start.Shell)
		}
		if f.Revert != nil {
			c.Revert = e.commandLine(f.Revert.Argv, f.Revert.Shell)
		}
		t.Command = c
	case f.Kind.OnKubernetes():
		if t0 := e.kubernetes(f.Target); t0 != nil {
			pk := e.previewKubernetes(*t0)
			if f.Mode != "" {
				pk.Mode = f.Mode
			}
			t.Kube = &pk
		}
	case f.Kind.OnProxy():
		for _, p := range e.Targets.Proxies {
			if p.Name == f.Target {
				pp := e.previewProxy(p)
				t.Proxy = &pp
			}
		}
		for _, p := range e.Targets.Toxiproxy {
			if p.Name == f.Target {
				pt := e.previewToxiproxy(p)
				t.Toxiproxy = &pt
			}
		}
	default:
		for _, p := range e.Targets.Processes {
			if p.Name == f.Target {
				pp := e.previewProcess(p)
				t.Process = &pp
			}
		}
	}
	return t
}

// commandLine is a command as one would type it, its secrets masked
// before it is quoted (so that quoting cannot hide one from Redact).
func (e *Experiment) commandLine(argv []string, shell bool) string {
	shown := make([]string, len(argv))
	for i, a := range argv {
		shown[i] = e.Redact(a)
	}
	return inject.CommandSpec{Argv: shown, Shell: shell}.String()
}

// shownURL is a URL (or host:port) to show: its user part hidden, its
// secrets masked.
func (e *Experiment) shownURL(s string) string {
	return e.Redact(userinfoRE.ReplaceAllString(s, "${1}xxxxx@"))
}

// condition says what an abort condition watches: "error_rate of
// checkout over 10s > 50 %".
func condition(a Assumption) string {
	agg := a.Aggregate
	if agg == "" {
		agg = AggLast
	}
	return fmt.Sprintf("%s of %s over %s %s", agg, a.Series, FormatDuration(a.EffectiveWindow().Seconds()), a.Condition())
}

// text says how a curve shapes intensity or rate over time, in a few
// words; "" for no curve.
func (c *Curve) text() string {
	if c == nil {
		return ""
	}
	d := func(v time.Duration) string { return FormatDuration(v.Seconds()) }
	p := func(v float64) string { return UnitPercent.Format(v * 100) }
	has := func(k string) bool { return c.src == nil || c.src.has(k) }
	or := func(k string, v, def float64) float64 {
		if !has(k) {
			return def
		}
		return v
	}
	switch c.Shape {
	case "step":
		return "step to " + p(or("level", c.Level, 1))
	case "ramp":
		return fmt.Sprintf("ramp from %s to %s over %s", p(or("from", c.From, 0)), p(or("to", c.To, 1)), d(c.Over))
	case "pulse":
		return fmt.Sprintf("pulse every %s, %s of it high", d(c.Period), p(or("duty", c.Duty, 0.5)))
	case "sine":
		return fmt.Sprintf("sine every %s between %s and %s", d(c.Period), p(or("min", c.Min, 0)), p(or("max", c.Max, 1)))
	case "random-walk":
		return fmt.Sprintf("random walk between %s and %s", p(or("min", c.Min, 0)), p(or("max", c.Max, 1)))
	}
	return strings.TrimSpace(c.Shape)
}
