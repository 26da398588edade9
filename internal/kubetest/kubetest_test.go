package kubetest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/gameday-dev/gameday/internal/kubetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	kubetest.Stop()
	os.Exit(code)
}

var networkChaos = schema.GroupVersionResource{Group: "chaos-mesh.org", Version: "v1alpha1", Resource: "networkchaos"}

// delay returns a NetworkChaos of 100ms delay on one pod labelled app=web.
func delay(ns, name, action string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "chaos-mesh.org/v1alpha1", "kind": "NetworkChaos",
		"metadata": map[string]any{"name": name, "namespace": ns,
			"labels": map[string]any{"gameday.dev/session": "test"}},
		"spec": map[string]any{
			"action": action, "mode": "one", "duration": "30s",
			"selector": map[string]any{
				"namespaces":     []any{ns},
				"labelSelectors": map[string]any{"app": "web"},
			},
			"delay": map[string]any{"latency": "100ms", "jitter": "10ms", "correlation": "25"},
		},
	}}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestStackServesChaosMeshCRDs(t *testing.T) {
	s := kubetest.Start(t)
	t.Logf("stack started in %v (etcd and API server ready in %v, %d CRDs Established in %v)",
		s.StartTime, s.ReadyTime, len(s.CRDs), s.CRDTime)
	ns := s.Namespace(t) // no Namespace object: NamespaceLifecycle is off
	nc := s.Dynamic.Resource(networkChaos).Namespace(ns)

	if _, err := s.Dynamic.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io",
		Version: "v1", Resource: "customresourcedefinitions"}).Get(ctx(t), "networkchaos.chaos-mesh.org", metav1.GetOptions{}); err != nil {
		t.Fatalf("NetworkChaos CRD: %v", err)
	}
	// Served in discovery too, where a client maps a kind to its resource.
	hc, err := rest.HTTPClientFor(s.Config)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Get(s.Config.Host + "/apis/chaos-mesh.org/v1alpha1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var resources metav1.APIResourceList
	if err := json.NewDecoder(resp.Body).Decode(&resources); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(resources.APIResources, func(r metav1.APIResource) bool {
		return r.Kind == "NetworkChaos" && r.Name == "networkchaos" && r.Namespaced
	}) {
		t.Fatalf("no NetworkChaos in discovery: %v", resources.APIResources)
	}
	if list, err := nc.List(ctx(t), metav1.ListOptions{}); err != nil || len(list.Items) != 0 {
		t.Fatalf("list NetworkChaos in %s: %v, %v", ns, list, err)
	}

	_, err = nc.Create(ctx(t), delay(ns, "bad", "nonsense"), metav1.CreateOptions{})
	var status apierrors.APIStatus
	if !apierrors.IsInvalid(err) || !errors.As(err, &status) || status.Status().Code != http.StatusUnprocessableEntity ||
		!strings.Contains(err.Error(), "spec.action") {
		t.Fatalf("a bad spec.action: want 422 Invalid naming spec.action, got %v", err)
	}
	t.Logf("refused: %v", err)
}

