package experiments

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/gameday-dev/gameday/probes"
)

// check validates what decoding alone cannot: names unique, references
// that exist, fault kinds on the right targets with their parameters, and
// assumptions whose aggregations and units fit their series. It also fills
// in the charts when the file has none.
func check(e *Experiment, errs *FileErrors, b *budget) {
	c := &checker{e: e, errs: errs, hint: b}
	c.names()
	c.targets()
	c.loads()
	c.probes()
	for i := range e.Assumptions {
		c.assumption(&e.Assumptions[i], "assumption")
	}
	for i := range e.Guardrails.Abort {
		a := &e.Guardrails.Abort[i]
		if a.Series == "" || a.Op == "" {
			c.errf(a.src.at(""), "abort condition %q: want a series and a comparison (below, at_most, above or at_least)", a.Name)
			continue
		}
		c.assumption(&a.Assumption, "abort condition")
	}
	c.builds()
	c.allowed()
	c.recoveries()
	c.blocks()
	c.schedule()
	c.charts()
	c.room()
	c.bounds()
}

// builds makes each load's and probe's configuration as the session
// will, without starting anything: what the builders refuse is refused
// here, with a position.
func (c *checker) builds() {
	for i := range c.e.Loads {
		l := &c.e.Loads[i]
		if err := probes.CheckLoad(l.LoadConfig(0, nil)); err != nil {
			c.errf(l.src.at(""), "load %q: %v", l.Name, err)
		}
	}
	for i := range c.e.Probes {
		p := &c.e.Probes[i]
		if _, err := p.Build(c.e); err != nil {
			c.errf(p.src.at(""), "probe %q: %v", p.Name, err)
		}
	}
}

// bounds checks what one machine can hold: the sampling interval, the
// points a series keeps, how many of each thing a file declares.
func (c *checker) bounds() {
	e := c.e
	if e.Interval != 0 && (e.Interval < minInterval || e.Interval > maxInterval) {
		c.errf(e.src.at("interval"), "interval %v: want between %v and %v", e.Interval, minInterval, maxInterval)
		return
	}
	// The longest window anything keeps points for, over the interval.
	longest, where := e.ChartWindow(), e.src.at("window")
	for _, list := range [][]Assumption{e.Assumptions, abortsOf(e)} {
		for _, a := range list {
			if a.Window > longest {
				longest, where = a.Window, a.src.at("window")
			}
		}
	}
	if n := int64(longest / e.SamplingInterval()); n > maxSeriesPoints {
		c.errf(where, "a window of %v sampled every %v keeps %d points per series; at most %d: sample less often (interval) or look back less far",
			longest, e.SamplingInterval(), n, maxSeriesPoints)
	}
	count := func(what string, n int) {
		if n > maxItems {
			c.errf(e.src.at(""), "%d %s: at most %d in one experiment; split it into several", n, what, maxItems)
		}
	}
	count("proxies", len(e.Targets.Proxies)+len(e.Targets.Toxiproxy))
	count("processes", len(e.Targets.Processes))
	count("loads", len(e.Loads))
	count("probes", len(e.Probes))
	count("assumptions", len(e.Assumptions))
	count("blocks", len(e.Blocks))
	count("charts", len(e.Charts))
	if e.Schedule != nil {
		count("schedule steps", len(e.Schedule.Steps))
	}
}

func abortsOf(e *Experiment) []Assumption {
	out := make([]Assumption, len(e.Guardrails.Abort))
	for i, a := range e.Guardrails.Abort {
		out[i] = a.Assumption
	}
	return out
}

type checker struct {
	e      *Experiment
	errs   *FileErrors
	hint   *budget
	series []string // the experiment's series names, once asked for
}

func (c *checker) errf(p Pos, format string, args ...any) {
	if len(*c.errs) >= maxErrors {
		return
	}
	*c.errs = append(*c.errs, FileError{Pos: p, Msg: fmt.Sprintf(format, shortArgs(args)...)})
}

// seriesNames are the experiment's series, listed once.
func (c *checker) seriesNames() []string {
	if c.series == nil {
		c.series = c.e.seriesNames()
	}
	return c.series
}

// unique returns a function that reports a name given twice among the
// names it is given (one kind of thing).
func (c *checker) unique(what string) func(name string, src *source) {
	seen := map[string]*source{}
	return func(n string, src *source) {
		if n == "" {
			return
		}
		if first, dup := seen[n]; dup {
			c.errf(src.at("name"), "%s %q is defined twice (first at %s)", what, n, first.at("name"))
			return
		}
		seen[n] = src
	}
}

func (c *checker) names() {
	e := c.e
	// A proxy and a process may share a name: a fault's kind says which
	// one it acts on.
	proxy := c.unique("proxy")
	for _, p := range e.Targets.Proxies {
		proxy(p.Name, p.src)
	}
	for _, p := range e.Targets.Toxiproxy {
		proxy(p.Name, p.src)
	}
	process := c.unique("process")
	for _, p := range e.Targets.Processes {
		process(p.Name, p.src)
	}
	kube := c.unique("Kubernetes target")
	for _, t := range e.Targets.Kubernetes {
		kube(t.Name, t.src)
	}
	// Loads and probes share the series namespace.
	series := c.unique("series source (load or probe)")
	for _, l := range e.Loads {
		series(l.Name, l.src)
	}
	for _, p := range e.Probes {
		series(p.Name, p.src)
	}
	assumption := c.unique("assumption")
	for _, a := range e.Assumptions {
		assumption(a.Name, a.src)
	}
	block := c.unique("block")
	for _, b := range e.Blocks {
		block(b.Name, b.src)
	}
}

