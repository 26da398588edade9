package experiments

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/gameday-dev/gameday/probes"
)

// The schema of experiment files: one table of keys per place. docs/
// experiments.md documents every key of every table, and a test keeps the
// two together (SchemaKeys).

var rootTable = table[fileDoc]{path: "", fields: []field[fileDoc]{
	{"name", true, func(d *decoder, n *yaml.Node, f *fileDoc) { f.exp.Name = d.name(n) }},
	{"description", false, func(d *decoder, n *yaml.Node, f *fileDoc) { f.exp.Description = d.str(n) }},
	{"hypothesis", false, func(d *decoder, n *yaml.Node, f *fileDoc) { f.exp.Hypothesis = d.hypothesis(n) }},
	{"allow", false, func(d *decoder, n *yaml.Node, f *fileDoc) { f.exp.Allow = d.allowlist(n) }},
	{"interval", false, func(d *decoder, n *yaml.Node, f *fileDoc) { f.exp.Interval = d.positiveDuration(n) }},
	{"window", false, func(d *decoder, n *yaml.Node, f *fileDoc) { f.exp.Window = d.positiveDuration(n) }},
	{"include", false, func(d *decoder, n *yaml.Node, f *fileDoc) { f.includes = includeList(d, n) }},
	{"secrets", false, func(*decoder, *yaml.Node, *fileDoc) {}}, // read before everything else
	{"matrix", false, func(*decoder, *yaml.Node, *fileDoc) {}},  // read before everything else
	{"targets", false, func(d *decoder, n *yaml.Node, f *fileDoc) { targetsTable.decode(d, n, &f.exp.Targets) }},
	{"load", false, func(d *decoder, n *yaml.Node, f *fileDoc) { f.exp.Loads = loadTable.list(d, n, "loads") }},
	{"probes", false, func(d *decoder, n *yaml.Node, f *fileDoc) { f.exp.Probes = probeTable.list(d, n, "probes") }},
	{"assumptions", false, func(d *decoder, n *yaml.Node, f *fileDoc) {
		f.exp.Assumptions = assumptionTable.list(d, n, "assumptions")
	}},
	{"guardrails", false, func(d *decoder, n *yaml.Node, f *fileDoc) { guardrailsTable.decode(d, n, &f.exp.Guardrails) }},
	{"blocks", false, func(d *decoder, n *yaml.Node, f *fileDoc) { f.exp.Blocks = blockTable.list(d, n, "blocks") }},
	{"schedule", false, func(d *decoder, n *yaml.Node, f *fileDoc) {
		s := &Schedule{}
		scheduleTable.decode(d, n, s)
		f.exp.Schedule = s
	}},
	{"charts", false, func(d *decoder, n *yaml.Node, f *fileDoc) { f.exp.Charts = chartTable.list(d, n, "charts") }},
	{"room", false, func(d *decoder, n *yaml.Node, f *fileDoc) { r := roomTable.one(d, n); f.exp.Room = &r }},
}}

// catalogTable is the schema of an included catalog file: blocks to share.
var catalogTable = table[fileDoc]{path: "(catalog)", fields: []field[fileDoc]{
	{"name", false, func(d *decoder, n *yaml.Node, f *fileDoc) { d.name(n) }},
	{"description", false, func(d *decoder, n *yaml.Node, f *fileDoc) { d.str(n) }},
	{"include", false, func(d *decoder, n *yaml.Node, f *fileDoc) { f.includes = includeList(d, n) }},
	{"blocks", true, func(d *decoder, n *yaml.Node, f *fileDoc) { f.exp.Blocks = blockTable.list(d, n, "blocks") }},
}}

func includeList(d *decoder, n *yaml.Node) []include {
	var out []include
	d.each(n, "catalog files", func(it *yaml.Node) {
		if s, ok := d.scalar(it, "the path of a catalog file"); ok {
			out = append(out, include{path: s, pos: d.pos(it)})
		}
	})
	return out
}

