package kubetest

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// tempPrefix starts the name of each stack's temp dir, followed by the test
// process's pid, so that a later process can remove a dead one's.
const tempPrefix = "gameday-kubetest-"

// launch starts etcd and the API server on free loopback ports, waiting for
// each; a port taken between its choice and its use is tried again.
func (s *Server) launch(etcdPath, apiPath string) error {
	s.stub = newStub()
	stubConfig := filepath.Join(s.dir, "stub.kubeconfig")
	stubCA := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.stub.srv.Certificate().Raw})
	if err := writeKubeconfig(stubConfig, s.stub.srv.URL, stubCA, "apiextensions-apiserver"); err != nil {
		return err
	}
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		if err = s.launchOnce(etcdPath, apiPath, stubConfig); err == nil ||
			!strings.Contains(err.Error(), "address already in use") {
			return err
		}
		s.api.kill()
		s.etcd.kill()
		s.api, s.etcd = nil, nil
	}
	return err
}

func (s *Server) launchOnce(etcdPath, apiPath, stubConfig string) error {
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	dataDir := filepath.Join(s.dir, "etcd")
	if err := os.RemoveAll(dataDir); err != nil {
		return err
	}
	s.etcd, err = startProc("etcd", etcdPath,
		"--name", "kubetest", "--data-dir", dataDir,
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "kubetest="+peerURL,
		"--logger", "zap", "--log-level", "warn")
	if err != nil {
		return err
	}
	if err := waitOK(s.etcd, http.DefaultClient, etcdURL+"/health", 30*time.Second); err != nil {
		return err
	}

	certDir := filepath.Join(s.dir, "certs")
	s.api, err = startProc("apiextensions-apiserver", apiPath,
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(ports[2]),
		"--cert-dir", certDir,
		"--authentication-kubeconfig", stubConfig,
		"--authorization-kubeconfig", stubConfig,
		"--kubeconfig", stubConfig,
		"--authentication-skip-lookup",
		"--enable-priority-and-fairness=false",
		"--disable-admission-plugins", "NamespaceLifecycle,MutatingAdmissionPolicy,MutatingAdmissionWebhook,ValidatingAdmissionPolicy,ValidatingAdmissionWebhook")
	if err != nil {
		return err
	}
	host := fmt.Sprintf("https://127.0.0.1:%d", ports[2])
	// The server writes its self-signed certificate before it serves: the
	// probe of /readyz need not verify it, every client after it does.
	probe := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if err := waitOK(s.api, probe, host+"/readyz?verbose", 60*time.Second); err != nil {
		if u := s.stub.unknownRequests(); u != "" {
			err = fmt.Errorf("%w\nrequests the stub did not serve:\n%s", err, u)
		}
		return err
	}
	probe.CloseIdleConnections()

	ca, err := os.ReadFile(filepath.Join(certDir, "apiserver.crt")) // its cert, then its CA's
	if err != nil {
		return err
	}
	s.Config = &rest.Config{Host: host, BearerToken: AdminToken,
		TLSClientConfig: rest.TLSClientConfig{CAData: ca},
		UserAgent:       "gameday-kubetest", QPS: 200, Burst: 400}
	if s.Dynamic, err = dynamic.NewForConfig(s.Config); err != nil {
		return err
	}
	s.Kubeconfig = filepath.Join(s.dir, "kubeconfig")
	s.kubeconfigs[AdminToken] = s.Kubeconfig
	return writeKubeconfig(s.Kubeconfig, host, ca, AdminToken)
}

// waitOK polls url until it answers 200, p exits, or limit passes; the
// error holds p's output and the last answer.
func waitOK(p *proc, c *http.Client, url string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	last := "no answer yet"
	for {
		if err := p.exited(); err != nil {
			return err
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := c.Do(req); err != nil {
			last = err.Error()
		} else {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<10))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status + "\n" + string(body)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %v at %s: %s\n%s output:\n%s", p.name, limit, url, last, p.name, p.tail)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// removeStale removes the temp dirs of stacks whose test process is gone
// (killed before it could remove them).
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tempPrefix+"*"))
	for _, d := range dirs {
		pidStr, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(d), tempPrefix), "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
			_ = os.RemoveAll(d)
		}
	}
}
