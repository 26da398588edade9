package experiments

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"gopkg.in/yaml.v3"
)

// Allowlist is where a game day may send faults and traffic: the file's
// allow: list of host names, IP addresses and CIDR prefixes. Every
// network target of an experiment that has one (proxy upstreams, loads,
// probes, Toxiproxy servers, Kubernetes faults' external targets) must
// have its host inside it, or the file does not validate; a Kubernetes
// target's API server, which only its kubeconfig names, is checked before
// gameday asks it anything (Experiment.CheckClusters). A host name is matched by name, never resolved: a
// name in a URL must be in the list itself, whatever its address.
type Allowlist struct {
	// Entries are the list as written, after substitution.
	Entries  []string
	hosts    map[string]bool // lower case, without a trailing dot
	addrs    map[netip.Addr]bool
	prefixes []netip.Prefix
}

// NewAllowlist reads a list of host names, IP addresses and CIDR
// prefixes; the error says which entry is none of them.
func NewAllowlist(entries ...string) (*Allowlist, error) {
	a := &Allowlist{}
	for _, s := range entries {
		if err := a.add(s); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (a *Allowlist) add(s string) error {
	if a.hosts == nil {
		a.hosts, a.addrs = map[string]bool{}, map[netip.Addr]bool{}
	}
	switch {
	case strings.Contains(s, "://"):
		return fmt.Errorf("%q: want a host name, an IP address or a CIDR prefix, without a scheme (like staging.internal, 10.1.2.3 or 10.20.0.0/16)", s)
	case strings.Contains(s, "*"):
		return fmt.Errorf("%q: wildcards are not supported; list each host by name, or their addresses as a CIDR prefix like 10.20.0.0/16", s)
	case strings.Contains(s, "/"):
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return fmt.Errorf("%q is not a CIDR prefix: want an IP address and a prefix length, like 10.20.0.0/16 or fd00::/8", s)
		}
		a.prefixes = append(a.prefixes, p.Masked())
	default:
		if ip, err := netip.ParseAddr(s); err == nil {
			a.addrs[ip.WithZone("").Unmap()] = true
			break
		}
		if host, port, err := net.SplitHostPort(s); err == nil && port != "" {
			return fmt.Errorf("%q: want a host without a port (%s)", s, host)
		}
		if !validHostname(s) {
			return fmt.Errorf("%q is not a host name, an IP address or a CIDR prefix (like localhost, 10.1.2.3 or 10.20.0.0/16)", s)
		}
		a.hosts[normalHost(s)] = true
	}
	a.Entries = append(a.Entries, s)
	return nil
}

func normalHost(h string) string { return strings.ToLower(strings.TrimSuffix(h, ".")) }

// Allows reports whether host is inside the list: an IP address in one of
// its prefixes or equal to one of its addresses, or a name equal to one of
// its names (case aside). "" is this machine: inside when localhost,
// 127.0.0.1 or ::1 is. A nil list allows every host.
func (a *Allowlist) Allows(host string) bool {
	if a == nil {
		return true
	}
	if host == "" {
		return a.Allows("localhost") || a.Allows("127.0.0.1") || a.Allows("::1")
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return a.hosts[normalHost(host)]
	}
	ip = ip.WithZone("").Unmap() // ::ffff:10.1.2.3 is 10.1.2.3
	if a.addrs[ip] {
		return true
	}
	for _, p := range a.prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// allowlist reads allow: a list of hosts, IP addresses and CIDR prefixes,
// each error at its entry.
func (d *decoder) allowlist(n *yaml.Node) *Allowlist {
	a := &Allowlist{hosts: map[string]bool{}, addrs: map[netip.Addr]bool{}}
	d.each(n, "host names, IP addresses and CIDR prefixes", func(it *yaml.Node) {
		if s, ok := d.scalar(it, "a host name, an IP address or a CIDR prefix"); ok {
			if err := a.add(s); err != nil {
				d.errf(it, "allow: %v", err)
			}
		}
	})
	return a
}

// networkTarget is a place an experiment sends faults or traffic to.
type networkTarget struct {
	what  string // `load "checkout"`, `proxy "api": its upstream`
	value string // a URL or host:port
	at    Pos
}

// networkTargets lists every place the experiment sends faults or
// traffic to: not where its own proxies listen, not what its commands do.
func (e *Experiment) networkTargets() []networkTarget {
	var out []networkTarget
	for _, p := range e.Targets.Proxies {
		out = append(out, networkTarget{fmt.Sprintf("proxy %q: its upstream", p.Name), p.Upstream, p.src.at("upstream")})
	}
	for _, t := range e.Targets.Toxiproxy {
		out = append(out, networkTarget{fmt.Sprintf("Toxiproxy proxy %q: its server", t.Name), t.Server, t.src.at("server")})
	}
	for _, l := range e.Loads {
		out = append(out, networkTarget{fmt.Sprintf("load %q", l.Name), l.URL, l.src.at("url")})
	}
	for _, p := range e.Probes {
		for _, k := range []string{"url", "address", "server"} {
			if v := p.networkValue(k); v != "" {
				out = append(out, networkTarget{fmt.Sprintf("probe %q", p.Name), v, p.src.at(k)})
			}
		}
	}
	return out
}

func (p *Probe) networkValue(key string) string {
	switch key {
	case "url":
		return p.URL
	case "address":
		return p.Address
	case "server":
		return p.Server
	}
	return ""
}

// hostOf is the host of a URL or of host:port, without brackets; false
// when s is neither (an error said elsewhere).
func hostOf(s string) (string, bool) {
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return "", false
		}
		return u.Hostname(), true
	}
	host, _, err := net.SplitHostPort(s)
	return host, err == nil
}