var targetsTable = table[Targets]{path: "targets", fields: []field[Targets]{
	{"proxies", false, func(d *decoder, n *yaml.Node, t *Targets) { t.Proxies = proxyTable.list(d, n, "proxies") }},
	{"toxiproxy", false, func(d *decoder, n *yaml.Node, t *Targets) {
		t.Toxiproxy = toxiproxyTable.list(d, n, "Toxiproxy proxies")
	}},
	{"processes", false, func(d *decoder, n *yaml.Node, t *Targets) { t.Processes = processTable.list(d, n, "processes") }},
	{"kubernetes", false, func(d *decoder, n *yaml.Node, t *Targets) {
		t.Kubernetes = kubernetesTable.list(d, n, "Kubernetes targets")
	}},
}}

var proxyTable = table[ProxyTarget]{path: "targets.proxies[]", fields: []field[ProxyTarget]{
	{"name", true, func(d *decoder, n *yaml.Node, p *ProxyTarget) { p.Name = d.name(n) }},
	{"protocol", false, func(d *decoder, n *yaml.Node, p *ProxyTarget) { p.Protocol = d.oneOf(n, ProtoHTTP, ProtoTCP) }},
	{"listen", false, func(d *decoder, n *yaml.Node, p *ProxyTarget) { p.Listen = d.listenAddr(n) }},
	{"upstream", true, func(d *decoder, n *yaml.Node, p *ProxyTarget) { p.Upstream = d.str(n) }},
}, src: func(p *ProxyTarget) **source { return &p.src }}

var toxiproxyTable = table[ToxiproxyTarget]{path: "targets.toxiproxy[]", fields: []field[ToxiproxyTarget]{
	{"name", true, func(d *decoder, n *yaml.Node, p *ToxiproxyTarget) { p.Name = d.name(n) }},
	{"server", true, func(d *decoder, n *yaml.Node, p *ToxiproxyTarget) { p.Server = d.httpURL(n) }},
	{"proxy", false, func(d *decoder, n *yaml.Node, p *ToxiproxyTarget) { p.Proxy = d.name(n) }},
}, src: func(p *ToxiproxyTarget) **source { return &p.src }}

var processTable = table[ProcessTarget]{path: "targets.processes[]", fields: []field[ProcessTarget]{
	{"name", true, func(d *decoder, n *yaml.Node, p *ProcessTarget) { p.Name = d.name(n) }},
	{"command", false, func(d *decoder, n *yaml.Node, p *ProcessTarget) { p.Command = d.argv(n) }},
	{"shell", false, func(d *decoder, n *yaml.Node, p *ProcessTarget) { p.Shell = d.boolean(n) }},
	{"dir", false, func(d *decoder, n *yaml.Node, p *ProcessTarget) { p.Dir = d.str(n) }},
	{"env", false, func(d *decoder, n *yaml.Node, p *ProcessTarget) { p.Env = d.strMap(n, "variables") }},
	{"ready", false, func(d *decoder, n *yaml.Node, p *ProcessTarget) { p.Ready = d.str(n) }},
	{"pidfile", false, func(d *decoder, n *yaml.Node, p *ProcessTarget) { p.PIDFile = d.str(n) }},
	{"pid", false, func(d *decoder, n *yaml.Node, p *ProcessTarget) {
		if p.PID = int(d.integer(n)); p.PID <= 0 {
			d.errf(n, "want a process id above 0")
		}
	}},
}, src: func(p *ProcessTarget) **source { return &p.src }}

var loadTable = table[Load]{path: "load[]", fields: []field[Load]{
	{"name", true, func(d *decoder, n *yaml.Node, l *Load) { l.Name = d.name(n) }},
	{"url", true, func(d *decoder, n *yaml.Node, l *Load) { l.URL = d.httpURL(n) }},
	{"method", false, func(d *decoder, n *yaml.Node, l *Load) { l.Method = d.method(n) }},
	{"headers", false, func(d *decoder, n *yaml.Node, l *Load) { l.Header = d.headers(n) }},
	{"body", false, func(d *decoder, n *yaml.Node, l *Load) { l.Body = d.str(n) }},
	{"body_file", false, func(d *decoder, n *yaml.Node, l *Load) { l.Body = d.readFile(n) }},
	{"body_template", false, func(d *decoder, n *yaml.Node, l *Load) {
		if l.BodyTemplate = d.str(n); l.BodyTemplate != "" {
			if err := probes.CheckBodyTemplate(l.BodyTemplate); err != nil {
				d.errf(n, "body_template: %v", err)
			}
		}
	}},
	{"rate", true, func(d *decoder, n *yaml.Node, l *Load) { l.Rate = d.rate(n) }},
	{"timeout", false, func(d *decoder, n *yaml.Node, l *Load) { l.Timeout = d.positiveDuration(n) }},
	{"window", false, func(d *decoder, n *yaml.Node, l *Load) { l.Window = d.positiveDuration(n) }},
	{"curve", false, func(d *decoder, n *yaml.Node, l *Load) { l.Curve = curveOf(d, n) }},
}, src: func(l *Load) **source { return &l.src }}

