package inject

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

var _ Injector = (*ToxicInjector)(nil)

// ToxicRef names a toxic on a Toxiproxy server.
type ToxicRef struct {
	Server string `json:"server"` // the API's address, http://host:port
	Proxy  string `json:"proxy"`
	Name   string `json:"name"`
}

func (r ToxicRef) String() string {
	return fmt.Sprintf("toxic %s on proxy %s at %s", r.Name, r.Proxy, r.Server)
}

// ToxicInjector drives one toxic (two with Stream "both") on a proxy of a
// Toxiproxy server, through its HTTP API:
//
//	gameday ──HTTP API──▶ toxiproxy-server ─┬─ proxy "redis" ─▶ upstream
//	                                        └─ toxic gameday-TOKEN-NAME-STREAM
//
// Start creates the toxic "gameday-TOKEN-NAME-STREAM", where TOKEN is the
// gameday process's SessionToken, so that two gamedays that run a fault
// of one name on one server do not collide; Update changes its
// attributes in place (one request per toxic); Stop deletes it.
// Intensity i scales the attributes that measure the fault's strength,
// from the values given (at 1) to no effect (at 0): latency and jitter
// (latency), delay (slow_close, and slicer's delay between slices) are
// multiplied by i; rate (bandwidth) and bytes (limit_data) are divided by
// it, up to no limit in practice at 0. Toxicity stays as given. timeout
// and reset_peer have no strength: Update only checks its argument.
//
// Every request is bounded by the call's ctx (and by 30 s): a call
// returns when ctx ends, with an error that says the server did not
// answer. A create given up on may still happen on the server: its toxic
// counts as on (its record stays), and the next Stop, or Start, deletes
// it first; after a Stop that failed, the next Stop tries again. Stop
// cancels an Update in flight (its intensity no longer matters) rather
// than wait behind it.
//
// With a RevertRecorder set, each toxic is recorded {toxic, ref} under
// "toxic/SERVER/PROXY/NAME" before it is created and forgotten once it
// is deleted.
type ToxicInjector struct {
	name   string
	fault  ToxicFault
	server string // fault.Server, normalized
	token  string // SessionToken, in the toxics' names

	reverting
	updates   sync.Map // *context.CancelFunc of each Update in flight, for Stop
	intensity float64  // wanted
	applied   float64  // what the live toxics have
	// live are the streams whose toxic exists, or may exist (a create
	// given up on, a delete that failed): their records exist.
	live []string
}

// NewToxic returns the injector of fault f, named name (letters, digits
// and . _ : - only; it goes into the toxics' names).
func NewToxic(name string, f ToxicFault) *ToxicInjector {
	server, err := toxiServer(f.Server)
	if err != nil {
		server = f.Server // Start reports it
	}
	return &ToxicInjector{name: name, fault: f, server: server, token: SessionToken(), intensity: 1}
}

// Validate reports whether the fault can be started.
func (x *ToxicInjector) Validate() error {
	var errs []error
	if !toxicName.MatchString(x.name) {
		errs = append(errs, fmt.Errorf("name %q: want letters, digits and . _ : - only", x.name))
	}
	if err := x.fault.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("inject: toxic fault %q: %w", x.name, err)
	}
	return nil
}

func (x *ToxicInjector) streams() []string {
	switch x.fault.Stream {
	case "both":
		return []string{"upstream", "downstream"}
	case "":
		return []string{"downstream"}
	}
	return []string{x.fault.Stream}
}

// ToxicName returns the name of the toxic on stream ("upstream" or
// "downstream"): gameday-TOKEN-NAME-STREAM.
func (x *ToxicInjector) ToxicName(stream string) string {
	return "gameday-" + x.token + "-" + x.name + "-" + stream
}

func (x *ToxicInjector) ref(stream string) ToxicRef {
	return ToxicRef{Server: x.server, Proxy: x.fault.Proxy, Name: x.ToxicName(stream)}
}

func (x *ToxicInjector) key(stream string) string {
	r := x.ref(stream)
	return "toxic/" + r.Server + "/" + r.Proxy + "/" + r.Name
}

func (x *ToxicInjector) api() toxiAPI { return toxiAPI{server: x.server} }

