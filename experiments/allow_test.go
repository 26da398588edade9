package experiments_test

import (
	"strings"
	"testing"

	"github.com/gameday-dev/gameday/experiments"
)

// allowBase has a network target of every kind, all on loopback or
// named; each case adds an allow: list and changes one target.
const allowBase = `name: allowed
targets:
  proxies:
    - {name: api, upstream: "http://127.0.0.1:9000"}
    - {name: db, protocol: tcp, upstream: "[::1]:5432"}
  toxiproxy:
    - {name: cache, server: "http://localhost:8474"}
load:
  - {name: checkout, url: "http://127.0.0.1:8080/checkout", rate: 50/s}
probes:
  - {name: queue, kind: scrape, url: "http://127.0.0.1:8080/metrics", metric: q}
  - {name: health, kind: http, url: "http://LOCALHOST.:8080/healthz"}
  - {name: ping, kind: tcp, address: "127.0.0.2:6379"}
  - {name: errors, kind: promql, server: "http://[::ffff:127.0.0.1]:9090", query: up}
assumptions:
  - {name: p99, series: checkout, aggregate: p99, below: 250ms}
blocks:
  - {name: slow, fault: {kind: latency, target: api, delay: 300ms}}
`

func TestAllow(t *testing.T) {
	env := map[string]string{"INTERNAL": "10.9.8.7", "SHOP": "10.1.2.3:8080"}
	lookup := experiments.WithEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	const allow = "allow: [127.0.0.0/8, \"::1\", localhost]\n"
	cases := []struct {
		name string
		src  string
		want []string // "LINE:COL: substring"; none: the file is valid
	}{
		{"every target inside", allowBase + allow, nil},
		{"no allowlist allows everything", strings.Replace(allowBase, "127.0.0.1:8080/checkout", "10.1.2.3/checkout", 1), nil},
		{"a load outside", strings.Replace(allowBase+allow, "127.0.0.1:8080/checkout", "10.1.2.3:8080/checkout", 1),
			[]string{`9:27: load "checkout": host 10.1.2.3 is outside allow: (127.0.0.0/8, ::1, localhost)`}},
		{"a proxy upstream outside", strings.Replace(allowBase+allow, "http://127.0.0.1:9000", "http://[2001:db8::1]:9000", 1),
			[]string{`4:29: proxy "api": its upstream: host 2001:db8::1 is outside allow`}},
		{"a tcp upstream outside", strings.Replace(allowBase+allow, "[::1]:5432", "192.168.0.10:5432", 1),
			[]string{`5:43: proxy "db": its upstream: host 192.168.0.10 is outside allow`}},
		{"a Toxiproxy server outside", strings.Replace(allowBase+allow, "localhost:8474", "toxi.internal:8474", 1),
			[]string{`7:29: Toxiproxy proxy "cache": its server: host toxi.internal is outside allow`,
				`add toxi.internal to allow, or use its address`}},
		{"a host name is not resolved", allowBase + "allow: [127.0.0.0/8]\n",
			[]string{`7:29: Toxiproxy proxy "cache": its server: host localhost is outside allow: (127.0.0.0/8); a host name is matched by name, never resolved`,
				`12:37: probe "health": host LOCALHOST. is outside allow`}},
		{"probes of each kind outside", strings.NewReplacer("127.0.0.1:8080/metrics", "10.0.0.1:8080/metrics",
			"127.0.0.2:6379", "10.0.0.2:6379", "[::ffff:127.0.0.1]", "[::ffff:10.0.0.3]").Replace(allowBase + allow),
			[]string{`11:38: probe "queue": host 10.0.0.1 is outside allow`, `13:38: probe "ping": host 10.0.0.2 is outside allow`,
				`14:42: probe "errors": host ::ffff:10.0.0.3 is outside allow`}},
		{"a substituted host, checked after substitution", strings.Replace(allowBase+allow, "127.0.0.1:8080/checkout", "${SHOP}/checkout", 1),
			[]string{`9:27: load "checkout": host 10.1.2.3 is outside allow`}},
		{"a CIDR and a name from the environment", strings.Replace(allowBase, "127.0.0.1:8080/checkout", "${INTERNAL}/checkout", 1) +
			"allow: [\"${INTERNAL}/32\", 127.0.0.0/8, \"::1\", localhost]\n", nil},
		{"a host from a secret is not printed", strings.Replace(allowBase+allow, "127.0.0.1:8080/checkout", "${INTERNAL}/checkout", 1) +
			"secrets: [INTERNAL]\n", []string{`9:27: load "checkout": its host (a secret value) is outside allow`}},
		{"a bad CIDR", allowBase + "allow: [127.0.0.0/33, localhost]\n",
			[]string{`19:9: allow: "127.0.0.0/33" is not a CIDR prefix: want an IP address and a prefix length, like 10.20.0.0/16`}},
		{"a URL", allowBase + "allow: [\"http://localhost\"]\n", []string{`19:9: allow: "http://localhost": want a host name, an IP address or a CIDR prefix, without a scheme`}},
		{"a port", allowBase + "allow: [\"localhost:80\"]\n", []string{`19:9: allow: "localhost:80": want a host without a port`}},
		{"a wildcard", allowBase + "allow: [\"*.internal\"]\n", []string{`19:9: allow: "*.internal": wildcards are not supported`}},
		{"not a host", allowBase + "allow:\n  - 127.0.0.0/8\n  - not a host\n", []string{`21:5: allow: "not a host" is not a host name, an IP address or a CIDR prefix`}},
		{"not a list", allowBase + "allow: localhost\n", []string{`19:8: want a list of host names, IP addresses and CIDR prefixes, got "localhost"`}},
		{"an IPv6 address unquoted in a flow list", allowBase + "allow: [127.0.0.0/8, ::1]\n",
			[]string{`19:22: not valid YAML: did not find expected node content (an IPv6 address inside [...] or {...} must be quoted: "::1")`}},
		{"an empty list allows nothing", allowBase + "allow: []\n",
			[]string{`9:27: load "checkout": host 127.0.0.1 is outside allow: (nothing: the list is empty)`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			exps, errs := parse(t, tc.src, lookup)
			if tc.want == nil {
				if errs != nil {
					t.Fatalf("want valid, got:\n%v", errs)
				}
				if exps[0].Allow != nil && len(exps[0].Allow.Entries) == 0 {
					t.Fatalf("allow: read no entries")
				}
				return
			}
			wantErrors(t, errs, tc.want)
			if strings.Contains(errs.Error(), "10.9.8.7") {
				t.Errorf("an error prints a secret:\n%s", errs.Error())
			}
		})
	}
}

func TestAllowlistAllows(t *testing.T) {
	a, err := experiments.NewAllowlist("10.20.0.0/16", "fd00::/8", "192.0.2.7", "Staging.Internal.")
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{
		"10.20.3.4": true, "10.21.0.1": false, "::ffff:10.20.0.1": true, "fd12::1": true, "fe80::1": false,
		"192.0.2.7": true, "192.0.2.8": false, "staging.internal": true, "STAGING.INTERNAL.": true,
		"other.internal": false, "": false, "localhost": false,
	} {
		if got := a.Allows(host); got != want {
			t.Errorf("Allows(%q) = %v, want %v", host, got, want)
		}
	}
	local, _ := experiments.NewAllowlist("::1")
	if !local.Allows("") {
		t.Error(`"" (this machine) is not inside an allowlist of ::1`)
	}
	var none *experiments.Allowlist
	if !none.Allows("anything.example") {
		t.Error("no allowlist must allow everything")
	}
	if _, err := experiments.NewAllowlist("10.0.0.0/8", "10.0.0.0/99"); err == nil || !strings.Contains(err.Error(), `"10.0.0.0/99"`) {
		t.Errorf("a bad prefix: %v", err)
	}
}
