package experiments

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/gameday-dev/gameday/inject"
)

// kindRow is everything gameday knows of one fault kind, in one place:
// what it acts on, the parameters it takes (and what each means for this
// kind), how it reads in a line, and what it is on each kind of proxy.
// The validator, `gameday blocks`, the timeline and the session read it;
// a new kind is a new row.
type kindRow struct {
	target string // "proxy", "process", "kubernetes" or "" (no target)
	about  string
	// params are the keys the kind takes, per protocol of its proxy
	// (http, tcp, toxiproxy), or under "" for kinds without a proxy.
	params   map[string][]string
	required []string
	// docs say what a parameter means for this kind, where that differs
	// from the shared text (delay is the delay of latency, but the time
	// before a reset).
	docs     map[string]string
	describe func(f *Fault, scope, dir string) string
	// What the fault is on each kind of proxy; nil: not a fault of it.
	http  func(f *Fault, hf *inject.HTTPFault)
	tcp   func(f *Fault, tf *inject.TCPFault)
	toxic func(f *Fault) (typ string, attrs map[string]int64)
	// chaos fills in the Chaos Mesh object of a fault on a Kubernetes
	// target (peer: the target its network fault is between, if any)
	// and returns its kind.
	chaos func(f *Fault, peer *KubernetesTarget, cf *inject.ChaosFault) string
}