// Start creates the toxics, after deleting any that an earlier Start gave
// up on. If one cannot be created, Start deletes those it created (while
// ctx lasts; what is left, Stop deletes) and returns an error that says
// why and what to do.
func (x *ToxicInjector) Start(ctx context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.started {
		return nil
	}
	if err := x.Validate(); err != nil {
		return err
	}
	if err := x.removeAll(ctx); err != nil {
		return fmt.Errorf("inject: toxic fault %q: not started: what an earlier start left could not be deleted: %w", x.name, err)
	}
	for _, s := range x.streams() {
		var err error
		if cerr := ctx.Err(); cerr != nil {
			err = fmt.Errorf("inject: toxic fault %q: not started: %w", x.name, cerr)
		} else {
			err = x.create(ctx, s)
		}
		if err == nil {
			continue
		}
		if ctx.Err() == nil {
			return errors.Join(err, x.removeAll(ctx))
		}
		if slices.ContainsFunc(x.live, func(o string) bool { return o != s }) {
			err = fmt.Errorf("%w (the toxics it created stay recorded: the next Stop, or `gameday recover`, deletes them)", err)
		}
		return err
	}
	x.started = true
	return nil
}

// create records and creates the toxic of one stream. A create that the
// server did not do (it answered with an error, or could not be reached)
// is forgotten; one given up on stays live. Called with x.mu held.
func (x *ToxicInjector) create(ctx context.Context, stream string) error {
	ref := x.ref(stream)
	r := Revert{Kind: RevertToxic, Toxic: &ref, Target: x.name, Note: fmt.Sprintf("%s %s put by gameday fault %q", x.fault.Type, ref, x.name)}
	if err := x.record(x.key(stream), r); err != nil {
		return fmt.Errorf("inject: %s: not created: cannot record how to delete it: %w", ref, err)
	}
	toxicity := x.fault.Toxicity
	if toxicity == 0 {
		toxicity = 1
	}
	x.live = append(x.live, stream)
	err := x.api().create(ctx, ref.Proxy, toxicBody{Name: ref.Name, Type: x.fault.Type, Stream: stream,
		Toxicity: toxicity, Attributes: x.fault.attrsAt(x.intensity)})
	if err == nil {
		x.applied = x.intensity
		return nil
	}
	undone := answered(err) || notSent(err)
	err = fmt.Errorf("inject: %w", toxicError(ctx, ref, "create", err))
	if undone {
		x.live = slices.DeleteFunc(x.live, func(s string) bool { return s == stream })
		if ferr := x.forget(x.key(stream)); ferr != nil {
			err = errors.Join(err, ferr)
		}
	}
	return err
}

// Update sets the intensity: one request per live toxic, none if the
// toxic type has no strength or the intensity is the one applied.
func (x *ToxicInjector) Update(ctx context.Context, intensity float64) error {
	if !isProbability(intensity) {
		return fmt.Errorf("inject: toxic fault %q: intensity %v is not within 0..1", x.name, intensity)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	x.updates.Store(&cancel, nil)
	defer x.updates.Delete(&cancel)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.intensity = intensity
	tt := toxicTypes[x.fault.Type]
	if !x.started || intensity == x.applied || len(tt.scaled)+len(tt.inverse) == 0 {
		return nil
	}
	attrs := x.fault.attrsAt(intensity)
	for _, s := range x.live {
		if err := x.api().update(ctx, x.fault.Proxy, x.ref(s).Name, attrs); err != nil {
			return fmt.Errorf("inject: %w", toxicError(ctx, x.ref(s), "update", err))
		}
	}
	x.applied = intensity
	return nil
}

// Stop cancels an Update in flight, deletes the toxics (a toxic already
// gone is fine), also those a Start gave up on, and forgets their records. Once it has succeeded, a
// second call does nothing and returns nil; after a failed deletion (its
// record stays for recover), a second call tries to delete what is left.
func (x *ToxicInjector) Stop(ctx context.Context) error {
	x.updates.Range(func(k, _ any) bool { (*k.(*context.CancelFunc))(); return true })
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.removeAll(ctx); err != nil {
		return err
	}
	x.started = false
	return nil
}

// removeAll deletes the live toxics; those it could not delete stay
// live. Called with x.mu held.
func (x *ToxicInjector) removeAll(ctx context.Context) error {
	var errs []error
	var left []string
	for _, s := range x.live {
		if _, err := deleteToxic(ctx, x.ref(s)); err != nil {
			errs = append(errs, fmt.Errorf("inject: %w", err))
			left = append(left, s)
			continue
		}
		if err := x.forget(x.key(s)); err != nil {
			errs = append(errs, fmt.Errorf("inject: %s: deleted, but cannot forget its revert record: %w", x.ref(s), err))
		}
	}
	x.live = left
	return errors.Join(errs...)
}
