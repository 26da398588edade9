package experiments

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// Fault kinds on Kubernetes targets: each is one Chaos Mesh object.
const (
	FaultNetDelay      FaultKind = "net-delay"      // NetworkChaos delay
	FaultNetLoss       FaultKind = "net-loss"       // NetworkChaos loss
	FaultNetDuplicate  FaultKind = "net-duplicate"  // NetworkChaos duplicate
	FaultNetCorrupt    FaultKind = "net-corrupt"    // NetworkChaos corrupt
	FaultNetBandwidth  FaultKind = "net-bandwidth"  // NetworkChaos bandwidth
	FaultNetPartition  FaultKind = "net-partition"  // NetworkChaos partition
	FaultPodKill       FaultKind = "pod-kill"       // PodChaos pod-kill
	FaultPodFailure    FaultKind = "pod-failure"    // PodChaos pod-failure
	FaultContainerKill FaultKind = "container-kill" // PodChaos container-kill
	FaultHTTPDelay     FaultKind = "http-delay"     // HTTPChaos delay
	FaultHTTPAbort     FaultKind = "http-abort"     // HTTPChaos abort
	FaultHTTPStatus    FaultKind = "http-status"    // HTTPChaos replace code
	FaultStressCPU     FaultKind = "stress-cpu"     // StressChaos cpu
	FaultStressMemory  FaultKind = "stress-memory"  // StressChaos memory
)

// chaosGrace is what a Chaos Mesh object's own duration has beyond the
// longest gameday keeps the block on: gameday's halt comes first, the
// cluster's end only when gameday is gone.
const chaosGrace = 5 * time.Second

// Chaos Mesh's bandwidth action needs a queue limit and a burst; these
// are its documentation's example values, which suit a shaped link.
const (
	chaosBandwidthLimit  = 20971520
	chaosBandwidthBuffer = 10000
)

func kube(params ...string) map[string][]string {
	return map[string][]string{"": append(params, "mode")}
}

// netParams are what every NetworkChaos kind takes besides its own.
var netParams = []string{"direction", "peer", "external"}

