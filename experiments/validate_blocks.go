package experiments

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"

	"github.com/gameday-dev/gameday/inject"
)

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
	if kind == "kubernetes" {
		for _, t := range c.e.Targets.Kubernetes {
			out = append(out, t.Name)
		}
		return out
	}
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
		c.expectEdge(b)
		if b.Load != nil && b.Load.Target != "" && !slices.Contains(c.loadNames(), b.Load.Target) {
			c.errf(b.Load.src.at("target"), "block %q: no load %q%s", b.Name, b.Load.Target, c.hint.suggest(b.Load.Target, c.loadNames()))
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
		c.errf(at, "block %q: no block %q%s", b.Name, name, c.hint.suggest(name, c.blockNames()))
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
	spec, ok := faultKinds[f.Kind]
	if !ok {
		return // the kind itself was reported
	}
	proto := ""
	switch spec.target {
	case "":
		if f.Target != "" {
			c.errf(f.src.at("target"), "block %q: a %s fault has no target", b.Name, f.Kind)
		}
	case "kubernetes":
		if f.Target == "" {
			c.errf(f.src.at(""), "block %q: a %s fault needs a target: a Kubernetes target%s", b.Name, f.Kind, namesHint(c.targetNames(spec.target)))
			return
		}
		if c.e.kubernetes(f.Target) == nil {
			c.targetMissing(b, f, spec.target)
			return
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
	c.direction(b, spec.target)
	if f.src.has("jitter") && f.Jitter > f.Delay {
		c.errf(f.src.at("jitter"), "block %q: jitter %v is more than the delay %v", b.Name, f.Jitter, f.Delay)
	}
	if f.src.has("period") {
		if err := (inject.PauseConfig{Period: f.Period}).Validate(); err != nil {
			c.errf(f.src.at("period"), "block %q: %v", b.Name, err)
		}
	}
	if f.src.has("probability") && f.Probability == 0 {
		c.errf(f.src.at("probability"), "block %q: probability 0%%: the fault would never act; want above 0%%", b.Name)
		return
	}
	if f.Kind == FaultSlicing && f.src.has("size") && f.SliceSize < 1 {
		c.errf(f.src.at("size"), "block %q: a slice of %dB: want at least 1B", b.Name, f.SliceSize)
		return
	}
	if spec.target == "kubernetes" {
		c.chaosFault(b)
		return
	}
	c.proxyFault(b, proto)
}

// direction checks that a fault's direction is one its target has:
// upstream and downstream on proxies, to and from on Kubernetes pods.
func (c *checker) direction(b *Block, target string) {
	f := b.Fault
	if f.Direction == "" || f.Direction == "both" {
		return
	}
	want := []string{"upstream", "downstream", "both"}
	if target == "kubernetes" {
		want = []string{"to", "from", "both"}
	}
	if !slices.Contains(want, f.Direction) {
		c.errf(f.src.at("direction"), "block %q: direction %q is not one of a %s fault's: %s", b.Name, f.Direction, f.Kind, strings.Join(want, ", "))
	}
}

// proxyFault builds what the fault is on its proxy, as the session will
// (without touching anything), so that what validates also starts.
func (c *checker) proxyFault(b *Block, proto string) {
	f := b.Fault
	var err error
	switch proto {
	case ProtoHTTP:
		_, err = f.HTTPFault()
	case ProtoTCP:
		_, err = f.TCPFault()
	case ProtoToxiproxy:
		for _, t := range c.e.Targets.Toxiproxy {
			if t.Name == f.Target {
				var tf inject.ToxicFault
				if tf, err = f.ToxicFault(t); err == nil {
					if !toxicNameRE.MatchString(b.Name) {
						c.errf(b.src.at("name"), "block %q: its fault becomes a toxic named after it on a Toxiproxy server: want letters, digits and . _ : - only", b.Name)
						return
					}
					err = inject.NewToxic(b.Name, tf).Validate()
				}
			}
		}
	}
	if err != nil {
		c.errf(f.src.at(""), "block %q: %v", b.Name, err)
	}
}

// chaosFault builds the block's Chaos Mesh object as the session will
// (without asking the cluster), so that what validates also starts; its
// peer must be a Kubernetes target, and a curve needs a fault with an
// intensity to scale.
func (c *checker) chaosFault(b *Block) {
	f := b.Fault
	if f.Peer != "" && c.e.kubernetes(f.Peer) == nil {
		c.errf(f.src.at("peer"), "block %q: no Kubernetes target %q to be the peer%s", b.Name, f.Peer, namesHint(c.targetNames("kubernetes")))
		return
	}
	for _, h := range f.External {
		if !externalTarget(h) {
			c.errf(f.src.at("external"), "block %q: external %q: want a host name, an IP address or a CIDR like 10.0.0.0/8", b.Name, short(h))
		}
	}
	cf, err := c.e.ChaosFault(*b)
	if err != nil {
		c.errf(f.src.at(""), "block %q: %v", b.Name, err)
		return
	}
	if b.Curve != nil && len(cf.Scalars) == 0 {
		c.errf(b.Curve.src.at(""), "block %q: a curve scales a fault's intensity, and a %s with mode %s has none: give a mode of N or N%% of the pods, or drop the curve", b.Name, f.Kind, cf.Selector.Mode)
	}
}

var hostRE = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9.]{0,251}[A-Za-z0-9])?$`)

// externalTarget reports whether s is what Chaos Mesh takes as an
// external target: a host name, an IP address, or a CIDR.
func externalTarget(s string) bool {
	if _, _, err := net.ParseCIDR(s); err == nil {
		return true
	}
	return net.ParseIP(s) != nil || hostRE.MatchString(s)
}

// toxicNameRE is what Toxiproxy takes in a toxic's name.
var toxicNameRE = regexp.MustCompile(`^[A-Za-z0-9._:-]+$`)

func (c *checker) targetMissing(b *Block, f *Fault, kind string) {
	names := c.targetNames(kind)
	msg := listText(c.hint.suggest(f.Target, names))
	if msg == "" {
		msg = namesHint(names)
	}
	switch {
	case kind != "kubernetes" && c.e.kubernetes(f.Target) != nil:
		msg = listText(fmt.Sprintf(" (%q is a Kubernetes target: its faults are %s)", f.Target, strings.Join(kindsOn("kubernetes"), ", ")))
	case kind == "kubernetes" && (c.proxy(f.Target) != nil || c.process(f.Target) != nil):
		msg = listText(fmt.Sprintf(" (%q is a proxy or a process: a %s fault acts on pods)", f.Target, f.Kind))
	}
	if kind == "kubernetes" {
		kind = "Kubernetes target"
	}
	c.errf(f.src.at("target"), "block %q: no %s %q%s", b.Name, kind, f.Target, msg)
}

// kindsOn lists the fault kinds whose target is target.
func kindsOn(target string) []string {
	var out []string
	for _, k := range faultKindNames() {
		if faultKinds[FaultKind(k)].target == target {
			out = append(out, k)
		}
	}
	return out
}

func namesHint(names []string) listText {
	if len(names) == 0 {
		return " (the file declares none under targets)"
	}
	short := shortArgs([]any{names})[0].([]string)
	return listText(" (declared: " + strings.Join(short, ", ") + ")")
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
