package experiments_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const kubeBase = `name: kube
targets:
  kubernetes:
    - {name: inventory, kubeconfig: kc.yaml, context: test, namespace: shop, labels: {app: inventory}}
    - {name: checkout, namespace: shop, labels: {app: checkout}, mode: 50%}
guardrails: {max_fault_duration: 2m}
blocks:
  - {name: slow, fault: {kind: net-delay, target: inventory, delay: 100ms, jitter: 20ms, direction: to, peer: checkout}}
`

// The Chaos Mesh object a block becomes: its kind, its spec at full
// intensity, its own duration, and what intensity scales.
func TestChaosFaultOfABlock(t *testing.T) {
	exps, errs := parse(t, kubeBase+
		"  - {name: killer, fault: {kind: pod-kill, target: checkout}, duration: 30s}\n"+
		"  - {name: cpu, fault: {kind: stress-cpu, target: checkout, workers: 2, load: 80%, mode: one}}\n"+
		"  - {name: teapot, fault: {kind: http-status, target: inventory, port: 8080, status: 418, match: {path: /api, method: GET}}}\n")
	if errs != nil {
		t.Fatal(errs)
	}
	e := exps[0]
	cf, err := e.ChaosFault(e.Blocks[0])
	if err != nil {
		t.Fatal(err)
	}
	if cf.Kind != "NetworkChaos" || cf.Namespace != "shop" || cf.Cluster.Context != "test" || !strings.HasSuffix(cf.Cluster.Kubeconfig, "kc.yaml") {
		t.Errorf("kind %s, namespace %s, cluster %+v", cf.Kind, cf.Namespace, cf.Cluster)
	}
	if cf.Duration != 2*time.Minute+5*time.Second {
		t.Errorf("its own duration is %v; want the guardrail's 2m and 5s of grace", cf.Duration)
	}
	spec, _ := json.Marshal(cf.SpecAt(1))
	for _, want := range []string{`"action":"delay"`, `"latency":"100ms"`, `"jitter":"20ms"`, `"direction":"to"`,
		`"target":{"mode":"fixed-percent","selector":{"labelSelectors":{"app":"checkout"},"namespaces":["shop"]},"value":"50"}`} {
		if !strings.Contains(string(spec), want) {
			t.Errorf("spec %s lacks %s", spec, want)
		}
	}
	if cf.Selector.Mode != "all" || cf.Selector.Labels["app"] != "inventory" || len(cf.Selector.Namespaces) != 1 {
		t.Errorf("selector %+v", cf.Selector)
	}
	if len(cf.Scalars) != 2 || cf.Scalars[0].Full != 100 || cf.Scalars[1].Full != 20 {
		t.Errorf("scalars %+v; want the delay and the jitter", cf.Scalars)
	}

	kill, _ := e.ChaosFault(e.Blocks[1])
	if kill.Kind != "PodChaos" || kill.Selector.Mode != "fixed-percent" || kill.Selector.Value != "50" || kill.Duration != 35*time.Second {
		t.Errorf("pod-kill: %+v", kill)
	}
	if len(kill.Scalars) != 1 || kill.Scalars[0].Path[0] != "value" {
		t.Errorf("a pod-kill of 50%% of the pods scales the share of pods: %+v", kill.Scalars)
	}
	cpu, _ := e.ChaosFault(e.Blocks[2])
	if spec, _ := json.Marshal(cpu.SpecAt(1)); !strings.Contains(string(spec), `"cpu":{"load":80,"workers":2}`) || cpu.Selector.Mode != "one" {
		t.Errorf("stress-cpu: %s, mode %s", spec, cpu.Selector.Mode)
	}
	teapot, _ := e.ChaosFault(e.Blocks[3])
	spec, _ = json.Marshal(teapot.SpecAt(1))
	for _, want := range []string{`"method":"GET"`, `"path":"/api/*"`, `"port":8080`, `"replace":{"code":418}`, `"target":"Response"`} {
		if !strings.Contains(string(spec), want) {
			t.Errorf("http-status: %s lacks %s", spec, want)
		}
	}
	if got := e.Blocks[0].Fault.Describe(); got != "100 ms ± 20 ms network delay on inventory (to checkout)" {
		t.Errorf("describe: %q", got)
	}
}

// Mistakes in Kubernetes targets and their faults are reported where
// they are, with what was expected.
func TestKubernetesErrors(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"proxy kind on pods", kubeBase + "  - {name: x, fault: {kind: latency, target: inventory, delay: 1s}}\n",
			`9:46: block "x": no proxy "inventory" ("inventory" is a Kubernetes target: its faults are container-kill, http-abort`},
		{"pods kind on a proxy name", kubeBase + "  - {name: x, fault: {kind: pod-kill, target: api}}\n",
			`9:47: block "x": no Kubernetes target "api" (declared: inventory, checkout)`},
		{"proxy direction", strings.Replace(kubeBase, "direction: to", "direction: upstream", 1),
			`8:101: block "slow": direction "upstream" is not one of a net-delay fault's: to, from, both`},
		{"unknown peer", strings.Replace(kubeBase, "peer: checkout", "peer: checkuot", 1),
			`8:111: block "slow": no Kubernetes target "checkuot" to be the peer`},
		{"bad mode", strings.Replace(kubeBase, "mode: 50%", "mode: 150%", 1),
			`5:72: mode 150%: at most 100%`},
		{"mode of nothing", strings.Replace(kubeBase, "mode: 50%", "mode: some", 1),
			`5:72: mode "some": want all, one, a number of pods like 2, or a percent of them like 50%`},
		{"bad namespace", strings.Replace(kubeBase, "namespace: shop,", "namespace: Shop_1,", 1),
			`4:72: namespace "Shop_1": want at most 63 lowercase letters`},
		{"bad label", strings.Replace(kubeBase, "{app: inventory}", "{app: in ventory}", 1),
			`label app: value "in ventory"`},
		{"no selector", strings.Replace(kubeBase, ", namespace: shop, labels: {app: inventory}", "", 1),
			`the selector picks no pods: give namespaces, labels or pods`},
		{"a curve on all the pods", kubeBase + "  - {name: x, fault: {kind: pod-kill, target: inventory}, curve: {shape: ramp, over: 10s}}\n",
			`block "x": a curve scales a fault's intensity, and a pod-kill with mode all has none`},
		{"http without port", kubeBase + "  - {name: x, fault: {kind: http-abort, target: inventory}}\n",
			`9:22: block "x": a http-abort fault needs port`},
		{"bad external", kubeBase + "  - {name: x, fault: {kind: net-partition, target: inventory, external: [\"a b\"]}}\n",
			`block "x": external "a b": want a host name, an IP address or a CIDR`},
		{"a parameter of another kind", kubeBase + "  - {name: x, fault: {kind: pod-kill, target: inventory, delay: 1s}}\n",
			`block "x": delay does not apply to a pod-kill fault (it takes mode)`},
		{"two targets of one name", strings.Replace(kubeBase, "name: checkout,", "name: inventory,", 1),
			`Kubernetes target "inventory" is defined twice`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := parse(t, tc.src)
			wantErrors(t, errs, []string{tc.want})
		})
	}
}