var curveShapes = []string{"step", "ramp", "pulse", "sine", "random-walk"}

var curveTable = table[Curve]{path: "curve", fields: []field[Curve]{
	{"shape", true, func(d *decoder, n *yaml.Node, c *Curve) {
		c.Shape = d.oneOf(n, curveShapes...)
	}},
	{"level", false, func(d *decoder, n *yaml.Node, c *Curve) { c.Level = d.probability(n) }},
	{"from", false, func(d *decoder, n *yaml.Node, c *Curve) { c.From = d.probability(n) }},
	{"to", false, func(d *decoder, n *yaml.Node, c *Curve) { c.To = d.probability(n) }},
	{"over", false, func(d *decoder, n *yaml.Node, c *Curve) { c.Over = d.positiveDuration(n) }},
	{"period", false, func(d *decoder, n *yaml.Node, c *Curve) { c.Period = d.positiveDuration(n) }},
	{"duty", false, func(d *decoder, n *yaml.Node, c *Curve) { c.Duty = d.probability(n) }},
	{"min", false, func(d *decoder, n *yaml.Node, c *Curve) { c.Min = d.probability(n) }},
	{"max", false, func(d *decoder, n *yaml.Node, c *Curve) { c.Max = d.probability(n) }},
	{"every", false, func(d *decoder, n *yaml.Node, c *Curve) { c.Every = d.positiveDuration(n) }},
	{"step", false, func(d *decoder, n *yaml.Node, c *Curve) { c.Step = d.probability(n) }},
	{"seed", false, func(d *decoder, n *yaml.Node, c *Curve) { c.Seed = d.integer(n) }},
}, src: func(c *Curve) **source { return &c.src }}

// curveOf reads a curve: a mapping, or just a shape's name.
func curveOf(d *decoder, n *yaml.Node) *Curve {
	if n.Kind == yaml.ScalarNode {
		return &Curve{Shape: d.oneOf(n, curveShapes...), src: d.source(n, nil)}
	}
	c := curveTable.one(d, n)
	return &c
}

var probeTable = table[Probe]{path: "probes[]", fields: []field[Probe]{
	{"name", true, func(d *decoder, n *yaml.Node, p *Probe) { p.Name = d.name(n) }},
	{"kind", true, func(d *decoder, n *yaml.Node, p *Probe) {
		p.Kind = ProbeKind(d.oneOf(n, "scrape", "http", "tcp", "command", "promql"))
	}},
	{"every", false, func(d *decoder, n *yaml.Node, p *Probe) { p.Every = d.positiveDuration(n) }},
	{"timeout", false, func(d *decoder, n *yaml.Node, p *Probe) { p.Timeout = d.positiveDuration(n) }},
	{"unit", false, func(d *decoder, n *yaml.Node, p *Probe) {
		p.Unit = Unit(d.oneOf(n, "", "ms", "%", "req/s"))
	}},
	{"url", false, func(d *decoder, n *yaml.Node, p *Probe) { p.URL = d.httpURL(n) }},
	{"metric", false, func(d *decoder, n *yaml.Node, p *Probe) { p.Metric = d.str(n) }},
	{"labels", false, func(d *decoder, n *yaml.Node, p *Probe) { p.Labels = d.strMap(n, "label names to values") }},
	{"method", false, func(d *decoder, n *yaml.Node, p *Probe) { p.Method = d.method(n) }},
	{"headers", false, func(d *decoder, n *yaml.Node, p *Probe) { p.Header = d.headers(n) }},
	{"body", false, func(d *decoder, n *yaml.Node, p *Probe) { p.Body = d.str(n) }},
	{"expect_status", false, func(d *decoder, n *yaml.Node, p *Probe) {
		for _, s := range d.strList(n, "HTTP status codes") {
			c, err := strconv.Atoi(s)
			if err != nil || c < 100 || c > 599 {
				d.errf(n, "want HTTP status codes from 100 to 599, got %q", s)
			}
			p.ExpectStatus = append(p.ExpectStatus, c)
		}
	}},
	{"expect_body", false, func(d *decoder, n *yaml.Node, p *Probe) { p.ExpectBody = d.str(n) }},
	{"address", false, func(d *decoder, n *yaml.Node, p *Probe) { p.Address = d.hostPort(n) }},
	{"command", false, func(d *decoder, n *yaml.Node, p *Probe) { p.Command = d.argv(n) }},
	{"shell", false, func(d *decoder, n *yaml.Node, p *Probe) { p.Shell = d.boolean(n) }},
	{"server", false, func(d *decoder, n *yaml.Node, p *Probe) { p.Server = d.httpURL(n) }},
	{"query", false, func(d *decoder, n *yaml.Node, p *Probe) { p.Query = d.str(n) }},
}, src: func(p *Probe) **source { return &p.src }}

