package inject

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ChaosStatus is what Chaos Mesh says of an object: its conditions and
// the records of the pods (or containers) it acts on.
type ChaosStatus struct {
	Exists       bool
	Deleting     bool // deleted, held by finalizers until the pods are recovered
	Selected     bool // conditions, as Chaos Mesh sets them
	AllRecovered bool
	Paused       bool
	Pods         int // distinct pods in the records
	Injected     int // pods of which some record is Injected
}

// String says it in a few words: "injected into 3 of 3 pods",
// "recovered", "waiting for Chaos Mesh".
func (s ChaosStatus) String() string {
	switch {
	case !s.Exists:
		return "gone"
	case s.Deleting && s.AllRecovered:
		return "recovered, being deleted"
	case s.Deleting:
		return fmt.Sprintf("being deleted, recovering %s", count(s.Injected, "pod"))
	case s.Paused:
		return "paused"
	case s.AllRecovered && s.Pods > 0:
		return "recovered"
	case s.Pods > 0:
		return fmt.Sprintf("injected into %d of %s", s.Injected, count(s.Pods, "pod"))
	case s.Selected:
		return "no pod selected"
	}
	return "waiting for Chaos Mesh"
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Status reads the object's status. An object that does not exist is
// Status{Exists: false} and no error.
func (x *ChaosInjector) Status(ctx context.Context) (ChaosStatus, error) {
	c, err := clientFor(x.fault.Cluster)
	if err != nil {
		return ChaosStatus{}, err
	}
	ref := x.Ref()
	if ref.Namespace == "" {
		ref.Namespace = c.namespace
	}
	u, err := c.dyn.Resource(ChaosResource(ref.Kind)).Namespace(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return ChaosStatus{}, nil
	}
	if err != nil {
		return ChaosStatus{}, c.kubeError(ctx, "get", ChaosResource(ref.Kind), ref.Kind, ref.Namespace, err)
	}
	return chaosStatusOf(u), nil
}

func chaosStatusOf(u *unstructured.Unstructured) ChaosStatus {
	s := ChaosStatus{Exists: true, Deleting: u.GetDeletionTimestamp() != nil}
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["status"] != "True" {
			continue
		}
		switch m["type"] {
		case "Selected":
			s.Selected = true
		case "AllRecovered":
			s.AllRecovered = true
		case "Paused":
			s.Paused = true
		}
	}
	recs, _, _ := unstructured.NestedSlice(u.Object, "status", "experiment", "containerRecords")
	pods := map[string]bool{}
	for _, r := range recs {
		m, _ := r.(map[string]any)
		id, _ := m["id"].(string)
		parts := strings.SplitN(id, "/", 3)
		pod := id
		if len(parts) >= 2 {
			pod = parts[0] + "/" + parts[1]
		}
		pods[pod] = pods[pod] || m["phase"] == "Injected"
	}
	s.Pods = len(pods)
	for _, in := range pods {
		if in {
			s.Injected++
		}
	}
	return s
}

// DryRun asks the cluster to create the object without keeping it
// (dryRun=All): the server checks it against the kind's schema, RBAC and
// admission, and reports what it would refuse.
func (x *ChaosInjector) DryRun(ctx context.Context) error {
	if err := x.Validate(); err != nil {
		return err
	}
	x.mu.Lock()
	res, err := x.connect()
	x.mu.Unlock()
	if err != nil {
		return err
	}
	ref := x.Ref()
	_, err = res.Create(ctx, x.object(1), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: "gameday", FieldValidation: "Strict"})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return x.client.kubeError(ctx, "create", ChaosResource(ref.Kind), ref.Kind, ref.Namespace, err)
	}
	return nil
}

// ErrPodsNotServed is MatchPods' answer when the API server serves no
// pods (a server for custom resources alone).
var ErrPodsNotServed = errors.New("this API server serves no pods: the selector cannot be checked before the fault starts")