var faultKinds = map[FaultKind]kindRow{
	FaultLatency: {target: "proxy", about: "add delay ± jitter to requests (http) or to data (tcp)",
		params:   stream([]string{"delay", "jitter", "direction", "probability"}, "delay", "jitter", "match"),
		required: []string{"delay"}, docs: map[string]string{"delay": "duration: the delay added"},
		describe: func(f *Fault, scope, dir string) string {
			d := UnitMillis.Format(Millis(f.Delay))
			if f.Jitter > 0 {
				d += " ± " + UnitMillis.Format(Millis(f.Jitter))
			}
			return fmt.Sprintf("%s delay on %s%s%s", d, f.Target, dir, scope)
		},
		http: func(f *Fault, hf *inject.HTTPFault) { hf.Delay, hf.Jitter = f.Delay, f.Jitter },
		tcp:  func(f *Fault, tf *inject.TCPFault) { tf.Latency, tf.Jitter = f.Delay, f.Jitter },
		toxic: func(f *Fault) (string, map[string]int64) {
			return "latency", map[string]int64{"latency": f.Delay.Milliseconds(), "jitter": f.Jitter.Milliseconds()}
		},
	},
	FaultError: {target: "proxy", about: "answer an error status instead of forwarding (default 503, every request)",
		params: map[string][]string{ProtoHTTP: {"status", "probability", "match"}},
		describe: func(f *Fault, scope, _ string) string {
			return fmt.Sprintf("%s answered %d on %s%s", pct(f), f.StatusCode(), f.Target, scope)
		},
		http: func(f *Fault, hf *inject.HTTPFault) {
			hf.ErrorStatus, hf.ErrorProbability = f.StatusCode(), f.EffectiveProbability()
		},
	},
	FaultAbort: {target: "proxy", about: "reset the connection mid-request",
		params: map[string][]string{ProtoHTTP: {"probability", "match"}},
		describe: func(f *Fault, scope, _ string) string {
			return fmt.Sprintf("%s of requests to %s reset%s", pct(f), f.Target, scope)
		},
		http: func(f *Fault, hf *inject.HTTPFault) { hf.AbortProbability = f.EffectiveProbability() },
	},
	FaultBlackhole: {target: "proxy", about: "hold requests (http) or data (tcp) until halted, then let them through",
		params: map[string][]string{ProtoHTTP: {"match"}, ProtoTCP: {"direction", "probability", "drop"},
			ProtoToxiproxy: {"direction", "probability"}},
		docs: map[string]string{"drop": "bool, default false: read and discard the data instead of holding it (Toxiproxy's timeout toxic always discards)"},
		describe: func(f *Fault, scope, dir string) string {
			return fmt.Sprintf("traffic to %s held%s%s", f.Target, dir, scope)
		},
		http:  func(_ *Fault, hf *inject.HTTPFault) { hf.Blackhole = true },
		tcp:   func(f *Fault, tf *inject.TCPFault) { tf.Drop = f.Drop },
		toxic: func(*Fault) (string, map[string]int64) { return "timeout", map[string]int64{"timeout": 0} }, // hold until removed
	},
	FaultBandwidth: {target: "proxy", about: "limit the bytes per second",
		params: stream([]string{"rate", "direction", "probability"}), required: []string{"rate"},
		describe: func(f *Fault, _, dir string) string {
			return fmt.Sprintf("%s limited to %s/s%s", f.Target, formatBytes(f.Rate), dir)
		},
		tcp: func(f *Fault, tf *inject.TCPFault) { tf.Rate = f.Rate },
		toxic: func(f *Fault) (string, map[string]int64) {
			return "bandwidth", map[string]int64{"rate": max(f.Rate/1000, 1)} // KB/s
		},
	},
	FaultReset: {target: "proxy", about: "reset connections (after delay)",
		params: stream([]string{"delay", "direction", "probability"}),
		docs:   map[string]string{"delay": "duration, default 0: how long a connection lives before its reset"},
		describe: func(f *Fault, _, _ string) string {
			return fmt.Sprintf("connections to %s reset after %s", f.Target, FormatDuration(f.Delay.Seconds()))
		},
		tcp: func(f *Fault, tf *inject.TCPFault) { tf.Delay = f.Delay },
		toxic: func(f *Fault) (string, map[string]int64) {
			return "reset_peer", map[string]int64{"timeout": f.Delay.Milliseconds()}
		},
	},
	FaultSlowClose: {target: "proxy", about: "delay the close of connections",
		params: stream([]string{"delay", "probability"}), required: []string{"delay"},
		docs: map[string]string{"delay": "duration: how long a close is held back"},
		describe: func(f *Fault, _, _ string) string {
			return fmt.Sprintf("closes on %s delayed by %s", f.Target, FormatDuration(f.Delay.Seconds()))
		},
		tcp: func(f *Fault, tf *inject.TCPFault) { tf.Delay = f.Delay },
		toxic: func(f *Fault) (string, map[string]int64) {
			return "slow_close", map[string]int64{"delay": f.Delay.Milliseconds()}
		},
	},
	FaultDataLimit: {target: "proxy", about: "close a connection after so many bytes",
		params: stream([]string{"bytes", "direction", "probability"}), required: []string{"bytes"},
		describe: func(f *Fault, _, dir string) string {
			return fmt.Sprintf("connections to %s closed after %s%s", f.Target, formatBytes(f.Bytes), dir)
		},
		tcp: func(f *Fault, tf *inject.TCPFault) { tf.Bytes = f.Bytes },
		toxic: func(f *Fault) (string, map[string]int64) {
			return "limit_data", map[string]int64{"bytes": f.Bytes}
		},
	},
	FaultSlicing: {target: "proxy", about: "cut data into small pieces, delayed",
		params: stream([]string{"size", "variation", "delay", "direction", "probability"}), required: []string{"size"},
		docs: map[string]string{"delay": "duration, default 0: the pause between two pieces"},
		describe: func(f *Fault, _, dir string) string {
			return fmt.Sprintf("data to %s cut into %s pieces%s", f.Target, formatBytes(f.SliceSize), dir)
		},
		tcp: func(f *Fault, tf *inject.TCPFault) {
			tf.SliceSize, tf.SliceVariation, tf.SliceDelay = int(f.SliceSize), int(f.SliceVariation), f.Delay
		},
		toxic: func(f *Fault) (string, map[string]int64) {
			return "slicer", map[string]int64{"average_size": f.SliceSize, "size_variation": f.SliceVariation,
				"delay": f.Delay.Microseconds()}
		},
	},
	FaultPause: {target: "process", about: "stop the process (SIGSTOP), continue it on halt; below full intensity, paused that share of each period",
		params: map[string][]string{"": {"period"}},
		docs:   map[string]string{"period": "duration, default 1s: at intensity x (+ and -, a curve) the process is paused x of each period"},
		describe: func(f *Fault, _, _ string) string {
			return fmt.Sprintf("process %s paused (SIGSTOP)", f.Target)
		},
	},
	FaultKill: {target: "process", about: "kill the process (SIGKILL); restart it on halt",
		params: map[string][]string{"": {"restart"}},
		describe: func(f *Fault, _, _ string) string {
			if f.Restart {
				return fmt.Sprintf("process %s killed, restarted on halt", f.Target)
			}
			return fmt.Sprintf("process %s killed", f.Target)
		},
	},
	FaultCommand: {about: "run a command, and its revert command on halt",
		params: map[string][]string{"": {"start", "revert"}}, required: []string{"start", "revert"},
		describe: func(f *Fault, _, _ string) string {
			if f.Start == nil {
				return "runs a command"
			}
			return "runs " + strings.Join(f.Start.Argv, " ")
		},
	},
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
	return slices.Sorted(func(yield func(string) bool) {
		for k := range faultKinds {
			if !yield(string(k)) {
				return
			}
		}
	})
}

// OnProxy reports whether faults of kind k act on a proxy (gameday's own
// or a Toxiproxy server's).
func (k FaultKind) OnProxy() bool { return faultKinds[k].target == "proxy" }

// OnKubernetes reports whether faults of kind k are Chaos Mesh objects
// in a Kubernetes cluster.
func (k FaultKind) OnKubernetes() bool { return faultKinds[k].target == "kubernetes" }

// Describe renders what a fault does, for the catalog and the timeline.
func (f Fault) Describe() string {
	row, ok := faultKinds[f.Kind]
	if !ok {
		return string(f.Kind) + " on " + f.Target
	}
	scope := ""
	if f.Method != "" || f.PathPrefix != "" || len(f.Header) > 0 {
		var parts []string
		for _, s := range []string{f.Method, f.PathPrefix} {
			if s != "" {
				parts = append(parts, s)
			}
		}
		for _, h := range slices.Sorted(maps.Keys(f.Header)) {
			parts = append(parts, h+": "+f.Header[h])
		}
		scope = " (" + strings.Join(parts, " ") + ")"
	}
	dir := ""
	if f.Direction != "" {
		dir = " " + f.Direction
	}
	return row.describe(&f, scope, dir)
}

