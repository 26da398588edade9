package session_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/session"
)

// TestHistoryIsNotEvidence: a PromQL probe fills the charts with the
// minutes before the session (a loopback server speaking Prometheus's
// HTTP API: 8,923 then), but the assumptions judge the session's own data
// only (10 now).
func TestHistoryIsNotEvidence(t *testing.T) {
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		now := time.Now().Unix()
		switch r.URL.Path {
		case "/api/v1/query_range":
			fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[%d,"8923"],[%d,"8923"]]}]}}`,
				now-20, now-5)
		default:
			fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[%d,"10"]}]}}`, now)
		}
	}))
	defer prom.Close()
	exp := &experiments.Experiment{Name: "history", Interval: 100 * time.Millisecond, Window: time.Minute,
		Probes: []experiments.Probe{{Name: "q", Kind: experiments.ProbePromQL, Server: prom.URL, Query: "up"}},
		Assumptions: []experiments.Assumption{{Name: "q max", Kind: experiments.AssumeThreshold, Series: "q", Aggregate: experiments.AggMax,
			Op: experiments.Below, Threshold: 500, Window: 30 * time.Second}},
		Charts: []experiments.Chart{{Title: "q", Series: []experiments.ChartSeries{{Series: "q", Label: "q"}}}}}
	sess, err := session.NewSession(exp, session.Env{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go sess.Run(ctx)
	defer func() { cancel(); <-sess.Done() }()
	snap := waitFor(t, sess, "the probe's first value", 10*time.Second, func(s *session.Snapshot) bool {
		return s.Assumptions[0].HasValue
	})
	var old int
	for _, p := range snap.Series["q"] {
		if p.T.Before(snap.Started) && p.V == 8923 {
			old++
		}
	}
	if old == 0 {
		t.Fatalf("no history drawn: %v", snap.Series["q"])
	}
	a := snap.Assumptions[0]
	if a.Status != assume.StatusHolding || a.Worst != 10 {
		t.Fatalf("judged %s with worst %g: the history before the session was judged", a.Status, a.Worst)
	}
}
