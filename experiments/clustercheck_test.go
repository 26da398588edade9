package experiments_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gameday-dev/gameday/experiments"
)

// podsServer stands in for an API server that serves pods (the real one
// in internal/kubetest serves custom resources only): it lists pods
// app=inventory in shop, none for any other selector, and takes every
// Chaos Mesh object (a dry run) as it comes.
func podsServer(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/namespaces/shop/pods":
			items := ""
			if r.URL.Query().Get("labelSelector") == "app=inventory" {
				items = `{"metadata":{"name":"inventory-1","namespace":"shop"}},{"metadata":{"name":"inventory-0","namespace":"shop"}}`
			}
			io.WriteString(w, `{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[`+items+`]}`)
		case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/apis/chaos-mesh.org/v1alpha1/namespaces/shop/") && r.URL.Query().Get("dryRun") == "All":
			w.WriteHeader(http.StatusCreated)
			io.Copy(w, r.Body)
		default:
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: \"" + srv.URL + "\"}}]\n" +
		"users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n"
	if err := os.WriteFile(kc, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return kc
}

// The pre-flight names the pods each target picks, as the cluster says;
// a target that picks none is an error at its place.
func TestCheckClusters(t *testing.T) {
	kc := podsServer(t)
	src := `name: pods
targets:
  kubernetes:
    - {name: inventory, kubeconfig: ` + kc + `, namespace: shop, labels: {app: inventory}}
    - {name: ghosts, kubeconfig: ` + kc + `, namespace: shop, labels: {app: nothing}}
blocks:
  - {name: slow, fault: {kind: net-delay, target: inventory, delay: 100ms}}
`
	exps, errs := parse(t, src)
	if errs != nil {
		t.Fatal(errs)
	}
	e := exps[0]
	p := e.Preview()
	err := e.CheckClusters(context.Background(), &p)
	if err == nil || !strings.Contains(err.Error(), `exp.yaml:5:7: Kubernetes target "ghosts": its selector picks no pod (pods app=nothing in shop)`) {
		t.Fatalf("a selector that picks nothing: %v", err)
	}
	if k := p.Kubernetes[0]; !k.Checked || strings.Join(k.Pods, " ") != "shop/inventory-0 shop/inventory-1" {
		t.Errorf("pods of inventory: %+v", k)
	}
	var text strings.Builder
	if err := experiments.WritePreview(&text, p); err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(text.String()), " ") // the pre-flight wraps its lines
	if !strings.Contains(flat, "pods app=inventory in shop (mode all)") || !strings.Contains(flat, "2 pods: shop/inventory-0, shop/inventory-1") {
		t.Errorf("pre-flight:\n%s", text.String())
	}

	e.Targets.Kubernetes = e.Targets.Kubernetes[:1]
	p = e.Preview()
	if err := e.CheckClusters(context.Background(), &p); err != nil {
		t.Errorf("with the pods there and the dry run taken: %v", err)
	}
}

// A cluster whose API server is outside the file's allow: list is not
// asked anything; an external target outside it does not validate.
func TestKubernetesAllow(t *testing.T) {
	kc := podsServer(t)
	src := `name: allow
allow: [10.0.0.0/8, db.internal]
targets:
  kubernetes:
    - {name: inventory, kubeconfig: ` + kc + `, namespace: shop, labels: {app: inventory}}
blocks:
  - {name: cut, fault: {kind: net-partition, target: inventory, external: [10.1.0.0/16, db.internal]}}
`
	exps, errs := parse(t, src)
	if errs != nil {
		t.Fatal(errs)
	}
	p := exps[0].Preview()
	err := exps[0].CheckClusters(context.Background(), &p)
	if err == nil || !strings.Contains(err.Error(), `exp.yaml:5:7: Kubernetes target "inventory": its API server, host 127.0.0.1, is outside allow: (10.0.0.0/8, db.internal)`) {
		t.Errorf("an API server outside allow: %v", err)
	}
	_, errs = parse(t, strings.Replace(src, "external: [10.1.0.0/16, db.internal]", "external: [10.1.0.0/16, 0.0.0.0/0, example.com]", 1))
	wantErrors(t, errs, []string{`block "cut": external 0.0.0.0/0 is outside allow:`, `block "cut": external example.com is outside allow:`})
}