// comparisons are the keys that set an assumption's threshold.
var comparisons = map[string]Comparison{"below": Below, "at_most": BelowOrEqual, "above": Above, "at_least": AboveOrEqual}

func setThreshold(key string) func(d *decoder, n *yaml.Node, a *Assumption) {
	return func(d *decoder, n *yaml.Node, a *Assumption) {
		if a.Op != "" {
			d.errf(n, "an assumption has one comparison; it already has %q", opKey(a.Op))
			return
		}
		s, ok := d.scalar(n, "a threshold like 250ms, 1% or 100")
		if !ok {
			return
		}
		a.Op = comparisons[key]
		if f, ok := relativeFactor(s); ok {
			if !(f > 0) {
				d.errf(n, "want a factor above 0 for a threshold relative to the baseline, like 1.5x")
			}
			a.Relative, a.Factor = true, f
			return
		}
		v, u, err := parseThreshold(s)
		if err != nil {
			d.errf(n, "%v", err)
		}
		a.Threshold, a.Unit = v, u
	}
}

func opKey(op Comparison) string {
	for k, v := range comparisons {
		if v == op {
			return k
		}
	}
	return string(op)
}

var aggregates = []string{"last", "avg", "min", "max", "p50", "p90", "p95", "p99", "rate", "error_rate", "slope"}

var assumptionFields = []field[Assumption]{
	{"name", true, func(d *decoder, n *yaml.Node, a *Assumption) { a.Name = d.name(n) }},
	{"series", false, func(d *decoder, n *yaml.Node, a *Assumption) { a.Series = d.name(n) }},
	{"aggregate", false, func(d *decoder, n *yaml.Node, a *Assumption) { a.Aggregate = Aggregate(d.oneOf(n, aggregates...)) }},
	{"window", false, func(d *decoder, n *yaml.Node, a *Assumption) { a.Window = d.positiveDuration(n) }},
	{"below", false, setThreshold("below")},
	{"at_most", false, setThreshold("at_most")},
	{"above", false, setThreshold("above")},
	{"at_least", false, setThreshold("at_least")},
}

var assumptionTable = table[Assumption]{path: "assumptions[]", fields: append(append([]field[Assumption]{}, assumptionFields...),
	field[Assumption]{"during", false, func(d *decoder, n *yaml.Node, a *Assumption) {
		a.During = Phase(d.oneOf(n, "always", "faults", "after"))
	}},
	field[Assumption]{"recovers_within", false, func(d *decoder, n *yaml.Node, a *Assumption) {
		a.Kind, a.Within = AssumeRecovery, d.positiveDuration(n)
	}},
	field[Assumption]{"of", false, func(d *decoder, n *yaml.Node, a *Assumption) { a.Of = d.strList(n, "assumption names") }},
), src: func(a *Assumption) **source { return &a.src }}

var guardrailsTable = table[Guardrails]{path: "guardrails", fields: []field[Guardrails]{
	{"max_fault_duration", false, func(d *decoder, n *yaml.Node, g *Guardrails) { g.MaxFaultDuration = d.positiveDuration(n) }},
	{"abort", false, func(d *decoder, n *yaml.Node, g *Guardrails) {
		g.Abort = abortTable.list(d, n, "abort conditions")
		for i := range g.Abort {
			g.Abort[i].Kind = AssumeThreshold
		}
	}},
}}

