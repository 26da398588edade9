package inject_test

import (
	"context"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// silentServer returns the address of a TCP listener that accepts
// connections and never answers on them.
func silentServer(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// within calls fn with a ctx of 200 ms and returns its error and how long
// it took. A call that honours ctx takes about 200 ms; the bound checked
// is loose (a loaded machine), and far below the 30 s a request could
// wait without ctx.
func within(t testing.TB, what string, fn func(ctx context.Context) error) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	began := time.Now()
	err := fn(ctx)
	took := time.Since(began)
	t.Logf("%s: %v after %v", what, err, took.Round(time.Millisecond))
	if took > 5*time.Second {
		t.Errorf("%s took %v with a 200 ms ctx", what, took)
	}
	return err
}

// TestToxicHonoursCtx: a Toxiproxy server that accepts and never answers
// holds Start and Stop only as long as their ctx; the toxic whose create
// was given up on stays recorded, for Stop or recover.
func TestToxicHonoursCtx(t *testing.T) {
	addr := silentServer(t)
	rec := newRecorder()
	x := inject.NewToxic("slow", latencyFault(addr, 100))
	x.SetRecorder(rec)

	err := within(t, "Start", x.Start)
	wantErr(t, "Start", err, "did not answer the create in time", "http://"+addr, "may exist", "deadline exceeded")
	if len(rec.pending()) != 1 {
		t.Errorf("after a create given up on: records %v, want the toxic's (it may exist)", rec.pending())
	}
	err = within(t, "Stop", x.Stop)
	wantErr(t, "Stop", err, "did not answer the delete in time", "gameday recover")
	if len(rec.pending()) != 1 {
		t.Errorf("after a failed Stop: records %v", rec.pending())
	}
	err = within(t, "Stop again", x.Stop) // tried again
	wantErr(t, "Stop again", err, "did not answer the delete in time")
}

// TestToxicCreateGivenUpIsDeleted: the server does the create but
// answers too late; the toxic is on. Stop deletes it; so does recover,
// when gameday died instead.
func TestToxicCreateGivenUpIsDeleted(t *testing.T) {
	ts := newToxiServer(t)
	for _, how := range []string{"Stop", "recover"} {
		t.Run(how, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			x := inject.NewToxic("late-"+strings.ToLower(how), latencyFault(ts.URL, 100))
			x.SetRecorder(openState(t, path))
			ts.late.Store(true)
			err := within(t, "Start", x.Start)
			ts.late.Store(false)
			wantErr(t, "Start", err, "did not answer the create in time")
			name := x.ToxicName("downstream")
			if !slices.Contains(ts.toxicNames(t), name) {
				t.Fatalf("the server did not create %s: %v", name, ts.toxicNames(t))
			}
			if keys := pendingKeys(t, openState(t, path)); len(keys) != 1 {
				t.Fatalf("records %v", keys)
			}
			switch how {
			case "Stop":
				stop(t, x)
			case "recover":
				out, err := recoverState(t, path, inject.RecoverOptions{})
				if err != nil || !out.has("deleted toxic "+name) {
					t.Errorf("recover: %v\n%s", err, out)
				}
			}
			if slices.Contains(ts.toxicNames(t), name) {
				t.Errorf("%s left the toxic: %v", how, ts.toxicNames(t))
			}
			if keys := pendingKeys(t, openState(t, path)); len(keys) != 0 {
				t.Errorf("records left: %v", keys)
			}
		})
	}
}

// TestToxicUpdateHonoursCtx: an Update to a server that hangs returns
// with ctx, and the next Update sends the intensity again.
func TestToxicUpdateHonoursCtx(t *testing.T) {
	ts := newToxiServer(t)
	x := started(t, inject.NewToxic("upd", latencyFault(ts.URL, 100)))
	name := x.ToxicName("downstream")
	ts.late.Store(true)
	err := within(t, "Update", func(ctx context.Context) error { return x.Update(ctx, 0.5) })
	ts.late.Store(false)
	wantErr(t, "Update", err, "did not answer the update in time")
	ts.requests()
	update(t, x, 0.5)
	if got := ts.requests(); len(got) != 1 {
		t.Errorf("the Update after one given up on made requests %q, want it sent again", got)
	}
	if a := ts.toxics(t)[name].Attributes; a["latency"] != 50.0 {
		t.Errorf("attributes %v", a)
	}

	// A Start after one given up on deletes what it left first.
	y := inject.NewToxic("again", latencyFault(ts.URL, 100))
	ts.late.Store(true)
	err = within(t, "Start", y.Start)
	ts.late.Store(false)
	wantErr(t, "Start", err, "did not answer")
	started(t, y)
	if got := ts.toxicNames(t); !slices.Equal(got, []string{y.ToxicName("downstream"), name}) {
		t.Errorf("toxics %v", got)
	}
}

// TestToxicStopCancelsUpdate: a halt does not wait behind an Update that
// waits for a server that does not answer (with no deadline of its own,
// it would wait 30 s).
func TestToxicStopCancelsUpdate(t *testing.T) {
	ts := newToxiServer(t)
	x := started(t, inject.NewToxic("stuck", latencyFault(ts.URL, 100)))
	ts.requests()
	ts.late.Store(true)
	updated := make(chan error, 1)
	go func() { updated <- x.Update(context.Background(), 0.5) }()
	deadline := time.Now().Add(10 * time.Second)
	for !slices.ContainsFunc(ts.requests(), func(r string) bool { return strings.HasPrefix(r, "POST ") }) {
		if time.Now().After(deadline) {
			t.Fatal("the Update never reached the server")
		}
		time.Sleep(5 * time.Millisecond)
	}
	ts.late.Store(false) // the server answers again, but not that request
	err := within(t, "Stop", x.Stop)
	if err != nil {
		t.Errorf("Stop: %v", err)
	}
	select {
	case err := <-updated:
		wantErr(t, "Update", err, "the update was cancelled before the Toxiproxy server at "+ts.URL+" answered", "context canceled")
	case <-time.After(10 * time.Second):
		t.Error("the Update did not return")
	}
	if got := ts.toxicNames(t); len(got) != 0 {
		t.Errorf("toxics %v", got)
	}
}
