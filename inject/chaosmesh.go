package inject

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
)

var _ Injector = (*ChaosInjector)(nil)

// Labels gameday puts on the objects it makes: who made them, so that
// `gameday recover` and kubectl find them.
const (
	LabelManagedBy = "app.kubernetes.io/managed-by" // "gameday"
	LabelSession   = "gameday.dev/session"          // the SessionToken of the gameday that made it
	LabelBlock     = "gameday.dev/block"            // the block's name, made a label value
	AnnotBlock     = "gameday.dev/block-name"       // the block's name as it is
)

// ChaosRef names one Chaos Mesh object in a cluster.
type ChaosRef struct {
	Cluster   KubeCluster `json:"cluster"`
	Kind      string      `json:"kind"`
	Namespace string      `json:"namespace"`
	Name      string      `json:"name"`
	Session   string      `json:"session,omitempty"` // LabelSession's value
}

func (r ChaosRef) String() string {
	return fmt.Sprintf("%s %s/%s", r.Kind, r.Namespace, r.Name)
}

// ChaosInjector drives one Chaos Mesh object through the Kubernetes API:
//
//	gameday ──client-go──▶ API server ──▶ Chaos Mesh controller ──▶ pods
//
// Start creates the object (recorded first, so that `gameday recover`
// deletes it after a crash), labelled with the session and the block;
// Stop deletes it and waits until it is gone (Chaos Mesh's finalizer
// holds it until the pods are recovered); Update patches the scalars
// (the delay, the loss, the share of pods). The object carries its own
// duration, so the cluster ends the fault even if gameday dies and
// nobody recovers.
//
// Every call is bounded by its ctx (and each request by 30 s): a create
// given up on may still happen, so it counts as live (its record stays)
// and the next Stop, or Start, deletes it.
//
// Chaos Mesh's admission webhook refuses a change to the spec of most
// kinds of running object: Update then deletes the object, waits until
// it is gone, and creates it again at the new intensity (the fault is
// off meanwhile) — the error of Update says so when even that fails.
type ChaosInjector struct {
	name  string
	fault ChaosFault
	token string

	reverting
	updates   sync.Map // *context.CancelFunc of each Update in flight, for Stop
	intensity float64
	applied   float64
	live      bool // the object exists, or may
	ns        string
	client    *kubeClient
	recreated int // how many times Update had to recreate the object
}

// NewChaos returns the injector of f for the block called name.
func NewChaos(name string, f ChaosFault) *ChaosInjector {
	return &ChaosInjector{name: name, fault: f, token: SessionToken(), intensity: 1}
}

// Validate reports whether the fault can be started, without asking the
// cluster.
func (x *ChaosInjector) Validate() error {
	if err := x.fault.Validate(); err != nil {
		return fmt.Errorf("inject: chaos fault %q: %w", x.name, err)
	}
	return nil
}

// Ref returns the object's reference (its namespace resolved once the
// cluster's client is built).
func (x *ChaosInjector) Ref() ChaosRef {
	ns := x.fault.Namespace
	if ns == "" {
		ns = x.ns
	}
	return ChaosRef{Cluster: x.fault.Cluster, Kind: x.fault.Kind, Namespace: ns,
		Name: ChaosObjectName(x.token, x.name), Session: x.token}
}

func (x *ChaosInjector) key() string {
	r := x.Ref()
	return "chaos/" + r.Kind + "/" + r.Namespace + "/" + r.Name
}

// connect builds the cluster's client on first use.
func (x *ChaosInjector) connect() (dynamic.ResourceInterface, error) {
	if x.client == nil {
		c, err := clientFor(x.fault.Cluster)
		if err != nil {
			return nil, err
		}
		x.client, x.ns = c, c.namespace
	}
	return x.client.dyn.Resource(ChaosResource(x.fault.Kind)).Namespace(x.Ref().Namespace), nil
}

