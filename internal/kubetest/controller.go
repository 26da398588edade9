package kubetest

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ChaosFinalizer is the finalizer Chaos Mesh puts on the objects it
// injects, and removes once it has recovered their pods.
const ChaosFinalizer = "chaos-mesh/records"

// Controller plays Chaos Mesh's controller in one namespace, for the
// kinds given: each object it sees gets the finalizer, then a status
// that says it is injected into Pods pods; an object being deleted is
// marked recovered and its finalizer removed (after Hold, if set).
// No pod is touched: the server has none. Stop it with the context.
type Controller struct {
	Namespace string
	Kinds     []schema.GroupVersionResource
	Pods      int
	Hold      time.Duration // how long a deleted object is held before its finalizer goes
	s         *Server
}

// Play runs the controller until ctx ends, polling every 50 ms.
func (s *Server) Play(ctx context.Context, c Controller) {
	c.s = s
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		deleting := map[string]time.Time{}
		for {
			for _, gvr := range c.Kinds {
				c.round(ctx, gvr, deleting)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

func (c Controller) round(ctx context.Context, gvr schema.GroupVersionResource, deleting map[string]time.Time) {
	res := c.s.Dynamic.Resource(gvr).Namespace(c.Namespace)
	list, err := res.List(ctx, metav1.ListOptions{})
	if err != nil {
		return
	}
	for i := range list.Items {
		u := &list.Items[i]
		key := gvr.Resource + "/" + u.GetName()
		switch {
		case u.GetDeletionTimestamp() != nil:
			if _, ok := deleting[key]; !ok {
				deleting[key] = time.Now()
			}
			if time.Since(deleting[key]) < c.Hold {
				continue
			}
			setStatus(u, c.Pods, false)
			_, _ = c.updateStatus(ctx, gvr, u)
			if u, err = res.Get(ctx, u.GetName(), metav1.GetOptions{}); err == nil {
				u.SetFinalizers(nil)
				_, _ = res.Update(ctx, u, metav1.UpdateOptions{})
			}
		case len(u.GetFinalizers()) == 0:
			u.SetFinalizers([]string{ChaosFinalizer})
			if u, err = res.Update(ctx, u, metav1.UpdateOptions{}); err == nil {
				setStatus(u, c.Pods, true)
				_, _ = c.updateStatus(ctx, gvr, u)
			}
		default:
			// Its status may have lost a race with another writer: write
			// it again until it is there.
			if conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions"); len(conds) == 0 {
				setStatus(u, c.Pods, true)
				_, _ = c.updateStatus(ctx, gvr, u)
			}
		}
	}
}

// updateStatus writes u's status: through the status subresource where
// the kind has one (Chaos Mesh's CRDs of this version have none: the
// server answers 404 for it, and the status goes with the object).
func (c Controller) updateStatus(ctx context.Context, gvr schema.GroupVersionResource, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	res := c.s.Dynamic.Resource(gvr).Namespace(c.Namespace)
	out, err := res.UpdateStatus(ctx, u, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return res.Update(ctx, u, metav1.UpdateOptions{})
	}
	return out, err
}

// setStatus writes what Chaos Mesh says of an object injected into pods
// pods (injected), or recovered from them.
func setStatus(u *unstructured.Unstructured, pods int, injected bool) {
	phase := "Injected"
	if !injected {
		phase = "Not Injected"
	}
	var recs []any
	for i := range pods {
		recs = append(recs, map[string]any{"id": fmt.Sprintf("%s/pod-%d", u.GetNamespace(), i), "phase": phase,
			"selectorKey": ".", "injectedCount": int64(1), "recoveredCount": int64(map[bool]int{false: 1}[injected])})
	}
	conds := []any{
		map[string]any{"type": "Selected", "status": "True"},
		map[string]any{"type": "AllInjected", "status": map[bool]string{true: "True", false: "False"}[injected]},
		map[string]any{"type": "AllRecovered", "status": map[bool]string{true: "False", false: "True"}[injected]},
		map[string]any{"type": "Paused", "status": "False"},
	}
	_ = unstructured.SetNestedSlice(u.Object, conds, "status", "conditions")
	_ = unstructured.SetNestedSlice(u.Object, recs, "status", "experiment", "containerRecords")
	_ = unstructured.SetNestedField(u.Object, map[bool]string{true: "Run", false: "Stop"}[injected], "status", "experiment", "desiredPhase")
}