var kubeKinds = map[FaultKind]kindRow{
	FaultNetDelay: {target: "kubernetes", about: "delay the pods' network packets (Chaos Mesh NetworkChaos)",
		params: kube(append([]string{"delay", "jitter", "correlation"}, netParams...)...), required: []string{"delay"},
		docs: map[string]string{"delay": "duration: the delay added to each packet"},
		describe: func(f *Fault, _, _ string) string {
			d := UnitMillis.Format(Millis(f.Delay))
			if f.Jitter > 0 {
				d += " ± " + UnitMillis.Format(Millis(f.Jitter))
			}
			return fmt.Sprintf("%s network delay on %s%s", d, f.Target, kubeScope(f))
		},
		chaos: func(f *Fault, peer *KubernetesTarget, cf *inject.ChaosFault) string {
			d := map[string]any{}
			cf.Scalars = append(cf.Scalars, inject.ChaosScalar{Path: []string{"delay", "latency"}, Full: float64(f.Delay.Milliseconds()), Unit: inject.ScalarMillis})
			if f.Jitter > 0 {
				cf.Scalars = append(cf.Scalars, inject.ChaosScalar{Path: []string{"delay", "jitter"}, Full: float64(f.Jitter.Milliseconds()), Unit: inject.ScalarMillis})
			}
			if f.Correlation > 0 {
				d["correlation"] = percentText(f.Correlation)
			}
			return network(f, peer, cf, "delay", d)
		},
	},
	FaultNetLoss:      netPercent("loss", "drop a share of the pods' network packets"),
	FaultNetDuplicate: netPercent("duplicate", "duplicate a share of the pods' network packets"),
	FaultNetCorrupt:   netPercent("corrupt", "corrupt a share of the pods' network packets"),
	FaultNetBandwidth: {target: "kubernetes", about: "limit the pods' network bandwidth (Chaos Mesh NetworkChaos)",
		params: kube(append([]string{"rate"}, netParams...)...), required: []string{"rate"},
		describe: func(f *Fault, _, _ string) string {
			return fmt.Sprintf("network of %s limited to %s/s%s", f.Target, formatBytes(f.Rate), kubeScope(f))
		},
		chaos: func(f *Fault, peer *KubernetesTarget, cf *inject.ChaosFault) string {
			cf.Scalars = append(cf.Scalars, inject.ChaosScalar{Path: []string{"bandwidth", "rate"}, Full: float64(f.Rate), Unit: inject.ScalarBitRate, Inverse: true})
			return network(f, peer, cf, "bandwidth", map[string]any{"limit": int64(chaosBandwidthLimit), "buffer": int64(chaosBandwidthBuffer)})
		},
	},
	FaultNetPartition: {target: "kubernetes", about: "cut the pods off the network: from their peer, external hosts, or all (Chaos Mesh NetworkChaos)",
		params: kube(netParams...),
		describe: func(f *Fault, _, _ string) string {
			return fmt.Sprintf("%s partitioned%s", f.Target, kubeScope(f))
		},
		chaos: func(f *Fault, peer *KubernetesTarget, cf *inject.ChaosFault) string {
			podShare(cf)
			return network(f, peer, cf, "partition", nil)
		},
	},
	FaultPodKill:    podKind("pod-kill", "kill pods (Kubernetes starts them again)", "pods of %[1]s killed"),
	FaultPodFailure: podKind("pod-failure", "make pods fail (their containers' images swapped for a pause image) until halted", "pods of %[1]s failing"),
	FaultContainerKill: func() kindRow {
		r := podKind("container-kill", "kill containers of the pods", "containers %[2]s of %[1]s killed")
		r.params = kube("containers")
		r.required = []string{"containers"}
		return r
	}(),
	FaultHTTPDelay: httpKind("delay requests to the pods' HTTP port", []string{"delay"},
		func(f *Fault) string { return UnitMillis.Format(Millis(f.Delay)) + " delay on HTTP to " },
		func(f *Fault, spec map[string]any, cf *inject.ChaosFault) {
			cf.Scalars = append(cf.Scalars, inject.ChaosScalar{Path: []string{"delay"}, Full: float64(f.Delay.Milliseconds()), Unit: inject.ScalarMillis})
		}),
	FaultHTTPAbort: httpKind("abort requests to the pods' HTTP port", nil,
		func(*Fault) string { return "HTTP requests aborted on " },
		func(_ *Fault, spec map[string]any, _ *inject.ChaosFault) { spec["abort"] = true }),
	FaultHTTPStatus: httpKind("answer requests to the pods' HTTP port with a status", []string{"status"},
		func(f *Fault) string { return fmt.Sprintf("HTTP answered %d on ", f.StatusCode()) },
		func(f *Fault, spec map[string]any, _ *inject.ChaosFault) {
			spec["target"] = "Response"
			spec["replace"] = map[string]any{"code": int64(f.StatusCode())}
		}),
	FaultStressCPU: {target: "kubernetes", about: "load the pods' CPUs (Chaos Mesh StressChaos)",
		params: kube("workers", "load"),
		docs:   map[string]string{"load": "percent, default 100%: how busy each worker keeps its CPU"},
		describe: func(f *Fault, _, _ string) string {
			return fmt.Sprintf("%d CPU worker(s) at %s on %s", workers(f), UnitPercent.Format(cpuLoad(f)*100), f.Target)
		},
		chaos: func(f *Fault, _ *KubernetesTarget, cf *inject.ChaosFault) string {
			cf.Spec["stressors"] = map[string]any{"cpu": map[string]any{"workers": int64(workers(f))}}
			cf.Scalars = append(cf.Scalars, inject.ChaosScalar{Path: []string{"stressors", "cpu", "load"}, Full: cpuLoad(f) * 100, Unit: inject.ScalarInt})
			return "StressChaos"
		},
	},
	FaultStressMemory: {target: "kubernetes", about: "fill the pods' memory (Chaos Mesh StressChaos)",
		params: kube("workers", "size"), required: []string{"size"},
		docs: map[string]string{"size": "size like 256MB: what each worker allocates"},
		describe: func(f *Fault, _, _ string) string {
			return fmt.Sprintf("%d memory worker(s) of %s on %s", workers(f), formatBytes(f.SliceSize), f.Target)
		},
		chaos: func(f *Fault, _ *KubernetesTarget, cf *inject.ChaosFault) string {
			cf.Spec["stressors"] = map[string]any{"memory": map[string]any{"workers": int64(workers(f))}}
			cf.Scalars = append(cf.Scalars, inject.ChaosScalar{Path: []string{"stressors", "memory", "size"}, Full: float64(f.SliceSize), Unit: inject.ScalarBytes})
			return "StressChaos"
		},
	},
}

func init() { maps.Copy(faultKinds, kubeKinds) }

func percentText(p float64) string { return strconv.FormatFloat(p*100, 'f', -1, 64) }

func workers(f *Fault) int {
	if f.Workers > 0 {
		return f.Workers
	}
	return 1
}

func cpuLoad(f *Fault) float64 {
	if f.CPULoad > 0 {
		return f.CPULoad
	}
	return 1
}

