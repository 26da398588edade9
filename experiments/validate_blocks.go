package experiments

import (
	"slices"
	"sort"
	"strings"
)

// OnProxy reports whether faults of kind k act on a proxy (gameday's own
// or a Toxiproxy server's).
func (k FaultKind) OnProxy() bool { return faultSpecs[k].target == "proxy" }

// faultSpec says what a fault kind acts on and which parameters it takes,
// per protocol for proxy faults ("" for the others).
type faultSpec struct {
	target   string // "proxy", "process" or "" (no target)
	params   map[string][]string
	required []string
	about    string
}

var faultSpecs = map[FaultKind]faultSpec{
	FaultLatency: {"proxy", stream([]string{"delay", "jitter", "direction", "probability"}, "delay", "jitter", "match"), []string{"delay"},
		"add delay ± jitter to requests (http) or to data (tcp)"},
	FaultError: {"proxy", map[string][]string{ProtoHTTP: {"status", "probability", "match"}}, nil,
		"answer an error status instead of forwarding (default 503, every request)"},
	FaultAbort: {"proxy", map[string][]string{ProtoHTTP: {"probability", "match"}}, nil,
		"reset the connection mid-request"},
	FaultBlackhole: {"proxy", stream([]string{"direction", "probability"}, "match"), nil,
		"hold requests (http) or data (tcp) until halted"},
	FaultBandwidth: {"proxy", stream([]string{"rate", "direction", "probability"}), []string{"rate"},
		"limit the bytes per second"},
	FaultReset: {"proxy", stream([]string{"delay", "direction", "probability"}), nil,
		"reset connections (after delay)"},
	FaultSlowClose: {"proxy", stream([]string{"delay", "probability"}), []string{"delay"},
		"delay the close of connections"},
	FaultDataLimit: {"proxy", stream([]string{"bytes", "direction", "probability"}), []string{"bytes"},
		"close a connection after so many bytes"},
	FaultSlicing: {"proxy", stream([]string{"size", "variation", "delay", "direction", "probability"}), []string{"size"},
		"cut data into small pieces, delayed"},
	FaultPause:   {"process", map[string][]string{"": {}}, nil, "stop the process (SIGSTOP), continue it on halt"},
	FaultKill:    {"process", map[string][]string{"": {"restart"}}, nil, "kill the process (SIGKILL); restart it on halt"},
	FaultCommand: {"", map[string][]string{"": {"start", "revert"}}, []string{"start", "revert"}, "run a command, and its revert command on halt"},
}

// stream gives the parameters of a byte-stream fault to gameday's tcp
// proxies and to proxies on a Toxiproxy server (as toxics), plus those of
// http proxies when the fault has an http form.
func stream(tcp []string, http ...string) map[string][]string {
	m := map[string][]string{ProtoTCP: tcp, ProtoToxiproxy: tcp}
	if len(http) > 0 {
		m[ProtoHTTP] = http
	}
	return m
}

func faultKindNames() []string {
	out := make([]string, 0, len(faultSpecs))
	for k := range faultSpecs {
		out = append(out, string(k))
	}
	sort.Strings(out)
	return out
}

// proxy finds a proxy target (gameday's own, or one on a Toxiproxy
// server, as protocol "toxiproxy").
func (c *checker) proxy(name string) *ProxyTarget {
	for i := range c.e.Targets.Proxies {
		if c.e.Targets.Proxies[i].Name == name {
			return &c.e.Targets.Proxies[i]
		}
	}
	for _, t := range c.e.Targets.Toxiproxy {
		if t.Name == name {
			return &ProxyTarget{Name: t.Name, Protocol: ProtoToxiproxy}
		}
	}
	return nil
}

func (c *checker) process(name string) *ProcessTarget {
	for i := range c.e.Targets.Processes {
		if c.e.Targets.Processes[i].Name == name {
			return &c.e.Targets.Processes[i]
		}
	}
	return nil
}

func (c *checker) targetNames(kind string) []string {
	var out []string
	if kind != "process" {
		for _, p := range c.e.Targets.Proxies {
			out = append(out, p.Name)
		}
		for _, p := range c.e.Targets.Toxiproxy {
			out = append(out, p.Name)
		}
	}
	if kind != "proxy" {
		for _, p := range c.e.Targets.Processes {
			out = append(out, p.Name)
		}
	}
	return out
}

