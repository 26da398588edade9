package experiments

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/gameday-dev/gameday/inject"
)

// KubernetesTarget is a set of pods in a Kubernetes cluster, where
// faults become Chaos Mesh objects made through the cluster's API.
type KubernetesTarget struct {
	Name       string
	Kubeconfig string // "" for $KUBECONFIG, else ~/.kube/config; ~ and a relative path are resolved
	Context    string // "" for the kubeconfig's current context
	Namespace  string // where the objects are made; "" for the context's
	Namespaces []string
	Labels     map[string]string
	Pods       map[string][]string // namespace → pod names
	Mode       string              // "all" (default), "one", "N" (fixed) or "N%" (fixed-percent)
	src        *source
}

var kubernetesTable = table[KubernetesTarget]{path: "targets.kubernetes[]", fields: []field[KubernetesTarget]{
	{"name", true, func(d *decoder, n *yaml.Node, t *KubernetesTarget) { t.Name = d.name(n) }},
	{"kubeconfig", false, func(d *decoder, n *yaml.Node, t *KubernetesTarget) { t.Kubeconfig = d.str(n) }},
	{"context", false, func(d *decoder, n *yaml.Node, t *KubernetesTarget) { t.Context = d.name(n) }},
	{"namespace", false, func(d *decoder, n *yaml.Node, t *KubernetesTarget) { t.Namespace = d.k8sName(n) }},
	{"namespaces", false, func(d *decoder, n *yaml.Node, t *KubernetesTarget) {
		d.each(n, "namespaces", func(it *yaml.Node) { t.Namespaces = append(t.Namespaces, d.k8sName(it)) })
	}},
	{"labels", false, func(d *decoder, n *yaml.Node, t *KubernetesTarget) { t.Labels = d.labels(n) }},
	{"pods", false, func(d *decoder, n *yaml.Node, t *KubernetesTarget) { t.Pods = d.podNames(n) }},
	{"mode", false, func(d *decoder, n *yaml.Node, t *KubernetesTarget) { t.Mode = d.podMode(n) }},
}, src: func(t *KubernetesTarget) **source { return &t.src }}

var k8sNameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// k8sName reads a namespace's name (a DNS label).
func (d *decoder) k8sName(n *yaml.Node) string {
	s, ok := d.scalar(n, "a namespace")
	if ok && !k8sNameRE.MatchString(s) {
		d.errf(n, "namespace %q: want at most 63 lowercase letters, digits and -, starting and ending with a letter or digit", short(s))
	}
	return s
}