// object is the object to create at intensity i.
func (x *ChaosInjector) object(i float64) *unstructured.Unstructured {
	r := x.Ref()
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": ChaosGroupVersion.String(),
		"kind":       r.Kind,
		"metadata": map[string]any{
			"name":      r.Name,
			"namespace": r.Namespace,
			"labels": map[string]any{
				LabelManagedBy: "gameday",
				LabelSession:   x.token,
				LabelBlock:     labelOf(x.name),
			},
			"annotations": map[string]any{AnnotBlock: x.name},
		},
		"spec": x.fault.SpecAt(i),
	}}
	return u
}

// labelOf makes s a label value: at most 63 characters of letters,
// digits, - _ . beginning and ending with a letter or digit.
func labelOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	v := b.String()
	if len(v) > 63 {
		v = v[:63]
	}
	return strings.Trim(v, "-_.")
}

// Start creates the object, after deleting one an earlier Start gave up
// on.
func (x *ChaosInjector) Start(ctx context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.started {
		return nil
	}
	if err := x.Validate(); err != nil {
		return err
	}
	res, err := x.connect()
	if err != nil {
		return fmt.Errorf("inject: chaos fault %q: not started: %w", x.name, err)
	}
	if x.live {
		if err := x.remove(ctx, res); err != nil {
			return fmt.Errorf("inject: chaos fault %q: not started: what an earlier start left could not be deleted: %w", x.name, err)
		}
	}
	if err := x.create(ctx, res, x.intensity); err != nil {
		return err
	}
	x.started = true
	return nil
}

// create records and creates the object. Called with x.mu held.
func (x *ChaosInjector) create(ctx context.Context, res dynamic.ResourceInterface, i float64) error {
	ref := x.Ref()
	r := Revert{Kind: RevertChaos, Chaos: &ref, Target: x.name,
		Note: fmt.Sprintf("%s made by gameday fault %q in %s", ref, x.name, ref.Cluster)}
	if err := x.record(x.key(), r); err != nil {
		return fmt.Errorf("inject: %s: not created: cannot record how to delete it: %w", ref, err)
	}
	x.live = true
	_, err := res.Create(ctx, x.object(i), metav1.CreateOptions{FieldManager: "gameday", FieldValidation: "Strict"})
	if err == nil {
		x.applied = i
		return nil
	}
	kerr := x.client.kubeError(ctx, "create", ChaosResource(ref.Kind), ref.Kind, ref.Namespace, err)
	err = fmt.Errorf("inject: chaos fault %q: not started: %w", x.name, kerr)
	var st apierrors.APIStatus
	var oe *net.OpError
	if errors.As(err, &st) || errors.As(err, &oe) && oe.Op == "dial" { // the server answered, or was never reached: nothing was made
		x.live = false
		if ferr := x.forget(x.key()); ferr != nil {
			err = errors.Join(err, ferr)
		}
	}
	return err
}

// Update sets the intensity: a patch of the scalars while the object
// lives. A fault without scalars takes only intensity 1.
func (x *ChaosInjector) Update(ctx context.Context, intensity float64) error {
	if !isProbability(intensity) {
		return fmt.Errorf("inject: chaos fault %q: intensity %v is not within 0..1", x.name, intensity)
	}
	if !x.fault.scalable() && intensity != 1 {
		return fmt.Errorf("inject: chaos fault %q: a %s of this kind has no intensity to scale; halt it instead", x.name, x.fault.Kind)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	x.updates.Store(&cancel, nil)
	defer x.updates.Delete(&cancel)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.intensity = intensity
	if !x.started || intensity == x.applied {
		return nil
	}
	res, err := x.connect()
	if err != nil {
		return err
	}
	spec := map[string]any{}
	full := x.fault.SpecAt(intensity)
	for _, s := range x.fault.Scalars {
		setPath(spec, s.Path, getPath(full, s.Path))
	}
	patch, _ := json.Marshal(map[string]any{"spec": spec})
	ref := x.Ref()
	_, err = res.Patch(ctx, ref.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: "gameday", FieldValidation: "Strict"})
	if err == nil {
		x.applied = intensity
		return nil
	}
	if !refusesUpdate(err) {
		return fmt.Errorf("inject: chaos fault %q: %w", x.name, x.client.kubeError(ctx, "patch", ChaosResource(ref.Kind), ref.Kind, ref.Namespace, err))
	}
	// Chaos Mesh keeps a running object's spec as it was made: make it again.
	if err := x.remove(ctx, res); err != nil {
		return fmt.Errorf("inject: chaos fault %q: Chaos Mesh does not change a running %s, and it could not be deleted to make it again: %w", x.name, ref.Kind, err)
	}
	x.recreated++
	if err := x.create(ctx, res, intensity); err != nil {
		x.started = false
		return fmt.Errorf("%w (Chaos Mesh does not change a running %s: it was deleted to make it again at the new intensity, and the new one was not made: the fault is off)", err, ref.Kind)
	}
	return nil
}