// kubeScope says to whom a network fault applies: " (to payments)".
func kubeScope(f *Fault) string {
	var to []string
	if f.Peer != "" {
		to = append(to, f.Peer)
	}
	to = append(to, f.External...)
	dir := f.Direction
	if dir == "" {
		dir = "to"
	}
	if len(to) == 0 {
		return ""
	}
	return fmt.Sprintf(" (%s %s)", dir, strings.Join(to, ", "))
}

// network fills in a NetworkChaos of action with its part.
func network(f *Fault, peer *KubernetesTarget, cf *inject.ChaosFault, action string, part map[string]any) string {
	cf.Spec["action"] = action
	if part != nil {
		cf.Spec[action] = part
	}
	if f.Direction != "" {
		cf.Spec["direction"] = f.Direction
	}
	if peer != nil {
		cf.Spec["target"] = peer.selector("").Spec()
	}
	if len(f.External) > 0 {
		cf.Spec["externalTargets"] = inject.ToAnySlice(f.External)
	}
	return "NetworkChaos"
}

func netPercent(action, about string) kindRow {
	return kindRow{target: "kubernetes", about: about + " (Chaos Mesh NetworkChaos)",
		params: kube(append([]string{"probability", "correlation"}, netParams...)...), required: []string{"probability"},
		docs: map[string]string{"probability": "percent like 10%: the share of packets"},
		describe: func(f *Fault, _, _ string) string {
			return fmt.Sprintf("%s of packets of %s %s%s", UnitPercent.Format(f.Probability*100), f.Target, pastTense(action), kubeScope(f))
		},
		chaos: func(f *Fault, peer *KubernetesTarget, cf *inject.ChaosFault) string {
			part := map[string]any{}
			if f.Correlation > 0 {
				part["correlation"] = percentText(f.Correlation)
			}
			cf.Scalars = append(cf.Scalars, inject.ChaosScalar{Path: []string{action, action}, Full: f.Probability * 100, Unit: inject.ScalarPercent})
			return network(f, peer, cf, action, part)
		},
	}
}

func pastTense(action string) string {
	switch action {
	case "loss":
		return "lost"
	case "duplicate":
		return "duplicated"
	}
	return action + "ed"
}

// podKind is a PodChaos action; its intensity is the share of pods, when
// its mode is a number or a percent of them.
func podKind(action, about, format string) kindRow {
	return kindRow{target: "kubernetes", about: about + " (Chaos Mesh PodChaos)", params: kube(),
		describe: func(f *Fault, _, _ string) string {
			return fmt.Sprintf(format, f.Target, strings.Join(f.Containers, ", "))
		},
		chaos: func(f *Fault, _ *KubernetesTarget, cf *inject.ChaosFault) string {
			cf.Spec["action"] = action
			if len(f.Containers) > 0 {
				cf.Spec["containerNames"] = inject.ToAnySlice(f.Containers)
			}
			podShare(cf)
			return "PodChaos"
		},
	}
}

// podShare makes the share of pods the fault's intensity, when its mode
// counts them.
func podShare(cf *inject.ChaosFault) {
	if v, err := strconv.Atoi(cf.Selector.Value); err == nil && (cf.Selector.Mode == "fixed" || cf.Selector.Mode == "fixed-percent") {
		cf.Scalars = append(cf.Scalars, inject.ChaosScalar{Path: []string{"value"}, Full: float64(v), Unit: inject.ScalarCount})
	}
}

// httpKind is an HTTPChaos on the pods' port, of requests that match.
func httpKind(about string, required []string, what func(*Fault) string, fill func(*Fault, map[string]any, *inject.ChaosFault)) kindRow {
	return kindRow{target: "kubernetes", about: about + " (Chaos Mesh HTTPChaos)",
		params: kube(append([]string{"port", "match"}, required...)...), required: append([]string{"port"}, required...),
		describe: func(f *Fault, scope, _ string) string {
			return fmt.Sprintf("%s%s:%d%s", what(f), f.Target, f.Port, scope)
		},
		chaos: func(f *Fault, _ *KubernetesTarget, cf *inject.ChaosFault) string {
			cf.Spec["target"] = "Request"
			cf.Spec["port"] = int64(f.Port)
			path := "*"
			if f.PathPrefix != "" {
				path = strings.TrimSuffix(f.PathPrefix, "/") + "/*"
			}
			cf.Spec["path"] = path
			if f.Method != "" {
				cf.Spec["method"] = f.Method
			}
			if len(f.Header) > 0 {
				h := map[string]any{}
				for k, v := range f.Header {
					h[k] = v
				}
				cf.Spec["request_headers"] = h
			}
			fill(f, cf.Spec, cf)
			if len(cf.Scalars) == 0 {
				podShare(cf)
			}
			return "HTTPChaos"
		},
	}
}