var (
	labelKeyRE   = regexp.MustCompile(`^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`)
	labelValueRE = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$`)
)

// labels reads a label selector: keys and values as Kubernetes takes them.
func (d *decoder) labels(n *yaml.Node) map[string]string {
	out := d.strMap(n, "label names to values")
	n = d.resolve(n)
	if n.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !labelKeyRE.MatchString(k.Value) {
			d.errf(k, "label %q: want a Kubernetes label key, like app or app.kubernetes.io/name", short(k.Value))
		}
		if val := out[k.Value]; !labelValueRE.MatchString(val) {
			d.errf(v, "label %s: value %q: want at most 63 letters, digits and - _ ., starting and ending with a letter or digit", short(k.Value), short(val))
		}
	}
	return out
}

// podNames reads pods by name: namespace → names.
func (d *decoder) podNames(n *yaml.Node) map[string][]string {
	n = d.resolve(n)
	if d.over() {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errf(n, "want a mapping of namespaces to lists of pod names, got %s", kindName(n))
		return nil
	}
	out := map[string][]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		ns := d.k8sName(n.Content[i])
		out[ns] = d.strList(n.Content[i+1], "pod names")
	}
	return out
}

var podModeRE = regexp.MustCompile(`^([1-9][0-9]{0,5})(%?)$`)

// podMode reads how many of the selected pods a fault takes: all, one,
// N, or N%.
func (d *decoder) podMode(n *yaml.Node) string {
	s, ok := d.scalar(n, "all, one, a number of pods or a percent")
	if !ok {
		return ""
	}
	if s == "all" || s == "one" {
		return s
	}
	m := podModeRE.FindStringSubmatch(s)
	if m == nil {
		d.errf(n, "mode %q: want all, one, a number of pods like 2, or a percent of them like 50%%", short(s))
		return ""
	}
	if v, _ := strconv.Atoi(m[1]); m[2] == "%" && v > 100 {
		d.errf(n, "mode %s: at most 100%%", s)
	}
	return s
}

func short(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// chaosMode is a target's (or a fault's) mode as Chaos Mesh has it.
func chaosMode(mode string) (string, string) {
	switch {
	case mode == "" || mode == "all":
		return "all", ""
	case mode == "one":
		return "one", ""
	case strings.HasSuffix(mode, "%"):
		return "fixed-percent", strings.TrimSuffix(mode, "%")
	}
	return "fixed", mode
}

// Cluster is how to reach the target's cluster, its kubeconfig's path
// resolved (~ is the home directory; a relative path is relative to the
// experiment file).
func (t KubernetesTarget) Cluster(e *Experiment) inject.KubeCluster {
	path := t.Kubeconfig
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, rest)
		}
	} else if path != "" && e != nil {
		path = RelTo(e.File, path)
	}
	return inject.KubeCluster{Kubeconfig: path, Context: t.Context}
}

// selector is the target's pods as Chaos Mesh picks them, with mode (the
// fault's, else the target's).
func (t KubernetesTarget) selector(mode string) inject.ChaosSelector {
	if mode == "" {
		mode = t.Mode
	}
	m, v := chaosMode(mode)
	s := inject.ChaosSelector{Labels: t.Labels, Pods: t.Pods, Mode: m, Value: v}
	if len(t.Pods) == 0 {
		s.Namespaces = t.Namespaces
		if len(s.Namespaces) == 0 && t.Namespace != "" {
			s.Namespaces = []string{t.Namespace}
		}
	}
	return s
}

// kubernetes finds a Kubernetes target by name.
func (e *Experiment) kubernetes(name string) *KubernetesTarget {
	for i := range e.Targets.Kubernetes {
		if e.Targets.Kubernetes[i].Name == name {
			return &e.Targets.Kubernetes[i]
		}
	}
	return nil
}

// ChaosFault is the fault as a Chaos Mesh object: what the session
// creates when the block is triggered. Its own duration (the cluster
// ends it even if gameday dies) is the block's duration, or else the
// guardrail's longest time on, plus 5 s: gameday's halt comes first.
func (e *Experiment) ChaosFault(b Block) (inject.ChaosFault, error) {
	f := b.Fault
	if f == nil {
		return inject.ChaosFault{}, fmt.Errorf("block %q has no fault", b.Name)
	}
	row := faultKinds[f.Kind]
	if row.chaos == nil {
		return inject.ChaosFault{}, fmt.Errorf("%s is not a fault of Kubernetes targets", f.Kind)
	}
	t := e.kubernetes(f.Target)
	if t == nil {
		return inject.ChaosFault{}, fmt.Errorf("no Kubernetes target %q", f.Target)
	}
	d := b.Duration
	if d <= 0 || d > e.MaxFaultDuration() {
		d = e.MaxFaultDuration()
	}
	cf := inject.ChaosFault{Cluster: t.Cluster(e), Namespace: t.Namespace, Selector: t.selector(f.Mode),
		Duration: d + chaosGrace, Spec: map[string]any{}}
	var peer *KubernetesTarget
	if f.Peer != "" {
		if peer = e.kubernetes(f.Peer); peer == nil {
			return inject.ChaosFault{}, fmt.Errorf("no Kubernetes target %q to be the peer", f.Peer)
		}
	}
	cf.Kind = row.chaos(f, peer, &cf)
	return cf, cf.Validate()
}
