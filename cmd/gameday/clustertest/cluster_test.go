// Package clustertest runs the gameday binary against a real Kubernetes
// API server serving Chaos Mesh's CRDs (internal/kubetest), with a test
// playing Chaos Mesh's controller: validate --cluster, run, kill -9 and
// recover. It lives apart from cmd/gameday's tests so that go test runs
// it beside them.
package clustertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/gameday-dev/gameday/cmd/gameday/internal/e2e"
	"github.com/gameday-dev/gameday/inject"
	"github.com/gameday-dev/gameday/internal/kubetest"
)

var kinds = []schema.GroupVersionResource{inject.ChaosResource("NetworkChaos"), inject.ChaosResource("PodChaos")}

// experiment is a game day on pods app=inventory in ns of the cluster
// kubeconfig reaches: a command probe that always answers 1, a delay on
// the pods for 3 s of its schedule.
func experiment(t *testing.T, kubeconfig, ns, extra string) string {
	t.Helper()
	src := fmt.Sprintf(`name: cluster e2e
targets:
  kubernetes:
    - {name: inventory, kubeconfig: %s, namespace: %s, labels: {app: inventory}}
probes:
  - {name: one, kind: command, command: [echo, "1"], every: 250ms}
assumptions:
  - {name: one, series: one, below: 2}
blocks:
  - {name: inventory slow, fault: {kind: net-delay, target: inventory, delay: 100ms, jitter: 10ms}}
  - {name: inventory killed, fault: {kind: pod-kill, target: inventory, mode: one}}
schedule: {baseline: 1s, steps: [{blocks: [inventory slow], for: 3s}], recovery: 1s}
%s`, kubeconfig, ns, extra)
	path := filepath.Join(t.TempDir(), "cluster.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func stateFlag(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return "--state-file=" + filepath.Join(dir, "state.json")
}

func objects(t *testing.T, srv *kubetest.Server, ns string) int {
	t.Helper()
	n := 0
	for _, k := range kinds {
		list, err := srv.Dynamic.Resource(k).Namespace(ns).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		n += len(list.Items)
	}
	return n
}

// validate --cluster asks the cluster: the pods cannot be counted on this
// server (it serves none, and says so), every object passes a dry run,
// nothing is made; a user RBAC refuses gets exit 2 and why.
func TestValidateCluster(t *testing.T) {
	t.Parallel()
	srv := kubetest.Start(t)
	ns := srv.Namespace(t)
	file := experiment(t, srv.Kubeconfig, ns, "")
	code, out, errOut := e2e.Run(t, nil, "validate", "--cluster", file)
	if code != 0 || !strings.Contains(out, "inventory: this API server serves no pods: not checked") {
		t.Fatalf("validate --cluster: exit %d\n%s%s", code, out, errOut)
	}
	if n := objects(t, srv, ns); n != 0 {
		t.Errorf("validate --cluster made %d objects", n)
	}

	denied := experiment(t, srv.KubeconfigFor(kubetest.ForbiddenUser), ns, "")
	code, out, errOut = e2e.Run(t, nil, "validate", "--cluster", denied)
	if code != 2 || !strings.Contains(errOut, "cluster.yaml:4:7: Kubernetes target \"inventory\": forbidden: ") {
		t.Fatalf("validate --cluster as a user RBAC refuses: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = e2e.Run(t, nil, "run", stateFlag(t), denied)
	if code != 2 || !strings.Contains(errOut, "forbidden") {
		t.Errorf("run as a user RBAC refuses: exit %d, want 2 before anything starts\n%s", code, errOut)
	}
}

// A headless run makes the object, shows what Chaos Mesh says of it in
// the timeline, deletes it on halt and leaves nothing behind.
func TestRunOnCluster(t *testing.T) {
	t.Parallel()
	srv := kubetest.Start(t)
	ns := srv.Namespace(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv.Play(ctx, kubetest.Controller{Namespace: ns, Kinds: kinds, Pods: 2, Hold: 200 * time.Millisecond})
	out := t.TempDir()
	code, stdout, stderr := e2e.Run(t, nil, "run", stateFlag(t), "--out", out, experiment(t, srv.Kubeconfig, ns, ""))
	if code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", code, e2e.Tail(stdout, 30), e2e.Tail(stderr, 30))
	}
	report, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Chaos Mesh: injected into 2 of 2 pods", "100 ms ± 10 ms network delay on inventory"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("report.md lacks %q:\n%s", want, report)
		}
	}
	if n := objects(t, srv, ns); n != 0 {
		t.Errorf("after the run, %d objects are left", n)
	}
}

// After kill -9 in the middle of a fault, the object is still there (its
// own duration would end it); gameday recover deletes it.
func TestRecoverAfterKill(t *testing.T) {
	t.Parallel()
	srv := kubetest.Start(t)
	ns := srv.Namespace(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	state := stateFlag(t)
	file := experiment(t, srv.Kubeconfig, ns, "")
	cmd := exec.Command(e2e.Binary(t), "run", state, file)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for objects(t, srv, ns) == 0 {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("no object after 30 s:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill() // SIGKILL: nothing runs on the way out
	_ = cmd.Wait()
	if n := objects(t, srv, ns); n != 1 {
		t.Fatalf("after kill -9, %d objects; want the one that was on", n)
	}
	srv.Play(ctx, kubetest.Controller{Namespace: ns, Kinds: kinds, Pods: 1})
	code, stdout, stderr := e2e.Run(t, nil, "recover", state)
	if code != 0 || !strings.Contains(stdout+stderr, "deleted NetworkChaos "+ns+"/gameday-") {
		t.Fatalf("recover: exit %d\n%s%s", code, stdout, stderr)
	}
	if n := objects(t, srv, ns); n != 0 {
		t.Errorf("after recover, %d objects", n)
	}
}

// Every Kubernetes fault kind gameday offers makes an object that the
// real Chaos Mesh CRDs' schemas accept (a dry run of each), with every
// parameter it takes given.
func TestEveryKindPassesTheSchema(t *testing.T) {
	t.Parallel()
	srv := kubetest.Start(t)
	ns := srv.Namespace(t)
	src := fmt.Sprintf(`name: every kind
targets:
  kubernetes:
    - {name: inventory, kubeconfig: %[1]s, namespace: %[2]s, labels: {app: inventory}}
    - {name: checkout, kubeconfig: %[1]s, namespace: %[2]s, pods: {%[2]s: [checkout-0]}, mode: "2"}
blocks:
  - {name: delay, fault: {kind: net-delay, target: inventory, delay: 50ms, jitter: 5ms, correlation: 25%%, direction: both, peer: checkout, external: [example.com, 10.0.0.0/8]}}
  - {name: loss, fault: {kind: net-loss, target: inventory, probability: 10%%, correlation: 50%%, direction: from, peer: checkout}}
  - {name: dup, fault: {kind: net-duplicate, target: inventory, probability: 5%%}}
  - {name: corrupt, fault: {kind: net-corrupt, target: inventory, probability: 1%%, mode: 50%%}}
  - {name: bandwidth, fault: {kind: net-bandwidth, target: inventory, rate: 100KB/s, external: [192.168.1.1]}}
  - {name: partition, fault: {kind: net-partition, target: inventory, direction: both, peer: checkout, mode: one}}
  - {name: pod kill, fault: {kind: pod-kill, target: inventory, mode: 1}}
  - {name: pod failure, fault: {kind: pod-failure, target: checkout}}
  - {name: container kill, fault: {kind: container-kill, target: inventory, containers: [app, sidecar]}}
  - {name: http delay, fault: {kind: http-delay, target: inventory, port: 8080, delay: 300ms, match: {method: GET, path: /api, headers: {X-Canary: "1"}}}}
  - {name: http abort, fault: {kind: http-abort, target: inventory, port: 8080}}
  - {name: http status, fault: {kind: http-status, target: inventory, port: 8080, status: 503, match: {path: /}}}
  - {name: cpu, fault: {kind: stress-cpu, target: checkout, workers: 2, load: 80%%}}
  - {name: memory, fault: {kind: stress-memory, target: inventory, workers: 1, size: 256MB}}
`, srv.Kubeconfig, ns)
	file := filepath.Join(t.TempDir(), "every.yaml")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := e2e.Run(t, nil, "validate", "--cluster", file)
	if code != 0 || !strings.Contains(out, "14 blocks") {
		t.Fatalf("validate --cluster of every kind: exit %d\n%s%s", code, out, errOut)
	}
	if n := objects(t, srv, ns); n != 0 {
		t.Errorf("a dry run made %d objects", n)
	}
}
