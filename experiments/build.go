package experiments

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gameday-dev/gameday/inject"
	"github.com/gameday-dev/gameday/probes"
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
	http    map[string]*inject.HTTPProxy
	tcp     map[string]*inject.TCPProxy
	toxi    map[string]ToxiproxyTarget
	procs   map[string]*inject.Process
	owned   []func() // closes what the session built, newest last
	outputs func(name, stream, line string)
}

// buildTargets starts the experiment's proxies and processes. On error,
// whatever it started is stopped again.
func buildTargets(ctx context.Context, e *Experiment, env Env) (_ *parts, err error) {
	p := &parts{http: map[string]*inject.HTTPProxy{}, tcp: map[string]*inject.TCPProxy{},
		toxi: map[string]ToxiproxyTarget{}, procs: map[string]*inject.Process{}}
	for _, t := range e.Targets.Toxiproxy {
		p.toxi[t.Name] = t
	}
	for k, v := range env.Proxies {
		p.http[k] = v
	}
	for k, v := range env.Processes {
		p.procs[k] = v
	}
	defer func() {
		if err != nil {
			p.close()
		}
	}()
	for _, t := range e.Targets.Proxies {
		if _, given := p.http[t.Name]; given {
			continue
		}
		if t.Protocol == ProtoTCP {
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
func startTarget(ctx context.Context, e *Experiment, t ProcessTarget) (*inject.Process, error) {
	switch {
	case t.PIDFile != "":
		return inject.AttachPIDFile(t.Name, relTo(e.File, t.PIDFile))
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
		path = relTo(e.File, argv[0])
	}
	var env []string
	for _, k := range sortedKeys(t.Env) {
		env = append(env, k+"="+t.Env[k])
	}
	dir := relTo(e.File, t.Dir)
	if t.Dir == "" && e.File != "" {
		dir = filepath.Dir(e.File)
	}
	return inject.StartProcess(ctx, inject.ProcessSpec{
		Name: t.Name, Path: path, Args: argv[1:], Env: env, Dir: dir,
		ReadyPrefix: t.Ready, ReadyTimeout: 15 * time.Second,
	})
}

// relTo makes a path relative to the experiment file's directory.
func relTo(file, p string) string {
	if p == "" || filepath.IsAbs(p) || file == "" {
		return p
	}
	return filepath.Join(filepath.Dir(file), p)
}

// close stops what the session started, newest first.
func (p *parts) close() {
	for i := len(p.owned) - 1; i >= 0; i-- {
		p.owned[i]()
	}
	p.owned = nil
}

// buildInjector makes the injector of a simple block: its fault and its
// load change together.
func (s *Session) buildInjector(b Block) (inject.Injector, error) {
	var injs []inject.Injector
	if b.Fault != nil {
		inj, err := s.faultInjector(b)
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
			OnUpdate: func(i float64) error { l.setScale(name, 1+(factor-1)*i); return nil },
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

func (s *Session) faultInjector(b Block) (inject.Injector, error) {
	f := b.Fault
	prob := f.Probability
	if prob == 0 && !f.src.has("probability") {
		prob = 1
	}
	proxyFault := faultSpecs[f.Kind].target == "proxy"
	if hp, ok := s.parts.http[f.Target]; ok && proxyFault {
		hf := inject.HTTPFault{Method: f.Method, PathPrefix: f.PathPrefix}
		if len(f.Header) > 0 {
			hf.Header = http.Header{}
			for k, v := range f.Header {
				hf.Header.Set(k, v)
			}
		}
		switch f.Kind {
		case FaultLatency:
			hf.Delay, hf.Jitter = f.Delay, f.Jitter
		case FaultError:
			hf.ErrorStatus, hf.ErrorProbability = f.status(), prob
		case FaultBlackhole:
			hf.Blackhole = true
		case FaultAbort:
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
		if f.Kind == FaultLatency {
			tf.Delay = 0
		} else {
			tf.Latency = 0
		}
		if f.Kind == FaultSlicing {
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
		x.SetRecorder(s.recorderFor(b.Name))
		return x, nil
	}
	switch f.Kind {
	case FaultPause, FaultKill:
		p, ok := s.parts.procs[f.Target]
		if !ok {
			return nil, fmt.Errorf("block %q: no process named %q", b.Name, f.Target)
		}
		if f.Kind == FaultPause {
			x := inject.NewPause(p)
			x.SetRecorder(s.recorderFor(b.Name))
			return x, nil
		}
		x := inject.NewKill(p, f.Restart)
		x.SetRecorder(s.recorderFor(b.Name))
		return x, nil
	case FaultCommand:
		name := b.Name
		out := func(stream, line string) { s.output(name, stream, line) }
		x := inject.NewCommandFault(name, commandSpec(s.exp, f.Start), commandSpec(s.exp, f.Revert), out)
		x.SetRecorder(s.recorderFor(b.Name))
		return x, nil
	}
	return nil, fmt.Errorf("block %q: no proxy named %q for a %s fault", b.Name, f.Target, f.Kind)
}

// toxicFault turns a fault on a Toxiproxy target into a toxic.
func toxicFault(t ToxiproxyTarget, f *Fault, prob float64) inject.ToxicFault {
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
	case FaultLatency:
		tf.Type, tf.Attributes["latency"], tf.Attributes["jitter"] = "latency", msec(f.Delay), msec(f.Jitter)
	case FaultBandwidth:
		tf.Type, tf.Attributes["rate"] = "bandwidth", max(f.Rate/1000, 1) // KB/s
	case FaultBlackhole:
		tf.Type, tf.Attributes["timeout"] = "timeout", 0 // hold until removed
	case FaultReset:
		tf.Type, tf.Attributes["timeout"] = "reset_peer", msec(f.Delay)
	case FaultSlowClose:
		tf.Type, tf.Attributes["delay"] = "slow_close", msec(f.Delay)
	case FaultDataLimit:
		tf.Type, tf.Attributes["bytes"] = "limit_data", f.Bytes
	case FaultSlicing:
		tf.Type = "slicer"
		tf.Attributes["average_size"], tf.Attributes["size_variation"] = f.SliceSize, f.SliceVariation
		tf.Attributes["delay"] = f.Delay.Microseconds()
	}
	return tf
}

// recorderFor is the session's recorder of what to revert, with keys
// under the block's name; nil without one.
func (s *Session) recorderFor(block string) inject.RevertRecorder {
	if s.recorder == nil {
		return nil
	}
	return prefixed{inner: s.recorder, prefix: block + "/"}
}

type prefixed struct {
	inner  inject.RevertRecorder
	prefix string
}

func (p prefixed) Record(key string, r inject.Revert) error { return p.inner.Record(p.prefix+key, r) }
func (p prefixed) Forget(key string) error                  { return p.inner.Forget(p.prefix + key) }

func commandSpec(e *Experiment, c *CommandSpec) inject.CommandSpec {
	if c == nil {
		return inject.CommandSpec{}
	}
	dir := ""
	if e.File != "" {
		dir = filepath.Dir(e.File)
	}
	return inject.CommandSpec{Argv: c.Argv, Shell: c.Shell, Timeout: c.Timeout, Dir: dir}
}

// group switches several injectors together (a fault and a load change,
// or a parallel block): on in order, off in reverse.
type group struct{ parts []inject.Injector }

func (g *group) Start(ctx context.Context) error {
	for i, p := range g.parts {
		if err := p.Start(ctx); err != nil {
			for j := i - 1; j >= 0; j-- {
				_ = g.parts[j].Stop(ctx)
			}
			return err
		}
	}
	return nil
}

func (g *group) Update(intensity float64) error {
	var errs []error
	for _, p := range g.parts {
		errs = append(errs, p.Update(intensity))
	}
	return errors.Join(errs...)
}

func (g *group) Stop(ctx context.Context) error {
	var errs []error
	for i := len(g.parts) - 1; i >= 0; i-- {
		errs = append(errs, g.parts[i].Stop(ctx))
	}
	return errors.Join(errs...)
}

// loadRun is a running load profile and the scale factors blocks put on it.
type loadRun struct {
	spec   Load
	gen    *probes.Load
	scales map[string]float64
	curve  inject.Curve
	last   probes.LoadSample
}

func (l *loadRun) setScale(block string, f float64) {
	if f == 1 {
		delete(l.scales, block)
	} else {
		l.scales[block] = f
	}
	l.apply(0, false)
}

// apply sets the generator's scale: the blocks' factors times the curve.
func (l *loadRun) apply(elapsed time.Duration, withCurve bool) {
	total := 1.0
	for _, v := range l.scales {
		total *= v
	}
	if l.curve != nil && withCurve {
		total *= l.curve.At(elapsed)
	} else if l.curve != nil {
		total *= l.curve.At(0)
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

// newLoadRun builds a load whose histograms cover window, the longest
// window anything asks of it.
func newLoadRun(spec Load, window time.Duration, onResult func(string, time.Duration)) (*loadRun, error) {
	h := http.Header{}
	for k, v := range spec.Header {
		h.Set(k, v)
	}
	gen, err := probes.NewLoad(probes.LoadConfig{
		Name: spec.Name, URL: spec.URL, Method: spec.Method, Header: h,
		Body: []byte(spec.Body), BodyTemplate: spec.BodyTemplate, Rate: spec.Rate, Timeout: spec.Timeout, Window: window, OnResult: onResult,
	})
	if err != nil {
		return nil, fmt.Errorf("load %q: %w", spec.Name, err)
	}
	lr := &loadRun{spec: spec, gen: gen, scales: map[string]float64{}}
	if spec.Curve != nil {
		if lr.curve, err = buildCurve(spec.Curve); err != nil {
			return nil, fmt.Errorf("load %q: %w", spec.Name, err)
		}
		lr.apply(0, true)
	}
	return lr, nil
}

// record appends one load sample to the store as its series.
func (l *loadRun) record(store *probes.Store, now time.Time) {
	smp := l.gen.Collect(now)
	l.last = smp
	n := l.spec.Name
	store.Append(n+SeriesRate, probes.Point{T: now, V: smp.TargetRate})
	store.Append(n+SeriesThroughput, probes.Point{T: now, V: smp.Throughput})
	if smp.Count == 0 {
		return // no completed request in the window: no latency, no error rate
	}
	store.Append(n+SeriesErrorRate, probes.Point{T: now, V: smp.ErrorRate * 100})
	if smp.Max == 0 {
		return // only hits that were not sent: no latency
	}
	store.Append(n+SeriesP50, probes.Point{T: now, V: ms(smp.P50)})
	store.Append(n+SeriesP90, probes.Point{T: now, V: ms(smp.P90)})
	store.Append(n+SeriesP95, probes.Point{T: now, V: ms(smp.P95)})
	store.Append(n+SeriesP99, probes.Point{T: now, V: ms(smp.P99)})
	store.Append(n+SeriesMax, probes.Point{T: now, V: ms(smp.Max)})
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// loadWindows is, per load, the longest window an assumption or guardrail
// asks of it (at least the load's own window).
func loadWindows(e *Experiment) map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, l := range e.Loads {
		out[l.Name] = max(l.Window, 5*time.Second)
	}
	judge := func(a Assumption) {
		if _, ok := out[a.Series]; ok {
			out[a.Series] = max(out[a.Series], a.window())
		}
	}
	for _, a := range e.Assumptions {
		judge(a)
	}
	for _, a := range e.Guardrails.Abort {
		judge(a.Assumption)
	}
	return out
}

// buildProbe makes a probe from its spec.
func buildProbe(e *Experiment, p Probe) (probes.Probe, error) {
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 4 * p.every(e)
	}
	h := http.Header{}
	for k, v := range p.Header {
		h.Set(k, v)
	}
	switch p.Kind {
	case ProbeScrape:
		return probes.NewScrape(p.Name, p.URL, p.Metric, p.Labels)
	case ProbeHTTP:
		return probes.NewHTTPProbe(p.Name, probes.HTTPProbeConfig{URL: p.URL, Method: p.Method, Header: h,
			Body: []byte(p.Body), ExpectStatus: p.ExpectStatus, ExpectBody: p.ExpectBody, Timeout: timeout})
	case ProbeTCP:
		return probes.NewTCPProbe(p.Name, p.Address, timeout)
	case ProbeCommand:
		dir := ""
		if e.File != "" {
			dir = filepath.Dir(e.File)
		}
		return probes.NewCommandProbe(p.Name, probes.CommandProbeConfig{Argv: p.Command, Shell: p.Shell, Dir: dir, Timeout: timeout,
			Env: os.Environ()})
	case ProbePromQL:
		return probes.NewPromQL(p.Name, p.Server, p.Query, timeout)
	}
	return nil, fmt.Errorf("probe %q: unknown kind %q", p.Name, p.Kind)
}

func (p *Probe) every(e *Experiment) time.Duration {
	if p.Every > 0 {
		return p.Every
	}
	return e.interval()
}

// buildCurve turns a curve spec into its shape, with the documented
// defaults for keys not written.
func buildCurve(c *Curve) (inject.Curve, error) {
	has := func(k string) bool { return c.src == nil || c.src.has(k) }
	or := func(k string, v, def float64) float64 {
		if c.src != nil && !c.src.has(k) {
			return def
		}
		return v
	}
	var cv inject.Curve
	switch c.Shape {
	case "step":
		cv = inject.Step{Level: or("level", c.Level, 1)}
	case "ramp":
		cv = inject.Ramp{From: or("from", c.From, 0), To: or("to", c.To, 1), Over: c.Over}
	case "pulse":
		cv = inject.Pulse{Period: c.Period, Duty: or("duty", c.Duty, 0.5), Low: or("min", c.Min, 0), High: or("max", c.Max, 1)}
	case "sine":
		cv = inject.Sine{Period: c.Period, Min: or("min", c.Min, 0), Max: or("max", c.Max, 1)}
	case "random-walk":
		every := c.Every
		if !has("every") || every == 0 {
			every = time.Second
		}
		seed := c.Seed
		if !has("seed") {
			seed = 1
		}
		cv = &inject.RandomWalk{Every: every, Step: or("step", c.Step, 0.1), Min: or("min", c.Min, 0), Max: or("max", c.Max, 1),
			Start: or("min", c.Min, 0), Seed: seed}
	default:
		return nil, fmt.Errorf("unknown curve shape %q", c.Shape)
	}
	if v, ok := cv.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	return cv, nil
}

// Describe renders what a fault does, for the catalog and the timeline.
func (f Fault) Describe() string {
	scope := ""
	if f.Method != "" || f.PathPrefix != "" || len(f.Header) > 0 {
		var parts []string
		for _, s := range []string{f.Method, f.PathPrefix} {
			if s != "" {
				parts = append(parts, s)
			}
		}
		hs := sortedKeys(f.Header)
		sort.Strings(hs)
		for _, h := range hs {
			parts = append(parts, h+": "+f.Header[h])
		}
		scope = " (" + strings.Join(parts, " ") + ")"
	}
	dir := ""
	if f.Direction != "" {
		dir = " " + f.Direction
	}
	pct := UnitPercent.Format(f.prob() * 100)
	switch f.Kind {
	case FaultLatency:
		d := UnitMillis.Format(ms(f.Delay))
		if f.Jitter > 0 {
			d += " ± " + UnitMillis.Format(ms(f.Jitter))
		}
		return fmt.Sprintf("%s delay on %s%s%s", d, f.Target, dir, scope)
	case FaultError:
		return fmt.Sprintf("%s answered %d on %s%s", pct, f.status(), f.Target, scope)
	case FaultAbort:
		return fmt.Sprintf("%s of requests to %s reset%s", pct, f.Target, scope)
	case FaultBlackhole:
		return fmt.Sprintf("traffic to %s held%s%s", f.Target, dir, scope)
	case FaultBandwidth:
		return fmt.Sprintf("%s limited to %s/s%s", f.Target, formatBytes(f.Rate), dir)
	case FaultReset:
		return fmt.Sprintf("connections to %s reset after %s", f.Target, FormatDuration(f.Delay.Seconds()))
	case FaultSlowClose:
		return fmt.Sprintf("closes on %s delayed by %s", f.Target, FormatDuration(f.Delay.Seconds()))
	case FaultDataLimit:
		return fmt.Sprintf("connections to %s closed after %s%s", f.Target, formatBytes(f.Bytes), dir)
	case FaultSlicing:
		return fmt.Sprintf("data to %s cut into %s pieces%s", f.Target, formatBytes(f.SliceSize), dir)
	case FaultPause:
		return fmt.Sprintf("process %s paused (SIGSTOP)", f.Target)
	case FaultKill:
		if f.Restart {
			return fmt.Sprintf("process %s killed, restarted on halt", f.Target)
		}
		return fmt.Sprintf("process %s killed", f.Target)
	case FaultCommand:
		if f.Start != nil {
			return "runs " + strings.Join(f.Start.Argv, " ")
		}
	}
	return string(f.Kind) + " on " + f.Target
}

func (f Fault) prob() float64 {
	if f.Probability == 0 && !f.src.has("probability") {
		return 1
	}
	return f.Probability
}

func (f Fault) status() int {
	if f.Status > 0 {
		return f.Status
	}
	return http.StatusServiceUnavailable
}

func formatBytes(n int64) string {
	switch {
	case n >= 1e9:
		return trim(float64(n)/1e9, 1) + "GB"
	case n >= 1e6:
		return trim(float64(n)/1e6, 1) + "MB"
	case n >= 1e3:
		return trim(float64(n)/1e3, 1) + "KB"
	}
	return fmt.Sprintf("%dB", n)
}