var abortTable = table[Abort]{path: "guardrails.abort[]", fields: func() []field[Abort] {
	var fs []field[Abort]
	for _, f := range assumptionFields {
		set := f.set
		fs = append(fs, field[Abort]{f.key, f.required, func(d *decoder, n *yaml.Node, a *Abort) { set(d, n, &a.Assumption) }})
	}
	return append(fs, field[Abort]{"for", false, func(d *decoder, n *yaml.Node, a *Abort) { a.For = d.duration(n) }})
}(), src: func(a *Abort) **source { return &a.src }}

var blockTable = table[Block]{path: "blocks[]", fields: []field[Block]{
	{"name", true, func(d *decoder, n *yaml.Node, b *Block) { b.Name = d.name(n) }},
	{"description", false, func(d *decoder, n *yaml.Node, b *Block) { b.Description = d.str(n) }},
	{"fault", false, func(d *decoder, n *yaml.Node, b *Block) { f := faultTable.one(d, n); b.Fault = &f }},
	{"load", false, func(d *decoder, n *yaml.Node, b *Block) { l := loadChangeTable.one(d, n); b.Load = &l }},
	{"curve", false, func(d *decoder, n *yaml.Node, b *Block) { b.Curve = curveOf(d, n) }},
	{"duration", false, func(d *decoder, n *yaml.Node, b *Block) { b.Duration = d.positiveDuration(n) }},
	{"sequence", false, func(d *decoder, n *yaml.Node, b *Block) { b.Sequence = sequenceTable.list(d, n, "steps") }},
	{"parallel", false, func(d *decoder, n *yaml.Node, b *Block) { b.Parallel = d.strList(n, "block names") }},
	{"expect_edge", false, func(d *decoder, n *yaml.Node, b *Block) { b.ExpectEdgeText = d.str(n) }},
}, src: func(b *Block) **source { return &b.src }}

var faultTable = table[Fault]{path: "blocks[].fault", fields: []field[Fault]{
	{"kind", true, func(d *decoder, n *yaml.Node, f *Fault) { f.Kind = FaultKind(d.oneOf(n, faultKindNames()...)) }},
	{"target", false, func(d *decoder, n *yaml.Node, f *Fault) { f.Target = d.name(n) }},
	{"match", false, func(d *decoder, n *yaml.Node, f *Fault) { matchTable.decode(d, n, f) }},
	{"delay", false, func(d *decoder, n *yaml.Node, f *Fault) { f.Delay = d.duration(n) }},
	{"jitter", false, func(d *decoder, n *yaml.Node, f *Fault) { f.Jitter = d.duration(n) }},
	{"status", false, func(d *decoder, n *yaml.Node, f *Fault) {
		if f.Status = int(d.integer(n)); f.Status < 100 || f.Status > 599 {
			d.errf(n, "want an HTTP status from 100 to 599, got %d", f.Status)
		}
	}},
	{"probability", false, func(d *decoder, n *yaml.Node, f *Fault) { f.Probability = d.probability(n) }},
	{"direction", false, func(d *decoder, n *yaml.Node, f *Fault) {
		f.Direction = d.oneOf(n, "upstream", "downstream", "both", "to", "from")
	}},
	{"rate", false, func(d *decoder, n *yaml.Node, f *Fault) { f.Rate = d.bandwidth(n) }},
	{"bytes", false, func(d *decoder, n *yaml.Node, f *Fault) { f.Bytes = d.bytes(n) }},
	{"size", false, func(d *decoder, n *yaml.Node, f *Fault) { f.SliceSize = d.bytes(n) }},
	{"variation", false, func(d *decoder, n *yaml.Node, f *Fault) { f.SliceVariation = d.bytes(n) }},
	{"restart", false, func(d *decoder, n *yaml.Node, f *Fault) { f.Restart = d.boolean(n) }},
	{"period", false, func(d *decoder, n *yaml.Node, f *Fault) { f.Period = d.duration(n) }},
	{"drop", false, func(d *decoder, n *yaml.Node, f *Fault) { f.Drop = d.boolean(n) }},
	{"start", false, func(d *decoder, n *yaml.Node, f *Fault) { f.Start = commandOf(d, n) }},
	{"revert", false, func(d *decoder, n *yaml.Node, f *Fault) { f.Revert = commandOf(d, n) }},
	{"correlation", false, func(d *decoder, n *yaml.Node, f *Fault) { f.Correlation = d.probability(n) }},
	{"peer", false, func(d *decoder, n *yaml.Node, f *Fault) { f.Peer = d.name(n) }},
	{"external", false, func(d *decoder, n *yaml.Node, f *Fault) { f.External = d.strList(n, "hosts or CIDRs") }},
	{"port", false, func(d *decoder, n *yaml.Node, f *Fault) {
		if f.Port = int(d.integer(n)); f.Port < 1 || f.Port > 65535 {
			d.errf(n, "want a port from 1 to 65535, got %d", f.Port)
		}
	}},
	{"containers", false, func(d *decoder, n *yaml.Node, f *Fault) { f.Containers = d.strList(n, "container names") }},
	{"workers", false, func(d *decoder, n *yaml.Node, f *Fault) {
		if f.Workers = int(d.integer(n)); f.Workers < 1 || f.Workers > 64 {
			d.errf(n, "want 1 to 64 workers, got %d", f.Workers)
		}
	}},
	{"load", false, func(d *decoder, n *yaml.Node, f *Fault) { f.CPULoad = d.probability(n) }},
	{"mode", false, func(d *decoder, n *yaml.Node, f *Fault) { f.Mode = d.podMode(n) }},
}, src: func(f *Fault) **source { return &f.src }}

