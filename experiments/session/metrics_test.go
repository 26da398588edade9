package session

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/gameday-dev/gameday/probes"
)

// TestLoadResults: each outcome is counted under its own label, and every
// request that was sent (not the ones not sent) is in the latency
// histogram.
func TestLoadResults(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	rec := m.LoadResults("checkout")
	rec(probes.OutcomeOK, 10*time.Millisecond)
	rec(probes.OutcomeOK, 20*time.Millisecond)
	rec(probes.OutcomeTimeout, 2*time.Second)
	rec(probes.OutcomeNotSent, 0)
	for outcome, want := range map[string]float64{probes.OutcomeOK: 2, probes.OutcomeError: 0, probes.OutcomeTimeout: 1, probes.OutcomeNotSent: 1} {
		if got := testutil.ToFloat64(m.requests.WithLabelValues("checkout", outcome)); got != want {
			t.Errorf("gameday_load_requests_total{outcome=%q} = %v, want %v", outcome, got, want)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var count uint64
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == "gameday_load_latency_seconds" {
			h := mf.GetMetric()[0].GetHistogram()
			count, sum = h.GetSampleCount(), h.GetSampleSum()
		}
	}
	if count != 3 || sum < 2.029 || sum > 2.031 {
		t.Errorf("gameday_load_latency_seconds: %d samples summing to %vs; want the 3 sent (2.03s)", count, sum)
	}
}
