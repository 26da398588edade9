package inject_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/gameday-dev/gameday/inject"
)

// tname returns the name of this process's toxic "gameday-TOKEN-"+rest.
func tname(rest string) string { return "gameday-" + inject.SessionToken() + "-" + rest }

func latencyFault(server string, ms int64) inject.ToxicFault {
	return inject.ToxicFault{Server: server, Proxy: "echo", Type: "latency", Attributes: map[string]int64{"latency": ms}}
}

func TestToxicLatency(t *testing.T) {
	ts := newToxiServer(t)
	c := tcpDial(t, ts.Listen)
	if d := tcpMedianRoundTrip(t, c, 3); d > 150*time.Millisecond {
		t.Fatalf("round trip through the proxy without toxic: %v", d)
	}
	x := inject.NewToxic("lat", latencyFault(ts.URL, 200))
	started(t, x)
	if got := ts.toxicNames(t); !slices.Equal(got, []string{tname("lat-downstream")}) {
		t.Fatalf("toxics %v", got)
	}
	if d := tcpMedianRoundTrip(t, c, 3); d < 190*time.Millisecond {
		t.Errorf("round trip with 200 ms latency: %v", d)
	}

	ts.requests()
	update(t, x, 0.25) // 50 ms, on the live connection
	if got := ts.requests(); !slices.Equal(got, []string{"POST /proxies/echo/toxics/" + tname("lat-downstream")}) {
		t.Errorf("Update made requests %q, want one POST", got)
	}
	if a := ts.toxics(t)[tname("lat-downstream")].Attributes; a["latency"] != 50.0 {
		t.Errorf("attributes at 0.25: %v", a)
	}
	if d := tcpMedianRoundTrip(t, c, 5); d < 45*time.Millisecond || d > 170*time.Millisecond {
		t.Errorf("round trip with 50 ms latency: %v", d)
	}
	ts.requests()
	update(t, x, 0.25) // the same: no request
	if got := ts.requests(); len(got) != 0 {
		t.Errorf("Update to the same intensity made requests %q", got)
	}

	stop(t, x)
	if got := ts.toxicNames(t); len(got) != 0 {
		t.Errorf("toxics left after Stop: %v", got)
	}
	if d := tcpMedianRoundTrip(t, c, 5); d > 150*time.Millisecond {
		t.Errorf("round trip after Stop: %v", d)
	}
	if d := tcpMedianRoundTrip(t, tcpDial(t, ts.Listen), 3); d > 150*time.Millisecond {
		t.Errorf("round trip on a new connection after Stop: %v", d)
	}
}

func TestToxicUpdateBeforeStart(t *testing.T) {
	ts := newToxiServer(t)
	x := inject.NewToxic("lat", latencyFault(ts.URL, 400))
	update(t, x, 0.5)
	started(t, x)
	if a := ts.toxics(t)[tname("lat-downstream")].Attributes; a["latency"] != 200.0 {
		t.Errorf("started at 0.5 with attributes %v", a)
	}
}

