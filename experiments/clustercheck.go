package experiments

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// clusterCheckTimeout bounds each question to a cluster: a pre-flight
// must not hang on an API server that does not answer.
const clusterCheckTimeout = 10 * time.Second

// CheckClusters asks each Kubernetes cluster the experiment names what
// it would do, and fills in p (from Preview) with the pods each target
// picks. It makes nothing: every block's Chaos Mesh object is created
// with dryRun=All, so the server checks it against the kind's schema,
// RBAC and admission. A target whose selector picks no pod, a cluster
// that cannot be reached, refuses gameday (RBAC) or has no Chaos Mesh,
// and an object the server would refuse are errors, each at its place in
// the file. A server that serves no pods (one for custom resources
// alone) leaves the pods unchecked, with a note.
func (e *Experiment) CheckClusters(ctx context.Context, p *Preflight) error {
	var errs FileErrors
	add := func(at Pos, format string, args ...any) {
		errs = append(errs, FileError{Pos: at, Msg: e.Redact(fmt.Sprintf(format, args...))})
	}
	for _, t := range e.Targets.Kubernetes {
		host, err := inject.ClusterHost(t.Cluster(e))
		switch {
		case err != nil:
			add(t.src.at(""), "Kubernetes target %q: %v", t.Name, err)
		case e.Allow != nil && !e.Allow.Allows(host):
			add(t.src.at(""), "Kubernetes target %q: its API server, host %s, is outside allow: (%s)", t.Name, excerpt(host), e.Allow.shown())
		}
	}
	if len(errs) > 0 { // nothing is asked of a cluster outside the list
		return errs
	}
	for i, t := range e.Targets.Kubernetes {
		cctx, cancel := context.WithTimeout(ctx, clusterCheckTimeout)
		pods, err := inject.MatchPods(cctx, t.Cluster(e), t.Namespace, t.selector(""))
		cancel()
		var pk *PreflightKubernetes
		if p != nil && i < len(p.Kubernetes) {
			pk = &p.Kubernetes[i]
		}
		switch {
		case errors.Is(err, inject.ErrPodsNotServed):
			if pk != nil {
				pk.Note = "this API server serves no pods: not checked"
			}
		case err != nil:
			add(t.src.at(""), "Kubernetes target %q: %v", t.Name, err)
		case len(pods) == 0:
			add(t.src.at(""), "Kubernetes target %q: its selector picks no pod (%s): check its labels and namespaces", t.Name, e.previewKubernetes(t).Selector)
		default:
			sort.Strings(pods)
			if pk != nil {
				pk.Checked, pk.Pods = true, pods
			}
		}
	}
	if len(errs) > 0 { // a cluster that cannot be reached fails every block alike
		return errs
	}
	for _, b := range e.Blocks {
		if b.Fault == nil || !b.Fault.Kind.OnKubernetes() {
			continue
		}
		cf, err := e.ChaosFault(b)
		if err != nil {
			add(b.Fault.src.at(""), "block %q: %v", b.Name, err)
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, clusterCheckTimeout)
		err = inject.NewChaos(b.Name, cf).DryRun(cctx)
		cancel()
		if err != nil {
			add(b.Fault.src.at(""), "block %q: %s", b.Name, strings.TrimPrefix(err.Error(), "inject: "))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// HasKubernetes reports whether the experiment has Kubernetes targets.
func (e *Experiment) HasKubernetes() bool { return len(e.Targets.Kubernetes) > 0 }