func (c *checker) blocks() {
	for i := range c.e.Blocks {
		b := &c.e.Blocks[i]
		simple := b.Fault != nil || b.Load != nil
		shapes := 0
		for _, has := range []bool{simple, len(b.Sequence) > 0 || b.src.has("sequence"), len(b.Parallel) > 0 || b.src.has("parallel")} {
			if has {
				shapes++
			}
		}
		if shapes != 1 {
			c.errf(b.src.at(""), "block %q: want a fault and/or a load change, or a sequence, or a parallel group — exactly one of these", b.Name)
		}
		if b.Fault != nil {
			c.fault(b)
		}
		if b.Load != nil && b.Load.Target != "" && !slices.Contains(c.loadNames(), b.Load.Target) {
			c.errf(b.Load.src.at("target"), "block %q: no load %q%s", b.Name, b.Load.Target, suggest(b.Load.Target, c.loadNames()))
		}
		if b.Curve != nil {
			if !simple {
				c.errf(b.Curve.src.at(""), "block %q: a curve shapes a fault or a load change; a composite block has none", b.Name)
			}
			c.curve(b.Curve)
		}
		if len(b.Sequence) > 0 && b.src.has("duration") {
			c.errf(b.src.at("duration"), "block %q: a sequence lasts as long as its steps; drop duration", b.Name)
		}
		for _, s := range b.Sequence {
			c.blockRef(b, s.Block, s.src.at("block"))
		}
		for _, p := range b.Parallel {
			c.blockRef(b, p, b.src.at("parallel"))
		}
	}
	c.cycles()
}

func (c *checker) blockRef(b *Block, name string, at Pos) {
	if name == b.Name {
		c.errf(at, "block %q: refers to itself", b.Name)
		return
	}
	if c.e.BlockIndex(name) < 0 {
		c.errf(at, "block %q: no block %q%s", b.Name, name, suggest(name, c.blockNames()))
	}
}

func (c *checker) loadNames() []string {
	var out []string
	for _, l := range c.e.Loads {
		out = append(out, l.Name)
	}
	return out
}

func (c *checker) fault(b *Block) {
	f := b.Fault
	spec, ok := faultSpecs[f.Kind]
	if !ok {
		return // the kind itself was reported
	}
	proto := ""
	switch spec.target {
	case "":
		if f.Target != "" {
			c.errf(f.src.at("target"), "block %q: a %s fault has no target", b.Name, f.Kind)
		}
	case "proxy", "process":
		if f.Target == "" {
			c.errf(f.src.at(""), "block %q: a %s fault needs a target: a %s%s", b.Name, f.Kind, spec.target, namesHint(c.targetNames(spec.target)))
			return
		}
		if spec.target == "proxy" {
			p := c.proxy(f.Target)
			if p == nil {
				c.targetMissing(b, f, spec.target)
				return
			}
			proto = p.Protocol
			if proto == "" {
				proto = ProtoHTTP
			}
			if _, ok := spec.params[proto]; !ok {
				c.errf(f.src.at("kind"), "block %q: %s is not a fault of %s proxies (proxy %q is %s)", b.Name, f.Kind, proto, p.Name, proto)
				return
			}
		} else {
			p := c.process(f.Target)
			if p == nil {
				c.targetMissing(b, f, spec.target)
				return
			}
			if f.Restart && len(p.Command) == 0 {
				c.errf(f.src.at("restart"), "block %q: restart needs a process gameday starts (with command); %q is found by pid", b.Name, p.Name)
			}
		}
	}
	allowed := spec.params[proto]
	for k := range f.src.keys {
		if k == "kind" || k == "target" || slices.Contains(allowed, k) {
			continue
		}
		on := ""
		if proto != "" {
			on = " on a " + proto + " proxy"
		}
		takes := "no parameters"
		if len(allowed) > 0 {
			takes = strings.Join(allowed, ", ")
		}
		c.errf(f.src.at(k), "block %q: %s does not apply to a %s fault%s (it takes %s)", b.Name, k, f.Kind, on, takes)
	}
	for _, k := range spec.required {
		if !f.src.has(k) {
			c.errf(f.src.at(""), "block %q: a %s fault needs %s", b.Name, f.Kind, k)
		}
	}
	if f.src.has("jitter") && f.Jitter > f.Delay {
		c.errf(f.src.at("jitter"), "block %q: jitter %v is more than the delay %v", b.Name, f.Jitter, f.Delay)
	}
}