// TestToxicScaling checks, on a real server, which attributes intensity
// scales for each type, and that toxicity and stream stay as given.
func TestToxicScaling(t *testing.T) {
	ts := newToxiServer(t)
	const unlimited = float64(1 << 40)
	tests := []struct {
		typ      string
		attrs    map[string]int64
		at5, at0 map[string]float64 // attributes at intensity 0.5 and 0
	}{
		{"latency", map[string]int64{"latency": 100, "jitter": 10},
			map[string]float64{"latency": 50, "jitter": 5}, map[string]float64{"latency": 0, "jitter": 0}},
		{"bandwidth", map[string]int64{"rate": 100},
			map[string]float64{"rate": 200}, map[string]float64{"rate": unlimited}},
		{"slow_close", map[string]int64{"delay": 100},
			map[string]float64{"delay": 50}, map[string]float64{"delay": 0}},
		{"slicer", map[string]int64{"average_size": 64, "size_variation": 8, "delay": 1000},
			map[string]float64{"average_size": 64, "size_variation": 8, "delay": 500},
			map[string]float64{"average_size": 64, "size_variation": 8, "delay": 0}},
		{"limit_data", map[string]int64{"bytes": 1000},
			map[string]float64{"bytes": 2000}, map[string]float64{"bytes": unlimited}},
		{"timeout", map[string]int64{"timeout": 100}, nil, nil},
		{"reset_peer", map[string]int64{"timeout": 100}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			x := inject.NewToxic(strings.ReplaceAll(tt.typ, "_", "-"), inject.ToxicFault{
				Server: ts.URL, Proxy: "echo", Type: tt.typ, Stream: "upstream", Toxicity: 0.5, Attributes: tt.attrs})
			started(t, x)
			name := tname(strings.ReplaceAll(tt.typ, "_", "-") + "-upstream")
			given := map[string]float64{}
			for k, v := range tt.attrs {
				given[k] = float64(v)
			}
			check := func(i float64, want map[string]float64) {
				t.Helper()
				ts.requests()
				update(t, x, i)
				reqs := ts.requests()
				tox := ts.toxics(t)[name]
				if tox.Stream != "upstream" || tox.Toxicity != 0.5 || tox.Type != tt.typ {
					t.Errorf("at %v: toxic %+v", i, tox)
				}
				switch {
				case tt.at5 == nil: // no strength: untouched, no request
					want = given
					if len(reqs) != 0 {
						t.Errorf("at %v: requests %q", i, reqs)
					}
				case len(reqs) != 1 || !strings.HasPrefix(reqs[0], "POST "):
					t.Errorf("at %v: requests %q, want one POST", i, reqs)
				}
				for k, v := range want {
					if tox.Attributes[k] != v {
						t.Errorf("at %v: %s = %v, want %v", i, k, tox.Attributes[k], v)
					}
				}
			}
			check(0.5, tt.at5)
			check(0, tt.at0)
			check(1, given)
		})
	}
	if err := inject.NewToxic("x", latencyFault(ts.URL, 100)).Update(context.Background(), 1.5); err == nil {
		t.Error("Update(1.5): no error")
	}
}

func TestToxicStartErrors(t *testing.T) {
	ts := newToxiServer(t)
	tests := []struct {
		name  string
		fault inject.ToxicFault
		want  []string
	}{
		{"unknown proxy", inject.ToxicFault{Server: ts.URL, Proxy: "redis", Type: "latency", Attributes: map[string]int64{"latency": 10}},
			[]string{`no proxy "redis"`, "its proxies: echo", ts.URL}},
		{"unreachable server", latencyFault("127.0.0.1:"+strings.Split(freeAddr(t), ":")[1], 10),
			[]string{"cannot reach the Toxiproxy server", "http://127.0.0.1:"}},
		{"invalid", inject.ToxicFault{Server: ts.URL, Proxy: "echo", Type: "latency", Attributes: map[string]int64{"latancy": 10}},
			[]string{`no attribute "latancy"`, "needs attribute latency above 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			x := inject.NewToxic("x", tt.fault)
			x.SetRecorder(rec)
			err := x.Start(context.Background())
			if err == nil {
				t.Fatal("Start: no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if len(rec.pending()) != 0 {
				t.Errorf("records left behind: %v", rec.pending())
			}
			stop(t, x) // not started: nothing to do
		})
	}
}

func TestToxicLeftover(t *testing.T) {
	ts := newToxiServer(t)
	ts.addToxic(t, tname("x-downstream"), "latency", "downstream", toxiclient.Attributes{"latency": 1})
	rec := newRecorder()
	x := inject.NewToxic("x", inject.ToxicFault{Server: ts.URL, Proxy: "echo", Type: "latency", Stream: "both",
		Attributes: map[string]int64{"latency": 10}})
	x.SetRecorder(rec)
	err := x.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "exists already") || !strings.Contains(err.Error(), "gameday recover") ||
		!strings.Contains(err.Error(), "curl -X DELETE "+ts.URL+"/proxies/echo/toxics/"+tname("x-downstream")) {
		t.Fatalf("Start over a leftover toxic: %v", err)
	}
	// The upstream toxic was created, then deleted; the leftover is not ours to delete.
	if got := ts.toxicNames(t); !slices.Equal(got, []string{tname("x-downstream")}) {
		t.Errorf("toxics %v", got)
	}
	if len(rec.pending()) != 0 {
		t.Errorf("records left behind: %v", rec.pending())
	}
}

