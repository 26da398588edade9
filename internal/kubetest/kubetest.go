// Package kubetest starts a real Kubernetes API server that serves custom
// resources, with Chaos Mesh's CRDs installed, for the tests of other
// packages (import it from _test.go files only).
//
// The stack runs on loopback only: etcd (Debian's etcd-server), the
// standalone k8s.io/apiextensions-apiserver (built by .ci/kube-apiserver)
// and an in-process stub that stands in for the kube-apiserver it
// delegates authentication and authorization to. One stack serves the
// whole test process: Start starts it on first use, the kernel ends it with
// the test binary (Pdeathsig), and TestMain may call Stop.
package kubetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// Server is a running stack. Its fields are set once and only read.
type Server struct {
	// Kubeconfig is the path of a kubeconfig whose current context,
	// ContextName, reaches the server as the user "admin" (AdminToken).
	Kubeconfig string
	// Config reaches the server as "admin"; Dynamic is a client on it.
	Config  *rest.Config
	Dynamic dynamic.Interface
	// StartTime is how long the stack took to start, from Start's first
	// call until every CRD was Established; ReadyTime until the API
	// server's /readyz answered ok (etcd and the server up), CRDTime the
	// CRDs' creation until Established.
	StartTime, ReadyTime, CRDTime time.Duration
	// CRDs are the names of the CustomResourceDefinitions installed.
	CRDs []string

	dir       string // temp dir: etcd data, certs, kubeconfigs
	stub      *stub
	etcd, api *proc

	mu          sync.Mutex
	kubeconfigs map[string]string // by token
	nsSeq       atomic.Int64
}

var (
	sharedMu  sync.Mutex
	started   bool
	shared    *Server
	sharedErr error
)

// missingError is a tool that the stack needs and the machine lacks.
type missingError struct{ what, install string }

func (e *missingError) Error() string { return e.what + " is not installed (" + e.install + ")" }

// Start returns the process's stack, starting it on the first call. When
// etcd or the API server binary is missing, the test skips, or fails under
// GAMEDAY_REQUIRE_ALL=1 (as in .ci/run). A stack that fails to start fails
// every test that asks for it.
func Start(t testing.TB) *Server {
	t.Helper()
	sharedMu.Lock()
	if !started {
		started = true
		shared, sharedErr = start()
	}
	s, err := shared, sharedErr
	sharedMu.Unlock()
	var m *missingError
	switch {
	case errors.As(err, &m) && os.Getenv("GAMEDAY_REQUIRE_ALL") == "1":
		t.Fatalf("kubetest: %v; it is required (GAMEDAY_REQUIRE_ALL=1)", err)
	case errors.As(err, &m):
		t.Skipf("kubetest: %v; skipping (set GAMEDAY_REQUIRE_ALL=1 to make this a failure)", err)
	case err != nil:
		t.Fatalf("kubetest: %v", err)
	}
	return s
}

// Stop ends the stack, if one was started, and removes its files; Start
// fails after it. Call it from TestMain after m.Run; without it the kernel
// ends etcd and the server with the test binary.
func Stop() {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared != nil {
		shared.stop()
		shared = nil
	}
	started = true
	sharedErr = errors.New("the stack was stopped (Stop)")
}

const installHint = "run .ci/kube-apiserver to build the API server and install etcd-server"

// apiserverPath finds the API server binary: $GAMEDAY_KUBE_APISERVER, else
// where .ci/kube-apiserver puts it, else $PATH.
func apiserverPath() (string, error) {
	const name = "apiextensions-apiserver"
	if p := os.Getenv("GAMEDAY_KUBE_APISERVER"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			return "", &missingError{what: name + " (GAMEDAY_KUBE_APISERVER=" + p + ")", install: installHint}
		}
		return p, nil
	}
	dir := os.Getenv("GAMEDAY_KUBE_BIN")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "gameday", "bin")
	}
	if p, err := exec.LookPath(filepath.Join(dir, name)); err == nil {
		return p, nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", &missingError{what: name + " (not in " + dir + " nor in $PATH)", install: installHint}
}

func start() (_ *Server, err error) {
	t0 := time.Now()
	apiPath, err := apiserverPath()
	if err != nil {
		return nil, err
	}
	etcdPath, err := exec.LookPath("etcd")
	if err != nil {
		return nil, &missingError{what: "etcd (Debian's etcd-server)", install: installHint}
	}
	removeStale()
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", tempPrefix, os.Getpid()))
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, kubeconfigs: map[string]string{}}
	defer func() {
		if err != nil {
			s.stop()
		}
	}()

	// Read the CRDs while etcd and the server start.
	type crdResult struct {
		crds [][]byte
		err  error
	}
	crdc := make(chan crdResult, 1)
	dlCtx, dlCancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer dlCancel()
	go func() {
		crds, err := chaosMeshCRDs(dlCtx, dir)
		crdc <- crdResult{crds, err}
	}()

	if err := s.launch(etcdPath, apiPath); err != nil {
		dlCancel()
		<-crdc
		return nil, err
	}
	s.ReadyTime = time.Since(t0)
	r := <-crdc
	if r.err != nil {
		return nil, r.err
	}
	t1 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if s.CRDs, err = installCRDs(ctx, s.Config, r.crds); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, s.api.tail)
	}
	s.CRDTime = time.Since(t1)
	s.StartTime = time.Since(t0)
	return s, nil
}

func (s *Server) stop() {
	s.api.kill()
	s.etcd.kill()
	if s.stub != nil {
		s.stub.close()
	}
	_ = os.RemoveAll(s.dir)
}