// allowed refuses every network target outside the file's allow: list.
func (c *checker) allowed() {
	a := c.e.Allow
	if a == nil {
		return
	}
	for _, t := range c.e.networkTargets() {
		host, ok := hostOf(t.value)
		if !ok || a.Allows(host) {
			continue
		}
		shown := "host " + excerpt(host)
		switch {
		case c.e.Redact(host) != host:
			shown = "its host (a secret value)"
		case host == "":
			shown = "host (none: this machine)"
		}
		msg := fmt.Sprintf("%s: %s is outside allow: (%s)", t.what, shown, a.shown())
		if _, err := netip.ParseAddr(host); err != nil && host != "" && !strings.Contains(shown, "secret") {
			msg += fmt.Sprintf("; a host name is matched by name, never resolved: add %s to allow, or use its address", excerpt(host))
		}
		c.errf(t.at, "%s", listText(msg))
	}
	for _, b := range c.e.Blocks {
		if b.Fault == nil {
			continue
		}
		for _, x := range b.Fault.External {
			if !a.allowsExternal(x) {
				c.errf(b.Fault.src.at("external"), "block %q: external %s is outside allow: (%s)", b.Name, excerpt(x), a.shown())
			}
		}
	}
}

// allowsExternal reports whether a Kubernetes fault's external target (a
// host, an address or a CIDR prefix) is inside the list: a prefix must lie
// within one of its prefixes.
func (a *Allowlist) allowsExternal(x string) bool {
	p, err := netip.ParsePrefix(x)
	if err != nil {
		return a.Allows(x)
	}
	p = p.Masked()
	for _, q := range a.prefixes {
		if q.Bits() <= p.Bits() && q.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// shown is the list for an error message: its first entries, shortened.
func (a *Allowlist) shown() string {
	const most = 8
	if len(a.Entries) == 0 {
		return "nothing: the list is empty"
	}
	var parts []string
	for i, s := range a.Entries {
		if i == most {
			parts = append(parts, fmt.Sprintf("… %d more", len(a.Entries)-most))
			break
		}
		parts = append(parts, excerpt(s))
	}
	return strings.Join(parts, ", ")
}