func (c *checker) targets() {
	for _, p := range c.e.Targets.Proxies {
		if p.Upstream == "" {
			continue
		}
		if p.Protocol == ProtoTCP {
			if strings.Contains(p.Upstream, "://") {
				c.errf(p.src.at("upstream"), "a tcp proxy's upstream is host:port, got %q", p.Upstream)
			}
			continue
		}
		u := p.Upstream
		if !strings.Contains(u, "://") {
			u = "http://" + u
		}
		if pu, err := url.Parse(u); err != nil || pu.Host == "" || (pu.Scheme != "http" && pu.Scheme != "https") {
			c.errf(p.src.at("upstream"), "an http proxy's upstream is http://host:port or host:port, got %q", redactURL(p.Upstream))
		}
	}
	for i := range c.e.Targets.Processes {
		p := &c.e.Targets.Processes[i]
		var fe *FileError
		if p.Command, fe = splitCommand(p.src, "command", p.Command, p.Shell); fe != nil {
			*c.errs = append(*c.errs, *fe)
		}
		ways := 0
		for _, k := range []string{"command", "pidfile", "pid"} {
			if p.src.has(k) {
				ways++
			}
		}
		if ways != 1 {
			c.errf(p.src.at(""), "process %q: want exactly one of command (gameday starts it), pidfile or pid (gameday finds it), got %d", p.Name, ways)
		}
		for _, k := range []string{"shell", "dir", "env", "ready"} {
			if p.src.has(k) && !p.src.has("command") {
				c.errf(p.src.at(k), "process %q: %s applies only to a process gameday starts (with command)", p.Name, k)
			}
		}
		if p.Shell && len(p.Command) != 1 {
			c.errf(p.src.at("command"), "process %q: with shell: true, command is one script string, got %d items", p.Name, len(p.Command))
		}
	}
}

func (c *checker) loads() {
	for _, l := range c.e.Loads {
		n := 0
		for _, k := range []string{"body", "body_file", "body_template"} {
			if l.src.has(k) {
				if n++; n == 2 {
					c.errf(l.src.at(k), "load %q: body, body_file and body_template are exclusive; keep one", l.Name)
				}
			}
		}
		if l.Curve != nil {
			c.curve(l.Curve)
		}
	}
}

// probeKeys says which keys each kind of probe takes, and which it needs.
var probeKeys = map[ProbeKind]struct{ allowed, required []string }{
	ProbeScrape:  {[]string{"url", "metric", "labels"}, []string{"url", "metric"}},
	ProbeHTTP:    {[]string{"url", "method", "headers", "body", "expect_status", "expect_body"}, []string{"url"}},
	ProbeTCP:     {[]string{"address"}, []string{"address"}},
	ProbeCommand: {[]string{"command", "shell"}, []string{"command"}},
	ProbePromQL:  {[]string{"server", "query"}, []string{"server", "query"}},
}

var probeCommon = []string{"name", "kind", "every", "timeout", "unit"}

func (c *checker) probes() {
	for i := range c.e.Probes {
		p := &c.e.Probes[i]
		var fe *FileError
		if p.Command, fe = splitCommand(p.src, "command", p.Command, p.Shell); fe != nil {
			*c.errs = append(*c.errs, *fe)
		}
		spec, ok := probeKeys[p.Kind]
		if !ok {
			continue // the kind itself was reported
		}
		for k := range p.src.keys {
			if !slices.Contains(spec.allowed, k) && !slices.Contains(probeCommon, k) {
				c.errf(p.src.at(k), "probe %q: %s does not apply to a %s probe (it takes %s)", p.Name, k, p.Kind, strings.Join(spec.allowed, ", "))
			}
		}
		for _, k := range spec.required {
			if !p.src.has(k) {
				c.errf(p.src.at(""), "probe %q: a %s probe needs %s", p.Name, p.Kind, k)
			}
		}
		if p.Shell && len(p.Command) != 1 {
			c.errf(p.src.at("command"), "probe %q: with shell: true, command is one script string, got %d items", p.Name, len(p.Command))
		}
	}
}

func (c *checker) curve(cv *Curve) {
	allowed := map[string][]string{
		"step": {"level"}, "ramp": {"from", "to", "over"}, "pulse": {"period", "duty", "min", "max"},
		"sine": {"period", "min", "max"}, "random-walk": {"every", "step", "min", "max", "seed"},
	}[cv.Shape]
	if cv.src == nil || allowed == nil {
		return
	}
	for k := range cv.src.keys {
		if k != "shape" && !slices.Contains(allowed, k) {
			c.errf(cv.src.at(k), "curve %s: %s does not apply (it takes %s)", cv.Shape, k, strings.Join(allowed, ", "))
		}
	}
	switch cv.Shape {
	case "ramp":
		if !cv.src.has("over") {
			c.errf(cv.src.at(""), "curve ramp: want over: (how long the ramp takes)")
		}
	case "pulse", "sine":
		if !cv.src.has("period") {
			c.errf(cv.src.at(""), "curve %s: want period:", cv.Shape)
		}
	}
	if cv.src.has("min") && cv.src.has("max") && cv.Min > cv.Max {
		c.errf(cv.src.at("min"), "curve %s: min is above max", cv.Shape)
	}
}
