package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

// demoRun is the demo shop and its session, run without the cockpit.
type demoRun struct {
	t    *testing.T
	sys  *shopSystem
	sess *session.Session
	last session.Snapshot
}

func startDemoRun(t *testing.T) *demoRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sys, err := startShop(ctx, shopOptions{exe: gamedayBinary(t), resilience: "none",
		frontendAddr: "127.0.0.1:0", log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Stop)
	exp, err := demoExperiment(sys, 50, "none")
	if err != nil {
		t.Fatal(err)
	}
	sess, err := session.NewSession(exp, sys.env())
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = sess.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-sess.Done() })
	return &demoRun{t: t, sys: sys, sess: sess}
}

// sentRate is a pseudo-series: the rate the load generator sent at in the
// last interval (it is not charted, so it comes from the load's state).
const sentRate = "sent rate"

func (d *demoRun) value(series string) (float64, bool) {
	if series == sentRate {
		if len(d.last.Loads) == 0 {
			return 0, false
		}
		return d.last.Loads[0].SentRate, true
	}
	pts := d.last.Series[series]
	if len(pts) == 0 {
		return 0, false
	}
	return pts[len(pts)-1].V, true
}

func (d *demoRun) waitValue(what, series string, timeout time.Duration, ok func(v float64) bool) float64 {
	d.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case s := <-d.sess.Snapshots():
			d.last = s
			if v, have := d.value(series); have && ok(v) {
				return v
			}
		case <-deadline:
			v, _ := d.value(series)
			d.t.Fatalf("timed out after %v waiting for %s (%s last %.1f); timeline: %v", timeout, what, series, v, d.last.Timeline)
		}
	}
}

// checkoutLatency sends one checkout straight to the frontend.
func checkoutLatency(t *testing.T, url string) time.Duration {
	t.Helper()
	start := time.Now()
	resp, err := http.Post(url+"/checkout", "application/json", strings.NewReader(`{"sku":"t","qty":1}`))
	if err != nil {
		t.Fatalf("checkout: %v", err)
	}
	resp.Body.Close()
	return time.Since(start)
}

// TestDemoFaultsAreReal triggers each fault of the demo on the real shop
// and checks its effect on what the session measures, then that halting
// it brings new requests back to the baseline within a second.
func TestDemoFaultsAreReal(t *testing.T) {
	d := startDemoRun(t)
	p50 := "checkout" + experiments.SeriesP50
	base := d.waitValue("a baseline", p50, 10*time.Second, func(v float64) bool { return v > 0 && v < 100 })
	t.Logf("baseline p50 %.1f ms", base)

	t.Run("inventory latency adds about 300 ms", func(t *testing.T) {
		d.sess.Do(session.Command{Kind: session.CmdTrigger, Block: "inventory latency"})
		v := d.waitValue("p50 up by the delay", p50, 10*time.Second, func(v float64) bool { return v >= base+250 })
		if v > base+450 {
			t.Fatalf("p50 %.0f ms with a 300±50 ms delay on a %.0f ms baseline: more than the delay explains", v, base)
		}
		t.Logf("p50 with the delay: %.1f ms", v)
		d.sess.Do(session.Command{Kind: session.CmdHalt, Block: "inventory latency"})
		halted := time.Now()
		time.Sleep(100 * time.Millisecond)
		for i := 0; i < 5; i++ {
			if lat := checkoutLatency(t, d.sys.frontendURL); lat > 150*time.Millisecond {
				t.Fatalf("a checkout sent %v after the halt took %v: the delay is still on", time.Since(halted), lat)
			}
		}
	})

	t.Run("inventory errors make checkouts fail", func(t *testing.T) {
		d.sess.Do(session.Command{Kind: session.CmdTrigger, Block: "inventory errors"})
		v := d.waitValue("error rate near 50 %", "checkout"+experiments.SeriesErrorRate, 10*time.Second,
			func(v float64) bool { return v >= 30 })
		t.Logf("error rate with 50 %% inventory errors: %.1f %%", v)
		d.sess.Do(session.Command{Kind: session.CmdHalt, Block: "inventory errors"})
		time.Sleep(100 * time.Millisecond)
		for i := 0; i < 20; i++ {
			resp, err := http.Post(d.sys.frontendURL+"/checkout", "application/json", strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Fatalf("checkout %d after the halt answered %d", i, resp.StatusCode)
			}
		}
	})

	for _, block := range []string{"payments paused", "payments blackhole"} {
		t.Run(block+" makes the queue grow", func(t *testing.T) {
			d.waitValue("an empty queue", "queue", 10*time.Second, func(v float64) bool { return v < 5 })
			d.sess.Do(session.Command{Kind: session.CmdTrigger, Block: block})
			d.waitValue("the queue over 100", "queue", 15*time.Second, func(v float64) bool { return v > 100 })
			d.sess.Do(session.Command{Kind: session.CmdHalt, Block: block})
			d.waitValue("the queue drained", "queue", 15*time.Second, func(v float64) bool { return v < 5 })
		})
	}

	t.Run("load spike quadruples the rate", func(t *testing.T) {
		d.sess.Do(session.Command{Kind: session.CmdTrigger, Block: "load spike"})
		d.waitValue("sending near 200/s", sentRate, 10*time.Second, func(v float64) bool { return v >= 150 })
		d.sess.Do(session.Command{Kind: session.CmdHalt, Block: "load spike"})
		d.waitValue("sending back near 50/s", sentRate, 10*time.Second, func(v float64) bool { return v <= 70 })
	})
}