func TestToxicStopTwice(t *testing.T) {
	ts := newToxiServer(t)
	x := inject.NewToxic("x", latencyFault(ts.URL, 10))
	stop(t, x) // before Start
	started(t, x)
	p := ts.client.NewProxy()
	p.Name = "echo"
	if err := p.RemoveToxic(tname("x-downstream")); err != nil { // someone deleted it
		t.Fatal(err)
	}
	stop(t, x)
	stop(t, x)
	started(t, x) // on again
	stop(t, x)
	if got := ts.toxicNames(t); len(got) != 0 {
		t.Errorf("toxics %v", got)
	}
}

func TestToxicRecorder(t *testing.T) {
	ts := newToxiServer(t)
	rec := newRecorder()
	rec.check = func(op, key string) {
		// Record comes before the toxic exists, Forget after it is gone.
		name := key[strings.LastIndex(key, "/")+1:]
		if _, ok := ts.toxics(t)[name]; ok {
			t.Errorf("%s %s: the toxic exists", op, key)
		}
	}
	x := inject.NewToxic("x", inject.ToxicFault{Server: ts.URL, Proxy: "echo", Type: "latency", Stream: "both",
		Attributes: map[string]int64{"latency": 10}})
	x.SetRecorder(rec)
	started(t, x)
	if got := ts.toxicNames(t); !slices.Equal(got, []string{tname("x-downstream"), tname("x-upstream")}) {
		t.Errorf("toxics %v", got)
	}
	keyUp := "toxic/" + ts.URL + "/echo/" + tname("x-upstream")
	rv := rec.pending()[keyUp]
	if rv.Kind != inject.RevertToxic || rv.Toxic == nil ||
		*rv.Toxic != (inject.ToxicRef{Server: ts.URL, Proxy: "echo", Name: tname("x-upstream")}) {
		t.Errorf("recorded %+v", rv)
	}
	update(t, x, 0.5) // no record for an update
	stop(t, x)
	stop(t, x)
	keyDown := "toxic/" + ts.URL + "/echo/" + tname("x-downstream")
	want := []string{"record " + keyUp + " toxic pid=0 group=false", "record " + keyDown + " toxic pid=0 group=false",
		"forget " + keyUp, "forget " + keyDown}
	if got := rec.calls(); !slices.Equal(got, want) {
		t.Errorf("calls\n%q\nwant\n%q", got, want)
	}
}

func TestToxicValidate(t *testing.T) {
	ok := inject.ToxicFault{Server: "127.0.0.1:8474", Proxy: "redis", Type: "bandwidth", Attributes: map[string]int64{"rate": 10}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(f *inject.ToxicFault)
		want   string
	}{
		{"no server", func(f *inject.ToxicFault) { f.Server = "" }, "no server"},
		{"server with a path", func(f *inject.ToxicFault) { f.Server = "http://h:8474/x" }, "want the Toxiproxy API's address"},
		{"no proxy", func(f *inject.ToxicFault) { f.Proxy = "" }, "proxy name"},
		{"proxy with a slash", func(f *inject.ToxicFault) { f.Proxy = "a/b" }, "proxy name"},
		{"unknown type", func(f *inject.ToxicFault) { f.Type = "lag" }, `type "lag" is not one of bandwidth, latency`},
		{"bad stream", func(f *inject.ToxicFault) { f.Stream = "sideways" }, "stream"},
		{"toxicity", func(f *inject.ToxicFault) { f.Toxicity = 1.5 }, "toxicity 1.5"},
		{"negative", func(f *inject.ToxicFault) { f.Attributes = map[string]int64{"rate": -1} }, "below 0"},
		{"rate 0", func(f *inject.ToxicFault) { f.Attributes = map[string]int64{"rate": 0} }, "stops all data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ok
			tt.change(&f)
			if err := f.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate: %v, want %q", err, tt.want)
			}
		})
	}
	if err := inject.NewToxic("a b", ok).Validate(); err == nil || !strings.Contains(err.Error(), `name "a b"`) {
		t.Errorf("bad name: %v", err)
	}
}
