package probes_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/probes"
)

var (
	uuidV4Form   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	lettersForm8 = regexp.MustCompile(`^[a-zA-Z]{8}$`)
)

// TestLoadBodyTemplate runs a load whose body is a template and checks what
// the server received: every request numbered once, from 1 on, and every
// random value in its range.
func TestLoadBodyTemplate(t *testing.T) {
	type order struct {
		N    int64  `json:"n"`
		Qty  int64  `json:"qty"`
		Tag  string `json:"tag"`
		ID   string `json:"id"`
		SKU  string `json:"sku"`
		Time string `json:"time"`
	}
	var mu sync.Mutex
	var got []order
	var bad []string
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var o order
		err := json.Unmarshal(b, &o)
		mu.Lock()
		defer mu.Unlock()
		if err != nil || r.ContentLength != int64(len(b)) {
			bad = append(bad, string(b))
			return
		}
		got = append(got, o)
	})
	before := time.Now().UTC().Truncate(time.Second)
	l := newLoad(t, probes.LoadConfig{
		URL: srv.URL, Method: http.MethodPost, Rate: 400, Timeout: time.Minute,
		BodyTemplate: `{"n":{{.N}},"qty":{{rand -3 7}},"tag":"{{randString 8}}","id":"{{uuid}}",` +
			`"sku":"{{pick "gd-1" "gd-2" "gd-3"}}","time":"{{.Now}}"}`,
	})
	s := runFor(t, l, time.Second)
	after := time.Now().UTC()

	mu.Lock()
	defer mu.Unlock()
	if len(bad) > 0 {
		t.Fatalf("%d bodies were not the JSON the template makes (or had a wrong Content-Length), e.g. %q", len(bad), bad[0])
	}
	if int64(len(got)) != s.TotalSent || len(got) < 100 {
		t.Fatalf("the server got %d bodies, the load sent %d; want the same, at least 100", len(got), s.TotalSent)
	}
	// The counter: each of 1..n exactly once (requests race to the server,
	// so they arrive in about, not exactly, that order).
	ns := make([]int64, len(got))
	skus, ids := map[string]int{}, map[string]bool{}
	for i, o := range got {
		ns[i] = o.N
		if o.Qty < -3 || o.Qty > 7 {
			t.Errorf("rand -3 7 gave %d", o.Qty)
		}
		if !lettersForm8.MatchString(o.Tag) {
			t.Errorf("randString 8 gave %q", o.Tag)
		}
		if !uuidV4Form.MatchString(o.ID) || ids[o.ID] {
			t.Errorf("uuid gave %q (a repeat: %v)", o.ID, ids[o.ID])
		}
		ids[o.ID] = true
		skus[o.SKU]++
		at, err := time.Parse(time.RFC3339, o.Time)
		if err != nil || at.Before(before) || at.After(after) {
			t.Errorf(".Now gave %q; want RFC 3339 between %v and %v", o.Time, before, after)
		}
	}
	slices.Sort(ns)
	for i, n := range ns {
		if n != int64(i+1) {
			t.Fatalf("the counters received, sorted, are not 1..%d: %d at place %d", len(ns), n, i+1)
		}
	}
	if len(skus) != 3 || skus["gd-1"]+skus["gd-2"]+skus["gd-3"] != len(got) {
		t.Errorf("pick gave %v; want each of gd-1, gd-2, gd-3", skus)
	}
}

// TestLoadBodyTemplateOrder: with a request every 100 ms, one at a time, the
// counter arrives in order.
func TestLoadBodyTemplateOrder(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv, _ := countingServer(t, func(_ http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
	})
	l := newLoad(t, probes.LoadConfig{URL: srv.URL, Method: http.MethodPut, Rate: 10, BodyTemplate: "job-{{.N}}"})
	runFor(t, l, 550*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	want := make([]string, len(got))
	for i := range want {
		want[i] = "job-" + strconv.Itoa(i+1)
	}
	if len(got) < 3 || !slices.Equal(got, want) {
		t.Fatalf("bodies %q; want job-1, job-2... in order", got)
	}
}

func TestLoadBodyTemplateErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  probes.LoadConfig
		want string
	}{
		{"does not parse", probes.LoadConfig{BodyTemplate: `{"n":{{.N}`}, "body template"},
		{"unknown function", probes.LoadConfig{BodyTemplate: `{{random 1 2}}`}, `function "random" not defined`},
		{"unknown field", probes.LoadConfig{BodyTemplate: `{{.Count}}`}, "can't evaluate field Count"},
		{"wrong arguments", probes.LoadConfig{BodyTemplate: `{{rand 1}}`}, "wrong number of args"},
		{"min above max", probes.LoadConfig{BodyTemplate: `{{rand 5 1}}`}, "want MIN <= MAX"},
		{"pick of nothing", probes.LoadConfig{BodyTemplate: `{{pick}}`}, "at least one choice"},
		{"a huge string", probes.LoadConfig{BodyTemplate: `{{randString 100000000}}`}, "want a length"},
		{"body and template", probes.LoadConfig{Body: []byte("x"), BodyTemplate: `{{.N}}`}, "one or the other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.URL, tc.cfg.Rate, tc.cfg.Name = "http://127.0.0.1:1/", 1, "orders"
			_, err := probes.NewLoad(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "load orders: ") {
				t.Fatalf("NewLoad: %v; want an error about %q", err, tc.want)
			}
			if tc.cfg.Body == nil {
				if err := probes.CheckBodyTemplate(tc.cfg.BodyTemplate); err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("CheckBodyTemplate: %v; want an error about %q", err, tc.want)
				}
			}
		})
	}
	if err := probes.CheckBodyTemplate(`{"n":{{.N}},"at":"{{.Now}}","x":{{rand 0 0}}}`); err != nil {
		t.Fatalf("CheckBodyTemplate of a good template: %v", err)
	}
}

// TestLoadBodyTemplateFailsAtRun: a template that fails only for some
// requests makes those requests errors, not the load.
func TestLoadBodyTemplateFailsAtRun(t *testing.T) {
	srv, received := countingServer(t, nil)
	// From request 3 on, rand gets MIN > MAX.
	l := newLoad(t, probes.LoadConfig{URL: srv.URL, Method: http.MethodPost, Rate: 50,
		BodyTemplate: `{{if lt .N 3}}ok{{else}}{{rand 2 1}}{{end}}`})
	s := runFor(t, l, 300*time.Millisecond)
	if received.Load() != 2 || s.TotalErrors != s.TotalSent-2 || s.TotalSent < 5 {
		t.Fatalf("the server got %d requests; sent %d, errors %d; want 2 received and the rest errors", received.Load(), s.TotalSent, s.TotalErrors)
	}
}
