package inject

import (
	"context"
	"errors"
	"fmt"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
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
//	                                        └─ toxic gameday-NAME-STREAM
//
// Start creates the toxic "gameday-NAME-STREAM"; Update changes its
// attributes in place (one request per toxic); Stop deletes it. Intensity
// i scales the attributes that measure the fault's strength, from the
// values given (at 1) to no effect (at 0): latency and jitter (latency),
// delay (slow_close, and slicer's delay between slices) are multiplied by
// i; rate (bandwidth) and bytes (limit_data) are divided by it, up to no
// limit in practice at 0. Toxicity stays as given. timeout and reset_peer
// have no strength: Update only checks its argument.
//
// The Toxiproxy client takes no context: every request is bounded by its
// own 30 s timeout. Start and Update wait for the answer; Stop gives up
// waiting when ctx ends (the record, if any, stays for recover).
//
// With a RevertRecorder set, each toxic is recorded {toxic, ref} before
// it is created and forgotten once it is deleted.
type ToxicInjector struct {
	name   string
	fault  ToxicFault
	server string // fault.Server, normalized
	client *toxiclient.Client

	reverting
	intensity float64  // wanted
	applied   float64  // what the live toxics have
	live      []string // streams whose toxic exists
	// stuck are streams whose toxic a Stop failed to delete: their revert
	// record stays until a delete succeeds, even if a later Start fails.
	stuck map[string]bool
}

// NewToxic returns the injector of fault f, named name (letters, digits
// and . _ : - only; it goes into the toxics' names).
func NewToxic(name string, f ToxicFault) *ToxicInjector {
	server, err := toxiServer(f.Server)
	if err != nil {
		server = f.Server // Start reports it
	}
	c := toxiclient.NewClient(server)
	c.UserAgent = "gameday"
	return &ToxicInjector{name: name, fault: f, server: server, client: c, intensity: 1}
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

func (x *ToxicInjector) ref(stream string) ToxicRef {
	return ToxicRef{Server: x.server, Proxy: x.fault.Proxy, Name: "gameday-" + x.name + "-" + stream}
}

func (x *ToxicInjector) key(stream string) string {
	r := x.ref(stream)
	return "toxic/" + r.Server + "/" + r.Proxy + "/" + r.Name
}

func (x *ToxicInjector) proxy() *toxiclient.Proxy {
	p := x.client.NewProxy()
	p.Name = x.fault.Proxy
	return p
}

// Start creates the toxics. If one cannot be created, Start deletes those
// it created and returns an error that says why and what to do.
func (x *ToxicInjector) Start(ctx context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.started {
		return nil
	}
	if err := x.Validate(); err != nil {
		return err
	}
	for _, s := range x.streams() {
		var err error
		if cerr := ctx.Err(); cerr != nil {
			err = fmt.Errorf("inject: toxic fault %q: not started: %w", x.name, cerr)
		} else {
			err = x.create(s)
		}
		if err != nil {
			return errors.Join(err, x.removeAll(context.WithoutCancel(ctx)))
		}
	}
	x.started = true
	return nil
}

// create records and creates the toxic of one stream. Called with x.mu held.
func (x *ToxicInjector) create(stream string) error {
	ref := x.ref(stream)
	r := Revert{Kind: RevertToxic, Toxic: &ref, Note: fmt.Sprintf("%s %s put by gameday fault %q", x.fault.Type, ref, x.name)}
	if err := x.record(x.key(stream), r); err != nil {
		return fmt.Errorf("inject: %s: not created: cannot record how to delete it: %w", ref, err)
	}
	toxicity := float32(x.fault.Toxicity)
	if toxicity == 0 {
		toxicity = 1
	}
	_, err := x.proxy().AddToxic(ref.Name, x.fault.Type, stream, toxicity, x.fault.attrsAt(x.intensity))
	if err != nil {
		err = fmt.Errorf("inject: %w", toxicError(x.client, ref, err))
		// Forget the record made for this start, unless an earlier toxic of
		// this name may still be on the server (a failed delete): recover
		// must still find it.
		if !x.stuck[stream] {
			if ferr := x.forget(x.key(stream)); ferr != nil {
				err = errors.Join(err, ferr)
			}
		}
		return err
	}
	x.live = append(x.live, stream)
	x.applied = x.intensity
	return nil
}

// Update sets the intensity: one request per live toxic, none if the
// toxic type has no strength or the intensity is the one applied.
func (x *ToxicInjector) Update(ctx context.Context, intensity float64) error {
	if !isProbability(intensity) {
		return fmt.Errorf("inject: toxic fault %q: intensity %v is not within 0..1", x.name, intensity)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.intensity = intensity
	tt := toxicTypes[x.fault.Type]
	if !x.started || intensity == x.applied || len(tt.scaled)+len(tt.inverse) == 0 {
		return nil
	}
	attrs := x.fault.attrsAt(intensity)
	for _, s := range x.live {
		if _, err := x.proxy().UpdateToxic(x.ref(s).Name, -1, attrs); err != nil { // -1: toxicity as is
			return fmt.Errorf("inject: %w", toxicError(x.client, x.ref(s), err))
		}
	}
	x.applied = intensity
	return nil
}

// Stop deletes the toxics (a toxic already gone is fine) and forgets
// their records. Once it has succeeded, a second call does nothing and
// returns nil; after a failed deletion (its record stays for recover), a
// second call tries to delete what is left.
func (x *ToxicInjector) Stop(ctx context.Context) error {
	return x.stopOnce(func() error { return x.removeAll(ctx) })
}

// removeAll deletes the live toxics; those it could not delete stay
// live. Called with x.mu held.
func (x *ToxicInjector) removeAll(ctx context.Context) error {
	var errs []error
	var left []string
	for _, s := range x.live {
		if _, err := deleteToxic(ctx, x.ref(s)); err != nil {
			errs = append(errs, fmt.Errorf("inject: %w", err))
			if x.stuck == nil {
				x.stuck = map[string]bool{}
			}
			x.stuck[s] = true
			left = append(left, s)
			continue
		}
		delete(x.stuck, s)
		if err := x.forget(x.key(s)); err != nil {
			errs = append(errs, fmt.Errorf("inject: %s: deleted, but cannot forget its revert record: %w", x.ref(s), err))
		}
	}
	x.live = left
	return errors.Join(errs...)
}