var matchTable = table[Fault]{path: "blocks[].fault.match", fields: []field[Fault]{
	{"method", false, func(d *decoder, n *yaml.Node, f *Fault) { f.Method = d.method(n) }},
	{"path", false, func(d *decoder, n *yaml.Node, f *Fault) {
		if f.PathPrefix = d.str(n); !strings.HasPrefix(f.PathPrefix, "/") {
			d.errf(n, "want a path prefix starting with /, got %q", f.PathPrefix)
		}
	}},
	{"headers", false, func(d *decoder, n *yaml.Node, f *Fault) { f.Header = d.headers(n) }},
}}

var commandTable = table[CommandSpec]{path: "blocks[].fault.start", fields: []field[CommandSpec]{
	{"command", true, func(d *decoder, n *yaml.Node, c *CommandSpec) { c.Argv = d.argv(n) }},
	{"shell", false, func(d *decoder, n *yaml.Node, c *CommandSpec) { c.Shell = d.boolean(n) }},
	{"timeout", false, func(d *decoder, n *yaml.Node, c *CommandSpec) { c.Timeout = d.positiveDuration(n) }},
}}

// commandOf reads a command: a list (argv) or a mapping with options.
func commandOf(d *decoder, n *yaml.Node) *CommandSpec {
	c := &CommandSpec{}
	if n.Kind == yaml.SequenceNode {
		c.Argv = d.argv(n)
		return c
	}
	keys := commandTable.decode(d, n, c)
	if c.Shell && len(c.Argv) != 1 {
		d.errf(n, "with shell: true, command is one script string (run by /bin/sh -c), got %d items", len(c.Argv))
	}
	var fe *FileError
	if c.Argv, fe = splitCommand(d.source(n, keys), "command", c.Argv, c.Shell); fe != nil {
		*d.errs = append(*d.errs, *fe)
	}
	return c
}

var loadChangeTable = table[LoadChange]{path: "blocks[].load", fields: []field[LoadChange]{
	{"target", true, func(d *decoder, n *yaml.Node, l *LoadChange) { l.Target = d.name(n) }},
	{"factor", true, func(d *decoder, n *yaml.Node, l *LoadChange) {
		if l.Factor = d.number(n); !(l.Factor > 0 && l.Factor <= 1000) {
			d.errf(n, "want a factor above 0 and at most 1000 (4 means four times the rate), got %v", l.Factor)
		}
	}},
}, src: func(l *LoadChange) **source { return &l.src }}

var sequenceTable = table[SequenceStep]{path: "blocks[].sequence[]", fields: []field[SequenceStep]{
	{"block", true, func(d *decoder, n *yaml.Node, s *SequenceStep) { s.Block = d.name(n) }},
	{"for", true, func(d *decoder, n *yaml.Node, s *SequenceStep) { s.For = d.positiveDuration(n) }},
}, src: func(s *SequenceStep) **source { return &s.src }}

