package kubetest

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ContextName is the context (and cluster) name in every kubeconfig that
// the Server writes.
const ContextName = "gameday-test"

// AdminToken is the bearer token of Server.Kubeconfig and Server.Config:
// the stub authenticates it as the user "admin", who may do everything.
const AdminToken = "admin"

// writeKubeconfig writes a kubeconfig with one cluster, one user with a
// bearer token, and one context, ContextName, which is current.
func writeKubeconfig(path, server string, caData []byte, token string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[ContextName] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caData}
	cfg.AuthInfos[ContextName] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts[ContextName] = &clientcmdapi.Context{Cluster: ContextName, AuthInfo: ContextName}
	cfg.CurrentContext = ContextName
	return clientcmd.WriteToFile(*cfg, path)
}

// KubeconfigFor returns the path of a kubeconfig like Kubeconfig whose user
// has the given bearer token, which the stub authenticates as the user of
// that name: KubeconfigFor(ForbiddenUser) is denied every request (403).
// It panics if the file cannot be written (the server's temp dir is gone).
func (s *Server) KubeconfigFor(token string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.kubeconfigs[token]; ok {
		return p
	}
	p := filepath.Join(s.dir, fmt.Sprintf("kubeconfig-%d", len(s.kubeconfigs)))
	if err := writeKubeconfig(p, s.Config.Host, s.Config.CAData, token); err != nil {
		panic("kubetest: " + err.Error())
	}
	s.kubeconfigs[token] = p
	return p
}

// ConfigFor returns a copy of Config whose bearer token is token.
func (s *Server) ConfigFor(token string) *rest.Config {
	c := rest.CopyConfig(s.Config)
	c.BearerToken = token
	return c
}

var notLabel = regexp.MustCompile(`[^a-z0-9]+`)

// Namespace returns a namespace name of its own for the test, made from its
// name (a DNS label, unique in the process). The server has no Namespace
// objects and no NamespaceLifecycle admission: namespaced custom resources
// can be created in it straight away, and need no clean-up between tests.
func (s *Server) Namespace(t testing.TB) string {
	suffix := fmt.Sprintf("-%d", s.nsSeq.Add(1))
	base := strings.Trim(notLabel.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if max := 63 - len(suffix); len(base) > max {
		base = strings.TrimRight(base[:max], "-")
	}
	if base == "" {
		base = "t"
	}
	return base + suffix
}