func TestStatusAndFinalizer(t *testing.T) {
	s := kubetest.Start(t)
	ns := s.Namespace(t)
	nc := s.Dynamic.Resource(networkChaos).Namespace(ns)
	obj := delay(ns, "web-delay", "delay")
	obj.SetFinalizers([]string{"gameday.dev/test"})
	obj, err := nc.Create(ctx(t), obj, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// Chaos Mesh's chaos kinds have no status subresource: its controller
	// writes status with the object, as this test does in its place.
	if _, err := nc.UpdateStatus(ctx(t), obj, metav1.UpdateOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("NetworkChaos/status: want 404 (no status subresource), got %v", err)
	}
	obj.Object["status"] = map[string]any{
		"conditions": []any{
			map[string]any{"type": "AllInjected", "status": "True"},
			map[string]any{"type": "AllRecovered", "status": "False"},
		},
		"experiment": map[string]any{
			"desiredPhase": "Run",
			"containerRecords": []any{map[string]any{
				"id": ns + "/web-0", "selectorKey": ".", "phase": "Injected",
				"injectedCount": int64(1), "recoveredCount": int64(0),
			}},
		},
	}
	if _, err := nc.Update(ctx(t), obj, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("write status: %v", err)
	}
	// The status is validated against the schema too.
	bad := []byte(`{"status":{"experiment":{"desiredPhase":"Nonsense"}}}`)
	if _, err := nc.Patch(ctx(t), "web-delay", types.MergePatchType, bad, metav1.PatchOptions{}); !apierrors.IsInvalid(err) {
		t.Errorf("a bad status.experiment.desiredPhase: want Invalid, got %v", err)
	}
	// A merge patch of the spec (as a +/- would) keeps the status.
	more := []byte(`{"spec":{"delay":{"latency":"150ms"}}}`)
	got, err := nc.Patch(ctx(t), "web-delay", types.MergePatchType, more, metav1.PatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	latency, _, _ := unstructured.NestedString(got.Object, "spec", "delay", "latency")
	recs, _, _ := unstructured.NestedSlice(got.Object, "status", "experiment", "containerRecords")
	if conds, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions"); len(conds) != 2 || len(recs) != 1 || latency != "150ms" {
		t.Fatalf("after a patch of the latency: %s, status %v", latency, got.Object["status"])
	}

	if err := nc.Delete(ctx(t), "web-delay", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err = nc.Get(ctx(t), "web-delay", metav1.GetOptions{})
	if err != nil || got.GetDeletionTimestamp() == nil {
		t.Fatalf("with a finalizer, a deleted object stays, marked: %v, %v", got, err)
	}
	patch := []byte(`{"metadata":{"finalizers":null}}`)
	if _, err := nc.Patch(ctx(t), "web-delay", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitGone(t, nc, "web-delay")
}

func waitGone(t *testing.T, nc dynamic.ResourceInterface, name string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		_, err := nc.Get(ctx(t), name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still there 10 s after its deletion: %v", name, err)
		}
	}
}

func TestKubeconfigs(t *testing.T) {
	s := kubetest.Start(t)
	ns := s.Namespace(t)
	raw, err := clientcmd.LoadFromFile(s.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if raw.CurrentContext != kubetest.ContextName {
		t.Fatalf("kubeconfig %s: context %q, want %q", s.Kubeconfig, raw.CurrentContext, kubetest.ContextName)
	}
	for _, tc := range []struct {
		path      string
		forbidden bool
	}{{s.Kubeconfig, false}, {s.KubeconfigFor(kubetest.ForbiddenUser), true}} {
		cfg, err := clientcmd.BuildConfigFromFlags("", tc.path)
		if err != nil {
			t.Fatal(err)
		}
		dyn, err := dynamic.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = dyn.Resource(networkChaos).Namespace(ns).Create(ctx(t), delay(ns, "x", "delay"), metav1.CreateOptions{})
		if tc.forbidden != apierrors.IsForbidden(err) || !tc.forbidden && err != nil {
			t.Errorf("create as %s: forbidden=%v, got %v", tc.path, tc.forbidden, err)
		}
	}
}

// TestRoundTrips logs what a create and a delete (until gone) take.
func TestRoundTrips(t *testing.T) {
	s := kubetest.Start(t)
	ns := s.Namespace(t)
	nc := s.Dynamic.Resource(networkChaos).Namespace(ns)
	var creates, deletes []time.Duration
	for i := range 5 {
		name := "rt-" + string(rune('a'+i))
		t0 := time.Now()
		if _, err := nc.Create(ctx(t), delay(ns, name, "delay"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		t1 := time.Now()
		if err := nc.Delete(ctx(t), name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitGone(t, nc, name)
		creates, deletes = append(creates, t1.Sub(t0)), append(deletes, time.Since(t1))
	}
	t.Logf("create round trips %v; delete until gone %v", creates, deletes)
}