var podsResource = schema.GroupVersionResource{Version: "v1", Resource: "pods"}

// MatchPods returns the pods ("namespace/name") the fault's selector
// picks, before its mode takes some of them: what a pre-flight shows.
func (x *ChaosInjector) MatchPods(ctx context.Context) ([]string, error) {
	return MatchPods(ctx, x.fault.Cluster, x.fault.Namespace, x.fault.Selector)
}

// MatchPods returns the pods ("namespace/name") sel picks in cluster,
// before its mode takes some of them; namespace is where its objects are
// made ("" for the context's), the pods' namespace when sel names none.
func MatchPods(ctx context.Context, cluster KubeCluster, namespace string, sel ChaosSelector) ([]string, error) {
	c, err := clientFor(cluster)
	if err != nil {
		return nil, err
	}
	var out []string
	if len(sel.Pods) > 0 {
		for _, ns := range slices.Sorted(maps.Keys(sel.Pods)) {
			for _, name := range sel.Pods[ns] {
				_, err := c.dyn.Resource(podsResource).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
				switch {
				case err == nil:
					out = append(out, ns+"/"+name)
				case apierrors.IsNotFound(err) && isResourceMissing(err):
					return nil, ErrPodsNotServed
				case !apierrors.IsNotFound(err):
					return nil, c.kubeError(ctx, "get", podsResource, "pod", ns, err)
				}
			}
		}
		return out, nil
	}
	namespaces := sel.Namespaces
	if len(namespaces) == 0 {
		ns := namespace
		if ns == "" {
			ns = c.namespace
		}
		namespaces = []string{ns}
	}
	ls := labels.SelectorFromSet(sel.Labels).String()
	for _, ns := range namespaces {
		list, err := c.dyn.Resource(podsResource).Namespace(ns).List(ctx, metav1.ListOptions{LabelSelector: ls})
		if apierrors.IsNotFound(err) {
			return nil, ErrPodsNotServed
		}
		if err != nil {
			return nil, c.kubeError(ctx, "list", podsResource, "pods", ns, err)
		}
		for _, p := range list.Items {
			out = append(out, ns+"/"+p.GetName())
		}
	}
	return out, nil
}

// recoverWait is how long recover waits for an object to be gone.
const recoverWait = time.Minute

// recoverChaos deletes a recorded object, waits until it is gone, and
// deletes every other object of its kind that its session labelled in
// its namespace (one made while its record was being written, say).
func recoverChaos(ctx context.Context, ref ChaosRef, report func(string)) (string, error) {
	c, err := clientFor(ref.Cluster)
	if err != nil {
		return "", err
	}
	res := c.dyn.Resource(ChaosResource(ref.Kind)).Namespace(ref.Namespace)
	// Chaos Mesh's finalizer holds a deleted object until its controller
	// has recovered the pods: with no controller running, it would hold
	// it for ever.
	ctx, cancel := context.WithTimeout(ctx, recoverWait)
	defer cancel()
	gone, err := deleteChaos(ctx, c, res, ref)
	if err != nil {
		return "", err
	}
	line := "deleted " + ref.String() + " in " + ref.Cluster.String()
	if gone {
		line = ref.String() + " is gone already; nothing to delete"
	}
	if ref.Session == "" {
		return line, nil
	}
	list, err := res.List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(labels.Set{LabelSession: ref.Session}).String()})
	if err != nil {
		report(fmt.Sprintf("%s: could not look for other objects of its session: %v", ref, c.kubeError(ctx, "list", ChaosResource(ref.Kind), ref.Kind, ref.Namespace, err)))
		return line, nil
	}
	for _, u := range list.Items {
		if u.GetName() == ref.Name {
			continue
		}
		other := ref
		other.Name = u.GetName()
		if _, err := deleteChaos(ctx, c, res, other); err != nil {
			return "", err
		}
		report("deleted " + other.String() + ", left by the same gameday session")
	}
	return line, nil
}