var scheduleTable = table[Schedule]{path: "schedule", fields: []field[Schedule]{
	{"baseline", false, func(d *decoder, n *yaml.Node, s *Schedule) { s.Baseline = d.duration(n) }},
	{"steps", true, func(d *decoder, n *yaml.Node, s *Schedule) {
		if s.Steps = stepTable.list(d, n, "steps"); len(s.Steps) == 0 {
			d.errf(n, "schedule: want at least one step")
		}
	}},
	{"recovery", false, func(d *decoder, n *yaml.Node, s *Schedule) { s.Recovery = d.duration(n) }},
}}

// A step is blocks for a time, or a rest: no fault for a time (checked
// in checker.schedule, which sees the whole step).
var stepTable = table[ScheduleStep]{path: "schedule.steps[]", fields: []field[ScheduleStep]{
	{"blocks", false, func(d *decoder, n *yaml.Node, s *ScheduleStep) {
		if s.Blocks = d.strList(n, "block names"); len(s.Blocks) == 0 {
			d.errf(n, "an empty step: want at least one block to switch on (a step with no fault is `- rest: 30s`)")
		}
	}},
	{"for", false, func(d *decoder, n *yaml.Node, s *ScheduleStep) { s.For = d.positiveDuration(n) }},
	{"rest", false, func(d *decoder, n *yaml.Node, s *ScheduleStep) { s.For, s.Rest = d.positiveDuration(n), true }},
	{"note", false, func(d *decoder, n *yaml.Node, s *ScheduleStep) { s.Note = d.str(n) }},
}, src: func(s *ScheduleStep) **source { return &s.src }}

var chartTable = table[Chart]{path: "charts[]", fields: []field[Chart]{
	{"title", true, func(d *decoder, n *yaml.Node, c *Chart) { c.Title = d.str(n) }},
	{"unit", false, func(d *decoder, n *yaml.Node, c *Chart) { c.Unit = Unit(d.oneOf(n, "", "ms", "%", "req/s")) }},
	{"series", true, func(d *decoder, n *yaml.Node, c *Chart) {
		d.each(n, "series", func(it *yaml.Node) {
			var cs ChartSeries
			if it.Kind == yaml.MappingNode {
				chartSeriesTable.decode(d, it, &cs)
			} else if s, ok := d.scalar(it, "a series name"); ok {
				cs.Series = s
			}
			if cs.Label == "" {
				cs.Label = cs.Series
				if i := strings.LastIndexByte(cs.Series, '.'); i >= 0 {
					cs.Label = cs.Series[i+1:]
				}
			}
			c.Series = append(c.Series, cs)
		})
		if len(c.Series) == 0 && n.Kind == yaml.SequenceNode {
			d.errf(n, "a chart needs at least one series")
		}
	}},
}, src: func(c *Chart) **source { return &c.src }}

// chartSeriesTable is one line of a chart written as a mapping, to give it
// a label.
var chartSeriesTable = table[ChartSeries]{path: "charts[].series[]", fields: []field[ChartSeries]{
	{"series", true, func(d *decoder, n *yaml.Node, s *ChartSeries) { s.Series = d.name(n) }},
	{"label", false, func(d *decoder, n *yaml.Node, s *ChartSeries) { s.Label = d.str(n) }},
}}

// schemaTables lists every table, for SchemaKeys.
var schemaTables = []interface{ keys() (string, []string) }{
	&rootTable, &catalogTable, &targetsTable, &proxyTable, &toxiproxyTable, &kubernetesTable, &processTable, &loadTable, &curveTable,
	&probeTable, &assumptionTable, &guardrailsTable, &abortTable, &blockTable, &faultTable, &matchTable,
	&commandTable, &loadChangeTable, &sequenceTable, &scheduleTable, &stepTable, &chartTable, &chartSeriesTable,
	&roomTable, &seatTable,
}

// SchemaKeys lists every key an experiment file may have, as documented:
// "blocks[].fault.delay". The matrix's keys are the user's own.
func SchemaKeys() []string {
	var out []string
	for _, t := range schemaTables {
		path, keys := t.keys()
		for _, k := range keys {
			if path == "" {
				out = append(out, k)
			} else {
				out = append(out, path+"."+k)
			}
		}
	}
	return out
}
