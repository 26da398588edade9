package inject

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// KubeCluster says how to reach a Kubernetes API server: a kubeconfig
// file and a context in it. It is what gameday records of a cluster, so
// that `gameday recover` reaches the same one.
type KubeCluster struct {
	// Kubeconfig is the file; "" means $KUBECONFIG (a list of files, as
	// kubectl reads it), else ~/.kube/config.
	Kubeconfig string `json:"kubeconfig,omitempty"`
	// Context is the context in it; "" means its current context.
	Context string `json:"context,omitempty"`
}

func (c KubeCluster) String() string {
	file := c.Kubeconfig
	if file == "" {
		file = "the default kubeconfig"
	}
	if c.Context == "" {
		return "the current context of " + file
	}
	return fmt.Sprintf("context %q of %s", c.Context, file)
}

// kubeClient is one cluster's dynamic client, shared by the faults on it.
type kubeClient struct {
	dyn       dynamic.Interface
	host      string // the API server's address, for messages
	namespace string // the context's namespace, "default" when it names none
	user      string // the context's user, for messages
}

var kubeClients sync.Map // KubeCluster → *kubeClient

// kubeTimeout bounds every request, whatever its ctx: a server that
// accepts a connection and never answers must not hold a call forever.
const kubeTimeout = 30 * time.Second

// clientFor returns the cluster's client, built on first use. Loading a
// kubeconfig does not reach the server: errors here are the file's.
func clientFor(c KubeCluster) (*kubeClient, error) {
	if v, ok := kubeClients.Load(c); ok {
		return v.(*kubeClient), nil
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = c.Kubeconfig
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: c.Context})
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c, kubeconfigError(c, err))
	}
	ns, _, err := cc.Namespace()
	if err != nil || ns == "" {
		ns = "default"
	}
	raw, _ := cc.RawConfig()
	ctxName := c.Context
	if ctxName == "" {
		ctxName = raw.CurrentContext
	}
	user := ""
	if kc, ok := raw.Contexts[ctxName]; ok {
		user = kc.AuthInfo
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = kubeTimeout
	// A halt must never wait behind client-go's own rate limiter: a
	// session makes few requests, so the limits are generous.
	cfg.QPS, cfg.Burst = 100, 200
	cfg.UserAgent = "gameday"
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c, err)
	}
	kc := &kubeClient{dyn: dyn, host: cfg.Host, namespace: ns, user: user}
	v, _ := kubeClients.LoadOrStore(c, kc)
	return v.(*kubeClient), nil
}

// ClusterHost returns the host name or address of the cluster's API
// server, as its kubeconfig gives it, without asking the server.
func ClusterHost(c KubeCluster) (string, error) {
	k, err := clientFor(c)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(k.host)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("%s: the server %q is not a URL", c, k.host)
	}
	return u.Hostname(), nil
}

// kubeconfigError shortens client-go's messages about a missing or empty
// kubeconfig, which name no file.
func kubeconfigError(c KubeCluster, err error) error {
	switch {
	case clientcmd.IsEmptyConfig(err) && c.Kubeconfig != "":
		return errors.New("it names no cluster to reach (no current-context, or an empty file)")
	case clientcmd.IsEmptyConfig(err):
		return errors.New("no kubeconfig: set KUBECONFIG, or give targets.kubernetes[].kubeconfig, or create ~/.kube/config")
	}
	return err
}

// kubeError says what went wrong with a request of verb on what (a
// resource, in words), in terms a person can act on: the server cannot be
// reached or did not answer, RBAC forbids it, the kind is not installed,
// the server refused the object.
func (k *kubeClient) kubeError(ctx context.Context, verb string, gvr schema.GroupVersionResource, kind, ns string, err error) error {
	where := ""
	if ns != "" {
		where = " in namespace " + ns
	}
	var st apierrors.APIStatus
	switch {
	case ctx.Err() != nil && !errors.As(err, &st):
		return fmt.Errorf("the Kubernetes API server at %s did not answer to %s %s%s in time: %w", k.host, verb, kind, where, ctx.Err())
	case apierrors.IsForbidden(err):
		who := k.user
		if who == "" {
			who = "this kubeconfig's user"
		}
		return fmt.Errorf("forbidden: %s may not %s %s (%s)%s; grant it the role docs/kubernetes.md gives (the server said: %s)",
			who, verb, gvr.Resource, gvr.Group, where, brief(apierrors.ReasonForError(err), err))
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("unauthorized: the Kubernetes API server at %s does not accept this kubeconfig's credentials (expired?)", k.host)
	case apierrors.IsNotFound(err) && isResourceMissing(err):
		return fmt.Errorf("no %s kind in this cluster: is Chaos Mesh installed? (%s %s is not served at %s)", kind, gvr.Group, gvr.Version, k.host)
	case apierrors.IsInvalid(err) || apierrors.IsBadRequest(err):
		return fmt.Errorf("the cluster refused the %s: %s", kind, brief("", err))
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &oe) || errors.As(err, &ne) || strings.Contains(err.Error(), "connection refused") {
		return fmt.Errorf("cannot reach the Kubernetes API server at %s: %s", k.host, brief("", err))
	}
	return fmt.Errorf("%s %s%s: %s", verb, kind, where, brief("", err))
}

// isResourceMissing tells a 404 for the collection (the kind is not
// served) from one for an object.
func isResourceMissing(err error) bool {
	var st apierrors.APIStatus
	if !errors.As(err, &st) {
		return false
	}
	d := st.Status().Details
	return d == nil || d.Name == ""
}

// brief is err's message on one line, at most 300 characters: a server's
// message may be long, and it is shown in a one-line timeline.
func brief(reason any, err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if r := fmt.Sprint(reason); r != "" && r != "<nil>" && !strings.Contains(s, r) {
		s = r + ": " + s
	}
	if len(s) > 300 {
		s = s[:297] + "..."
	}
	return s
}