func pct(f *Fault) string { return UnitPercent.Format(f.EffectiveProbability() * 100) }

// HTTPFault is the fault on one of gameday's HTTP proxies.
func (f *Fault) HTTPFault() (inject.HTTPFault, error) {
	row := faultKinds[f.Kind]
	if row.http == nil {
		return inject.HTTPFault{}, fmt.Errorf("%s is not a fault of http proxies", f.Kind)
	}
	hf := inject.HTTPFault{Method: f.Method, PathPrefix: f.PathPrefix}
	if len(f.Header) > 0 {
		hf.Header = http.Header{}
		for k, v := range f.Header {
			hf.Header.Set(k, v)
		}
	}
	row.http(f, &hf)
	return hf, nil
}

// TCPFault is the fault on one of gameday's TCP proxies.
func (f *Fault) TCPFault() (inject.TCPFault, error) {
	row := faultKinds[f.Kind]
	if row.tcp == nil {
		return inject.TCPFault{}, fmt.Errorf("%s is not a fault of tcp proxies", f.Kind)
	}
	prob := f.EffectiveProbability()
	tf := inject.TCPFault{Kind: inject.TCPFaultKind(f.Kind), Direction: inject.Direction(f.Direction), Probability: &prob}
	row.tcp(f, &tf)
	return tf, tf.Validate()
}

// ToxicFault is the fault as a toxic on a proxy of a Toxiproxy server.
func (f *Fault) ToxicFault(t ToxiproxyTarget) (inject.ToxicFault, error) {
	row := faultKinds[f.Kind]
	if row.toxic == nil {
		return inject.ToxicFault{}, fmt.Errorf("%s is not a fault of toxiproxy proxies", f.Kind)
	}
	proxy := t.Proxy
	if proxy == "" {
		proxy = t.Name
	}
	stream := f.Direction
	if stream == "" {
		stream = "downstream"
	}
	typ, attrs := row.toxic(f)
	return inject.ToxicFault{Server: t.Server, Proxy: proxy, Stream: stream, Toxicity: f.EffectiveProbability(),
		Type: typ, Attributes: attrs}, nil
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

// paramAbout is what a parameter means, unless its kind says otherwise.
var paramAbout = map[string]string{
	"jitter":      "duration, default 0: ± uniform spread",
	"match":       "{method, path, headers}, default every request",
	"status":      "HTTP status, default 503",
	"probability": "default 100%: per request (http), per connection (tcp)",
	"direction":   "upstream, downstream or both; default downstream (Kubernetes: to, from or both; default to)",
	"rate":        "bandwidth like 100KB/s",
	"bytes":       "size like 64KB",
	"size":        "size of a piece, like 16B",
	"variation":   "size, default 0: ± spread of a piece",
	"restart":     "bool, default false: start the process again on halt",
	"drop":        "bool, default false",
	"start":       "command to start the fault (argv, or {command, shell, timeout})",
	"correlation": "percent, default 0: how much a packet's fate follows the one before",
	"peer":        "a Kubernetes target: the fault acts on traffic between the pods and its pods",
	"external":    "hosts or CIDRs outside the cluster the fault acts on traffic with",
	"mode":        "all, one, N or N%, default the target's: how many of the selected pods",
	"containers":  "list of container names",
	"port":        "the pods' HTTP port the fault acts on",
	"workers":     "whole number, default 1: stress workers per container",
	"revert":      "command to revert it, run on halt and by gameday recover",
}

// FaultKinds lists the fault kinds with their parameters.
func FaultKinds() []KindInfo {
	var out []KindInfo
	for _, name := range faultKindNames() {
		row := faultKinds[FaultKind(name)]
		info := KindInfo{Kind: FaultKind(name), About: row.about, On: row.target}
		seen := map[string]bool{}
		var protos []string
		for proto, ps := range row.params {
			if proto != "" {
				protos = append(protos, proto)
			}
			for _, p := range ps {
				if !seen[p] {
					seen[p] = true
					about := paramAbout[p]
					if d, ok := row.docs[p]; ok {
						about = d
					}
					if slices.Contains(row.required, p) {
						about = "required; " + about
					}
					info.Params = append(info.Params, ParamInfo{Name: p, About: about})
				}
			}
		}
		sort.Strings(protos)
		switch {
		case row.target == "proxy":
			info.On = strings.Join(protos, " or ") + " proxy"
		case row.target == "":
			info.On = "no target"
		case row.target == "kubernetes":
			info.On = "Kubernetes pods"
		}
		sort.Slice(info.Params, func(i, j int) bool { return info.Params[i].Name < info.Params[j].Name })
		out = append(out, info)
	}
	return out
}
