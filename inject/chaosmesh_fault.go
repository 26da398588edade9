package inject

import (
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ChaosFault is one Chaos Mesh object to create in a cluster: the engine
// inside the cluster injects it into the pods its selector picks.
type ChaosFault struct {
	Cluster KubeCluster
	// Namespace is where the object is made; "" is the context's (else
	// "default"). The pods it acts on are the Selector's.
	Namespace string
	Kind      string // NetworkChaos, PodChaos, HTTPChaos or StressChaos
	Selector  ChaosSelector
	// Spec is the rest of the object's spec, at full intensity: action,
	// delay, stressors... Its selector, mode, value and duration are
	// the injector's (from Selector and Duration).
	Spec map[string]any
	// Duration is the object's own spec.duration: Chaos Mesh ends the
	// fault by itself once it has lasted this long, even when gameday is
	// gone (a dead man's switch). It must be above 0.
	Duration time.Duration
	// Scalars are what intensity scales (+ and -, a curve, the edge
	// search): none, and the fault has only full intensity.
	Scalars []ChaosScalar
}

// ChaosSelector picks pods: those in Namespaces (the object's namespace
// when empty) with all of Labels, or those named in Pods (namespace →
// names); Mode and Value say how many of them (one, all, fixed N,
// fixed-percent N).
type ChaosSelector struct {
	Namespaces []string            `json:"namespaces,omitempty"`
	Labels     map[string]string   `json:"labelSelectors,omitempty"`
	Pods       map[string][]string `json:"pods,omitempty"`
	Mode       string              `json:"-"`
	Value      string              `json:"-"`
}

// ChaosScalar is a value of the spec that intensity scales: at intensity
// i it is Full×i (Full÷i when Inverse: a bandwidth), written as Unit
// wants it.
type ChaosScalar struct {
	Path    []string // in spec: ["delay", "latency"], or ["value"] for the share of pods
	Full    float64  // at intensity 1: ms, percent, pods, bytes/s or bytes, as Unit says
	Unit    string   // one of the ScalarUnit constants
	Inverse bool
}

// Units of ChaosScalar: how a value is written into the spec.
const (
	ScalarMillis  = "ms"      // a duration string: "150ms"
	ScalarPercent = "percent" // a number string of at most 2 decimals: "12.5"
	ScalarCount   = "count"   // an integer string of at least 1: "3" (mode fixed, fixed-percent)
	ScalarInt     = "int"     // a JSON integer (stress load %)
	ScalarBitRate = "bitrate" // Full is bytes/s; written in bits: "800000bps"
	ScalarBytes   = "bytes"   // a size string: "262144KB"
)

// chaosKinds are the Chaos Mesh kinds gameday creates, by Kind, with
// their resource.
var chaosKinds = map[string]string{
	"NetworkChaos": "networkchaos",
	"PodChaos":     "podchaos",
	"HTTPChaos":    "httpchaos",
	"StressChaos":  "stresschaos",
}

// ChaosGroupVersion is the API of Chaos Mesh's objects.
var ChaosGroupVersion = schema.GroupVersion{Group: "chaos-mesh.org", Version: "v1alpha1"}

// ChaosResource returns the resource of kind, for the dynamic client.
func ChaosResource(kind string) schema.GroupVersionResource {
	return ChaosGroupVersion.WithResource(chaosKinds[kind])
}

var chaosModes = []string{"one", "all", "fixed", "fixed-percent"}

// labelValue is what a label's value may hold (empty, or 63 characters of
// letters, digits, - _ . beginning and ending with a letter or digit).
var labelValue = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$`)

// Validate reports whether f can be made, before any cluster is asked.
func (f ChaosFault) Validate() error {
	var errs []error
	if _, ok := chaosKinds[f.Kind]; !ok {
		errs = append(errs, fmt.Errorf("kind %q is not one of %s", f.Kind, strings.Join(slices.Sorted(maps.Keys(chaosKinds)), ", ")))
	}
	if f.Namespace != "" && !dnsLabel.MatchString(f.Namespace) {
		errs = append(errs, fmt.Errorf("namespace %q: want lowercase letters, digits and -", f.Namespace))
	}
	if f.Duration <= 0 {
		errs = append(errs, errors.New("no duration: the object must end by itself, even if gameday dies"))
	}
	if err := f.Selector.validate(); err != nil {
		errs = append(errs, err)
	}
	for _, s := range f.Scalars {
		if len(s.Path) == 0 || math.IsNaN(s.Full) || math.IsInf(s.Full, 0) || s.Full < 0 {
			errs = append(errs, fmt.Errorf("scalar %v: bad path or value %v", s.Path, s.Full))
		}
	}
	return errors.Join(errs...)
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

func (s ChaosSelector) validate() error {
	var errs []error
	for _, ns := range s.Namespaces {
		if !dnsLabel.MatchString(ns) {
			errs = append(errs, fmt.Errorf("selector namespace %q: want lowercase letters, digits and -", ns))
		}
	}
	for k, v := range s.Labels {
		if k == "" || !labelValue.MatchString(v) {
			errs = append(errs, fmt.Errorf("selector label %s=%q: not a label", k, v))
		}
	}
	if len(s.Labels) == 0 && len(s.Pods) == 0 && len(s.Namespaces) == 0 {
		errs = append(errs, errors.New("the selector picks no pods: give namespaces, labels or pods"))
	}
	switch s.Mode {
	case "one", "all":
		if s.Value != "" {
			errs = append(errs, fmt.Errorf("mode %s takes no value", s.Mode))
		}
	case "fixed", "fixed-percent":
		n, err := strconv.Atoi(s.Value)
		if err != nil || n < 1 || s.Mode == "fixed-percent" && n > 100 {
			errs = append(errs, fmt.Errorf("mode %s wants a value of 1 or more (at most 100 for a percent), not %q", s.Mode, s.Value))
		}
	default:
		errs = append(errs, fmt.Errorf("mode %q is not one of %s", s.Mode, strings.Join(chaosModes, ", ")))
	}
	return errors.Join(errs...)
}

// Spec is the selector as a Chaos Mesh spec (or a network fault's
// target) has it: selector, mode and value.
func (s ChaosSelector) Spec() map[string]any {
	sel := map[string]any{}
	if len(s.Namespaces) > 0 {
		sel["namespaces"] = ToAnySlice(s.Namespaces)
	}
	if len(s.Labels) > 0 {
		m := map[string]any{}
		for k, v := range s.Labels {
			m[k] = v
		}
		sel["labelSelectors"] = m
	}
	if len(s.Pods) > 0 {
		m := map[string]any{}
		for ns, names := range s.Pods {
			m[ns] = ToAnySlice(names)
		}
		sel["pods"] = m
	}
	out := map[string]any{"selector": sel, "mode": s.Mode}
	if s.Value != "" {
		out["value"] = s.Value
	}
	return out
}

// SpecAt returns the object's whole spec at intensity i.
func (f ChaosFault) SpecAt(i float64) map[string]any {
	spec := deepCopyMap(f.Spec)
	maps.Copy(spec, f.Selector.Spec())
	spec["duration"] = chaosDuration(f.Duration)
	for _, s := range f.Scalars {
		setPath(spec, s.Path, s.at(i))
	}
	return spec
}

// scalable reports whether intensity changes anything.
func (f ChaosFault) scalable() bool { return len(f.Scalars) > 0 }

// at is the scalar's value at intensity i, as the spec wants it.
func (s ChaosScalar) at(i float64) any {
	v := s.Full * i
	if s.Inverse {
		v = float64(toxicUnlimited)
		if i > 0 {
			v = min(v, s.Full/i)
		}
		v = max(v, s.Full)
	}
	switch s.Unit {
	case ScalarMillis:
		return strconv.FormatInt(int64(math.Round(v)), 10) + "ms"
	case ScalarPercent:
		return strconv.FormatFloat(math.Round(min(v, 100)*100)/100, 'f', -1, 64)
	case ScalarCount:
		return strconv.Itoa(max(1, int(math.Round(v))))
	case ScalarInt:
		return int64(math.Round(v))
	case ScalarBitRate:
		return strconv.FormatInt(max(1, int64(math.Round(v*8))), 10) + "bps"
	case ScalarBytes:
		return strconv.FormatInt(max(1, int64(math.Ceil(v/1024))), 10) + "KB"
	}
	return v
}

// chaosDuration writes d as Chaos Mesh reads it (a Go duration, whole
// seconds at least).
func chaosDuration(d time.Duration) string {
	return strconv.FormatInt(int64(max(d.Round(time.Second), time.Second)/time.Second), 10) + "s"
}

// ChaosObjectName returns the name of the object of block name made by
// the gameday whose SessionToken is token: gameday-TOKEN-SLUG-HASH, a
// DNS-1123 subdomain of at most 63 characters, the same for the same
// block, different for two blocks whose names differ only in what the
// slug drops.
func ChaosObjectName(token, name string) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	slug := strings.TrimRight(b.String(), "-")
	if len(slug) > 30 {
		slug = strings.TrimRight(slug[:30], "-")
	}
	if slug == "" {
		slug = "block"
	}
	return fmt.Sprintf("gameday-%s-%s-%06x", token, slug, h.Sum32()&0xffffff)
}

func setPath(m map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

func deepCopyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = deepCopyValue(v)
	}
	return out
}

func deepCopyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return deepCopyMap(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopyValue(e)
		}
		return out
	case []string:
		return ToAnySlice(v)
	}
	return v
}

// ToAnySlice is s as unstructured data has a list of strings.
func ToAnySlice(s []string) []any {
	out := make([]any, len(s))
	for i, e := range s {
		out[i] = e
	}
	return out
}