func (c *checker) targetMissing(b *Block, f *Fault, kind string) {
	names := c.targetNames(kind)
	msg := suggest(f.Target, names)
	if msg == "" {
		msg = namesHint(names)
	}
	c.errf(f.src.at("target"), "block %q: no %s %q%s", b.Name, kind, f.Target, msg)
}

func namesHint(names []string) string {
	if len(names) == 0 {
		return " (the file declares none under targets)"
	}
	return " (declared: " + strings.Join(names, ", ") + ")"
}

// cycles reports composite blocks that contain themselves.
func (c *checker) cycles() {
	children := map[string][]string{}
	for _, b := range c.e.Blocks {
		for _, s := range b.Sequence {
			children[b.Name] = append(children[b.Name], s.Block)
		}
		children[b.Name] = append(children[b.Name], b.Parallel...)
	}
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(n string) bool
	visit = func(n string) bool {
		switch state[n] {
		case onPath:
			i := len(path) - 1
			for i > 0 && path[i] != n {
				i--
			}
			cycle := append(append([]string{}, path[i:]...), n)
			b := c.e.Blocks[c.e.BlockIndex(path[len(path)-1])]
			c.errf(b.src.at(""), "blocks form a cycle: %s", strings.Join(cycle, " → "))
			return true
		case done:
			return false
		}
		state[n] = onPath
		path = append(path, n)
		for _, ch := range children[n] {
			if ch != n && c.e.BlockIndex(ch) >= 0 && visit(ch) {
				return true
			}
		}
		path = path[:len(path)-1]
		state[n] = done
		return false
	}
	for _, b := range c.e.Blocks {
		if state[b.Name] == unseen {
			path = path[:0]
			visit(b.Name)
		}
	}
}

// KindInfo describes a fault kind for `gameday blocks`.
type KindInfo struct {
	Kind   FaultKind
	On     string // "http proxy", "tcp proxy", "http or tcp proxy", "process", "nothing"
	About  string
	Params []ParamInfo
}

// ParamInfo is one parameter of a fault kind and its default.
type ParamInfo struct{ Name, About string }

var paramAbout = map[string]string{
	"delay":       "duration; latency: the delay; reset: after; slow-close: by; slicing: between pieces",
	"jitter":      "duration, default 0: ± uniform spread",
	"match":       "{method, path, headers}, default every request",
	"status":      "HTTP status, default 503",
	"probability": "default 100%: per request (http), per connection (tcp)",
	"direction":   "upstream, downstream or both; default downstream",
	"rate":        "bandwidth like 100KB/s",
	"bytes":       "size like 64KB",
	"size":        "size of a piece, like 16B",
	"variation":   "size, default 0: ± spread of a piece",
	"restart":     "bool, default false: start the process again on halt",
	"start":       "command to start the fault (argv, or {command, shell, timeout})",
	"revert":      "command to revert it, run on halt and by gameday recover",
}

// FaultKinds lists the fault kinds with their parameters.
func FaultKinds() []KindInfo {
	var out []KindInfo
	for _, name := range faultKindNames() {
		spec := faultSpecs[FaultKind(name)]
		info := KindInfo{Kind: FaultKind(name), About: spec.about, On: spec.target}
		seen := map[string]bool{}
		var protos []string
		for proto, ps := range spec.params {
			if proto != "" {
				protos = append(protos, proto)
			}
			for _, p := range ps {
				if !seen[p] {
					seen[p] = true
					about := paramAbout[p]
					if slices.Contains(spec.required, p) {
						about = "required; " + about
					}
					info.Params = append(info.Params, ParamInfo{Name: p, About: about})
				}
			}
		}
		sort.Strings(protos)
		switch {
		case spec.target == "proxy":
			info.On = strings.Join(protos, " or ") + " proxy"
		case spec.target == "":
			info.On = "no target"
		}
		sort.Slice(info.Params, func(i, j int) bool { return info.Params[i].Name < info.Params[j].Name })
		out = append(out, info)
	}
	return out
}
