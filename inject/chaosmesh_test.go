package inject_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/gameday-dev/gameday/inject"
	"github.com/gameday-dev/gameday/internal/kubetest"
)

var networkchaos = inject.ChaosResource("NetworkChaos")

// delayFault is a NetworkChaos of 100 ms ± 20 ms on app=inventory in ns.
func delayFault(kubeconfig, ns string) inject.ChaosFault {
	return inject.ChaosFault{
		Cluster:   inject.KubeCluster{Kubeconfig: kubeconfig},
		Namespace: ns, Kind: "NetworkChaos", Duration: time.Minute,
		Selector: inject.ChaosSelector{Namespaces: []string{ns}, Labels: map[string]string{"app": "inventory"}, Mode: "all"},
		Spec:     map[string]any{"action": "delay", "delay": map[string]any{"latency": "100ms", "jitter": "20ms"}},
		Scalars: []inject.ChaosScalar{
			{Path: []string{"delay", "latency"}, Full: 100, Unit: inject.ScalarMillis},
			{Path: []string{"delay", "jitter"}, Full: 20, Unit: inject.ScalarMillis},
		},
	}
}

func stateFile(t *testing.T) *inject.StateFile {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := inject.OpenStateFile(filepath.Join(dir, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func getChaos(t *testing.T, dyn dynamic.Interface, ns, name string) *unstructured.Unstructured {
	t.Helper()
	u, err := dyn.Resource(networkchaos).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get %s/%s: %v", ns, name, err)
	}
	return u
}

func nested(u *unstructured.Unstructured, path ...string) string {
	v, _, _ := unstructured.NestedFieldNoCopy(u.Object, path...)
	s, _ := v.(string)
	return s
}

// A fault's whole life against a real API server with Chaos Mesh's CRDs,
// a stand-in for Chaos Mesh's controller writing status and holding a
// finalizer: create (recorded first), scale by patch, status, delete and
// wait until the finalizer lets it go.
func TestChaosLifeOnAnAPIServer(t *testing.T) {
	srv := kubetest.Start(t)
	ns := srv.Namespace(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv.Play(ctx, kubetest.Controller{Namespace: ns, Kinds: []schema.GroupVersionResource{networkchaos}, Pods: 3, Hold: 300 * time.Millisecond})

	state := stateFile(t)
	x := inject.NewChaos("inventory slow", delayFault(srv.Kubeconfig, ns))
	x.SetRecorder(state)
	t0 := time.Now()
	if err := x.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("trigger (create) took %v", time.Since(t0))
	ref := x.Ref()
	if !strings.HasPrefix(ref.Name, "gameday-"+inject.SessionToken()+"-inventory-slow-") {
		t.Errorf("object name %q", ref.Name)
	}
	u := getChaos(t, srv.Dynamic, ns, ref.Name)
	if l := u.GetLabels(); l[inject.LabelSession] != inject.SessionToken() || l[inject.LabelBlock] != "inventory_slow" || l[inject.LabelManagedBy] != "gameday" {
		t.Errorf("labels %v", l)
	}
	if got := nested(u, "spec", "delay", "latency") + " " + nested(u, "spec", "duration") + " " + nested(u, "spec", "mode"); got != "100ms 60s all" {
		t.Errorf("spec delay, duration, mode: %q", got)
	}
	pending, _ := state.Pending()
	if len(pending) != 1 || pending[0].Revert.Kind != inject.RevertChaos || pending[0].Revert.Chaos.Name != ref.Name {
		t.Fatalf("state file: %+v", pending)
	}

	if err := x.Update(ctx, 0.5); err != nil {
		t.Fatal(err)
	}
	u = getChaos(t, srv.Dynamic, ns, ref.Name)
	if got := nested(u, "spec", "delay", "latency") + " " + nested(u, "spec", "delay", "jitter"); got != "50ms 10ms" {
		t.Errorf("at intensity 0.5, delay and jitter are %q; want 50ms 10ms", got)
	}

	waitFor(t, "the controller's status", func() bool {
		st, err := x.Status(ctx)
		return err == nil && st.String() == "injected into 3 of 3 pods"
	})

	t0 = time.Now()
	stopped := make(chan error, 1)
	go func() { stopped <- x.Stop(ctx) }()
	waitFor(t, "the deletion to begin", func() bool {
		u, err := srv.Dynamic.Resource(networkchaos).Namespace(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		return err == nil && u.GetDeletionTimestamp() != nil
	})
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while the finalizer still held the object", err)
	default:
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	t.Logf("halt (delete until gone, the controller holding it 300 ms) took %v", time.Since(t0))
	if _, err := srv.Dynamic.Resource(networkchaos).Namespace(ns).Get(ctx, ref.Name, metav1.GetOptions{}); err == nil {
		t.Error("the object is still there after Stop")
	}
	if pending, _ := state.Pending(); len(pending) != 0 {
		t.Errorf("the state file still has %+v", pending)
	}
	if err := x.Stop(ctx); err != nil {
		t.Errorf("a second Stop: %v", err)
	}
}

// A halt that runs out of time while the finalizer holds the object says
// so, keeps the record; recover deletes it, and whatever else its session
// left in the namespace.
func TestChaosRecover(t *testing.T) {
	srv := kubetest.Start(t)
	ns := srv.Namespace(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	state := stateFile(t)
	x := inject.NewChaos("lossy", delayFault(srv.Kubeconfig, ns))
	x.SetRecorder(state)
	if err := x.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// A second object of the same session that no record names.
	stray := inject.NewChaos("stray", delayFault(srv.Kubeconfig, ns))
	if err := stray.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// Chaos Mesh's finalizer, which this controller never removes.
	u := getChaos(t, srv.Dynamic, ns, x.Ref().Name)
	u.SetFinalizers([]string{kubetest.ChaosFinalizer})
	if _, err := srv.Dynamic.Resource(networkchaos).Namespace(ns).Update(ctx, u, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 500*time.Millisecond)
	err := x.Stop(short)
	cancelShort()
	if err == nil || !strings.Contains(err.Error(), "held by finalizers chaos-mesh/records") {
		t.Fatalf("a halt that cannot finish: %v", err)
	}
	if pending, _ := state.Pending(); len(pending) != 1 {
		t.Fatalf("the record must stay for recover: %+v", pending)
	}

	// Now Chaos Mesh lets it go, once recover has deleted it.
	srv.Play(ctx, kubetest.Controller{Namespace: ns, Kinds: []schema.GroupVersionResource{networkchaos}, Pods: 1})
	var lines []string
	if err := state.Recover(ctx, inject.RecoverOptions{}, func(l string) { lines = append(lines, l) }); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(lines, "\n")
	if !strings.Contains(text, "deleted NetworkChaos "+ns+"/"+x.Ref().Name) || !strings.Contains(text, "deleted NetworkChaos "+ns+"/"+stray.Ref().Name+", left by the same gameday session") {
		t.Errorf("recover said:\n%s", text)
	}
	list, err := srv.Dynamic.Resource(networkchaos).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 0 {
		t.Errorf("after recover the namespace holds %d objects (%v)", len(list.Items), err)
	}
	if pending, _ := state.Pending(); len(pending) != 0 {
		t.Errorf("the state file still has %+v", pending)
	}
}

// A dry run makes nothing; the server's schema refuses a bad object, and
// RBAC a user it does not allow, with words a person can act on.
func TestChaosRefusals(t *testing.T) {
	srv := kubetest.Start(t)
	ns := srv.Namespace(t)
	ctx := context.Background()

	if err := inject.NewChaos("dry", delayFault(srv.Kubeconfig, ns)).DryRun(ctx); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if list, _ := srv.Dynamic.Resource(networkchaos).Namespace(ns).List(ctx, metav1.ListOptions{}); len(list.Items) != 0 {
		t.Errorf("a dry run made %d objects", len(list.Items))
	}

	bad := delayFault(srv.Kubeconfig, ns)
	bad.Spec["direction"] = "sideways"
	err := inject.NewChaos("bad", bad).DryRun(ctx)
	if err == nil || !strings.Contains(err.Error(), "the cluster refused the NetworkChaos") || !strings.Contains(err.Error(), "sideways") {
		t.Errorf("a bad enum: %v", err)
	}
	// A field this Chaos Mesh does not know is refused, not dropped
	// silently (strict field validation).
	unknown := delayFault(srv.Kubeconfig, ns)
	unknown.Spec["delay"].(map[string]any)["latnecy"] = "5ms"
	err = inject.NewChaos("unknown", unknown).DryRun(ctx)
	if err == nil || !strings.Contains(err.Error(), `unknown field "spec.delay.latnecy"`) {
		t.Errorf("an unknown field: %v", err)
	}
	x := inject.NewChaos("bad", bad)
	if err := x.Start(ctx); err == nil || !strings.Contains(err.Error(), "not started: the cluster refused") {
		t.Errorf("start of a bad object: %v", err)
	}

	denied := delayFault(srv.KubeconfigFor(kubetest.ForbiddenUser), ns)
	err = inject.NewChaos("denied", denied).Start(ctx)
	if err == nil || !strings.Contains(err.Error(), "forbidden: ") || !strings.Contains(err.Error(), "may not create networkchaos (chaos-mesh.org) in namespace "+ns) {
		t.Errorf("RBAC: %v", err)
	}
}

// The cluster's troubles that are not the server's answers: no Chaos
// Mesh, an API server that is not there, or one that never answers.
func TestChaosClusterTroubles(t *testing.T) {
	dir := t.TempDir()
	ns := "shop"

	// An API server without Chaos Mesh answers 404 for its group, as the
	// real one does for any group it does not serve.
	bare := httptest.NewServer(http.NotFoundHandler())
	defer bare.Close()
	err := inject.NewChaos("x", delayFault(kubeconfigAt(t, dir, "bare", bare.URL), ns)).Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no NetworkChaos kind in this cluster: is Chaos Mesh installed?") {
		t.Errorf("no Chaos Mesh: %v", err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "https://" + l.Addr().String()
	l.Close()
	err = inject.NewChaos("x", delayFault(kubeconfigAt(t, dir, "closed", closed), ns)).Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "cannot reach the Kubernetes API server at "+closed) {
		t.Errorf("nobody listening: %v", err)
	}

	// A server that takes the connection and never answers: the call ends
	// with its context, and the object counts as maybe made.
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hang.Close()
	go func() {
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	state := stateFile(t)
	x := inject.NewChaos("x", delayFault(kubeconfigAt(t, dir, "hang", "https://"+hang.Addr().String()), ns))
	x.SetRecorder(state)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err = x.Start(ctx)
	if err == nil || !strings.Contains(err.Error(), "did not answer to create NetworkChaos in namespace shop in time") {
		t.Errorf("a server that hangs: %v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want the context's error wrapped: %v", err)
	}
	if pending, _ := state.Pending(); len(pending) != 1 {
		t.Errorf("a create given up on may have happened: its record must stay (%d records)", len(pending))
	}
}

// kubeconfigAt writes a kubeconfig for server and returns its path.
func kubeconfigAt(t *testing.T, dir, name, server string) string {
	t.Helper()
	path := filepath.Join(dir, name+".kubeconfig")
	cfg := `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "` + server + `", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BenchmarkChaosTriggerHalt is a trigger (record, create) and a halt
// (delete, wait until gone, forget) against the real API server, with no
// controller holding the object: gameday's own round trips.
func BenchmarkChaosTriggerHalt(b *testing.B) {
	srv := kubetest.Start(b)
	ns := srv.Namespace(b)
	ctx := context.Background()
	x := inject.NewChaos("bench", delayFault(srv.Kubeconfig, ns))
	var start, stop time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := x.Start(ctx); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := x.Stop(ctx); err != nil {
			b.Fatal(err)
		}
		start, stop = start+t1.Sub(t0), stop+time.Since(t1)
	}
	b.ReportMetric(float64(start.Microseconds())/float64(b.N)/1000, "trigger-ms")
	b.ReportMetric(float64(stop.Microseconds())/float64(b.N)/1000, "halt-ms")
}

// Chaos Mesh's admission webhook refuses a change to a running object's
// spec. A proxy in front of the real API server answers every patch of a
// Chaos Mesh object as the API server relays that refusal; Update then
// deletes the object and makes it again at the new intensity, under the
// same record.
func TestChaosRecreatedWhenTheWebhookRefusesAPatch(t *testing.T) {
	srv := kubetest.Start(t)
	ns := srv.Namespace(t)
	ctx := context.Background()
	rt, err := rest.TransportFor(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(srv.Config.Host)
	fwd := httputil.NewSingleHostReverseProxy(target)
	fwd.Transport = rt
	patches := 0
	proxy := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/chaos-mesh.org/") {
			patches++
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,`+
				`"message":"admission webhook \"vnetworkchaos.kb.io\" denied the request: Cannot update chaos spec"}`)
			return
		}
		fwd.ServeHTTP(w, r)
	}))
	defer proxy.Close()

	state := stateFile(t)
	x := inject.NewChaos("webhooked", delayFault(kubeconfigAt(t, t.TempDir(), "proxy", proxy.URL), ns))
	x.SetRecorder(state)
	if err := x.Start(ctx); err != nil {
		t.Fatal(err)
	}
	first := getChaos(t, srv.Dynamic, ns, x.Ref().Name).GetUID()
	if err := x.Update(ctx, 0.3); err != nil {
		t.Fatalf("update through a refusing webhook: %v", err)
	}
	u := getChaos(t, srv.Dynamic, ns, x.Ref().Name)
	if patches != 1 || u.GetUID() == first || nested(u, "spec", "delay", "latency") != "30ms" {
		t.Errorf("%d patches; uid %s (was %s); latency %s: want the object made again at 30ms", patches, u.GetUID(), first, nested(u, "spec", "delay", "latency"))
	}
	if pending, _ := state.Pending(); len(pending) != 1 {
		t.Errorf("want one record, got %+v", pending)
	}
	if err := x.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if pending, _ := state.Pending(); len(pending) != 0 {
		t.Errorf("after Stop: %+v", pending)
	}
}