// refusesUpdate reports whether err is Chaos Mesh's webhook refusing a
// change to a running object's spec.
func refusesUpdate(err error) bool {
	return err != nil && strings.Contains(err.Error(), "Cannot update chaos spec")
}

func getPath(m map[string]any, path []string) any {
	var v any = m
	for _, k := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// Stop cancels an Update in flight, deletes the object and waits until
// it is gone. Once it has succeeded, another Stop does nothing; after
// one that failed (the object stays recorded), another Stop tries again.
func (x *ChaosInjector) Stop(ctx context.Context) error {
	x.updates.Range(func(k, _ any) bool { (*k.(*context.CancelFunc))(); return true })
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.live {
		x.started = false
		return nil
	}
	res, err := x.connect()
	if err != nil {
		return err
	}
	if err := x.remove(ctx, res); err != nil {
		return fmt.Errorf("inject: chaos fault %q: %w", x.name, err)
	}
	x.started = false
	return nil
}

// remove deletes the live object, waits until it is gone and forgets
// its record. Called with x.mu held.
func (x *ChaosInjector) remove(ctx context.Context, res dynamic.ResourceInterface) error {
	ref := x.Ref()
	if _, err := deleteChaos(ctx, x.client, res, ref); err != nil {
		return err
	}
	x.live = false
	if err := x.forget(x.key()); err != nil {
		return fmt.Errorf("%s: deleted, but cannot forget its revert record: %w", ref, err)
	}
	return nil
}

// chaosPoll is how often a deletion is checked until the object is gone.
const chaosPoll = 100 * time.Millisecond

// deleteChaos deletes the object and waits until it is gone, while ctx
// lasts; gone reports that it was gone before the delete.
func deleteChaos(ctx context.Context, c *kubeClient, res dynamic.ResourceInterface, ref ChaosRef) (gone bool, err error) {
	gvr := ChaosResource(ref.Kind)
	bg := metav1.DeletePropagationBackground
	err = res.Delete(ctx, ref.Name, metav1.DeleteOptions{PropagationPolicy: &bg})
	switch {
	case apierrors.IsNotFound(err):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("%s: not deleted: %w", ref, c.kubeError(ctx, "delete", gvr, ref.Kind, ref.Namespace, err))
	}
	t := time.NewTicker(chaosPoll)
	defer t.Stop()
	for {
		u, err := res.Get(ctx, ref.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return false, nil
		case err == nil && u.GetDeletionTimestamp() == nil:
			// Another object of this name, made since: not ours to wait on.
			return false, nil
		}
		select {
		case <-ctx.Done():
			why := "it is still there"
			if err == nil && len(u.GetFinalizers()) > 0 {
				why = fmt.Sprintf("it is still there, held by finalizers %s (Chaos Mesh's controller removes them once it has recovered the pods: is it running?)", strings.Join(u.GetFinalizers(), ", "))
			}
			return false, fmt.Errorf("%s: deleted, but %s: %w", ref, why, ctx.Err())
		case <-t.C:
		}
	}
}
