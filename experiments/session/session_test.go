package session_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/session"
	"github.com/gameday-dev/gameday/inject"
)

// liveSession runs a session on a real service behind a real fault proxy,
// with real load, on loopback.
type liveSession struct {
	t      *testing.T
	sess   *session.Session
	proxy  *inject.HTTPProxy
	cancel context.CancelFunc
	done   chan error
	last   session.Snapshot
}

func startLiveSession(t *testing.T, blocks ...experiments.Block) *liveSession {
	t.Helper()
	return startLiveSessionWith(t, nil, blocks...)
}

func startLiveSessionWith(t *testing.T, edit func(*experiments.Experiment), blocks ...experiments.Block) *liveSession {
	t.Helper()
	proxy := proxiedService(t)
	exp := &experiments.Experiment{
		Name:     "session test",
		Interval: 100 * time.Millisecond,
		Window:   time.Minute,
		Loads: []experiments.Load{{Name: "api", URL: proxy.URL() + "/x", Rate: 100,
			Timeout: 2 * time.Second, Window: time.Second}},
		Assumptions: []experiments.Assumption{
			{Name: "p99", Series: "api", Aggregate: experiments.AggP99, Op: experiments.Below, Threshold: 100,
				Unit: experiments.UnitMillis, Window: time.Second},
			{Name: "errors", Series: "api", Aggregate: experiments.AggErrorRate, Op: experiments.Below, Threshold: 1,
				Unit: experiments.UnitPercent, Window: time.Second},
			{Name: "recovery", Kind: experiments.AssumeRecovery, Within: 10 * time.Second},
		},
		Blocks: blocks,
		Charts: []experiments.Chart{{Title: "latency", Unit: experiments.UnitMillis,
			Series: []experiments.ChartSeries{{Series: "api" + experiments.SeriesP99, Label: "p99"}}}},
	}
	if edit != nil {
		edit(exp)
	}
	sess, err := session.NewSession(exp, session.Env{Proxies: map[string]*inject.HTTPProxy{"svc": proxy}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ls := &liveSession{t: t, sess: sess, proxy: proxy, cancel: cancel, done: make(chan error, 1)}
	go func() { ls.done <- sess.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-sess.Done() })
	return ls
}

// waitSnap reads snapshots until cond holds; ls.last is that snapshot.
func (ls *liveSession) waitSnap(what string, timeout time.Duration, cond func(s *session.Snapshot) bool) {
	ls.t.Helper()
	ls.last = waitFor(ls.t, ls.sess, what, timeout, cond)
}

func status(s *session.Snapshot, name string) assume.Status {
	for _, a := range s.Assumptions {
		if a.Name == name {
			return a.Status
		}
	}
	return ""
}

func hasEvent(s *session.Snapshot, kind experiments.EventKind, subject string) bool {
	for _, e := range s.Timeline {
		if e.Kind == kind && e.Subject == subject {
			return true
		}
	}
	return false
}

func TestSessionTriggerViolateHaltRecover(t *testing.T) {
	ls := startLiveSession(t,
		experiments.Block{Name: "slow", Fault: &experiments.Fault{Kind: experiments.FaultLatency, Target: "svc", Delay: 200 * time.Millisecond}})
	ls.waitSnap("p99 holding", 10*time.Second, func(s *session.Snapshot) bool {
		return status(s, "p99") == assume.StatusHolding
	})
	ls.sess.Do(session.Command{Kind: session.CmdTrigger, Block: "slow"})
	ls.waitSnap("p99 violated while slow", 10*time.Second, func(s *session.Snapshot) bool {
		return status(s, "p99") == assume.StatusViolated && s.ActiveFaults() == 1
	})
	if !hasEvent(&ls.last, experiments.EventFaultStarted, "slow") {
		t.Fatalf("timeline lacks the fault start: %v", ls.last.Timeline)
	}
	if len(ls.last.FaultWindows) != 1 || !ls.last.FaultWindows[0].End.IsZero() {
		t.Fatalf("fault windows %+v, want one open window", ls.last.FaultWindows)
	}
	ls.sess.Do(session.Command{Kind: session.CmdNote, Text: "p99 follows the delay"})
	ls.sess.Do(session.Command{Kind: session.CmdHaltAll})
	ls.waitSnap("recovery", 15*time.Second, func(s *session.Snapshot) bool {
		return status(s, "recovery") == assume.StatusRecovered
	})
	s := ls.last
	if s.ActiveFaults() != 0 || s.FaultWindows[0].End.IsZero() {
		t.Fatalf("after halt all: %d active, windows %+v", s.ActiveFaults(), s.FaultWindows)
	}
	for _, k := range []experiments.EventKind{experiments.EventViolated, experiments.EventRestored} {
		if !hasEvent(&s, k, "p99") {
			t.Errorf("timeline lacks %s of p99: %v", k, s.Timeline)
		}
	}
	if !hasEvent(&s, experiments.EventNote, "operator") || !hasEvent(&s, experiments.EventRecovered, "recovery") {
		t.Errorf("timeline lacks the note or the recovery: %v", s.Timeline)
	}
	for _, a := range s.Assumptions {
		if a.Name == "recovery" && (a.LastRecovery <= 0 || a.LastRecovery > 10*time.Second) {
			t.Errorf("measured recovery %v, want between 0 and 10s", a.LastRecovery)
		}
	}
	if pts := s.Series["api"+experiments.SeriesP99]; len(pts) < 10 {
		t.Errorf("the chart series has %d points, want the history since the start", len(pts))
	}
}

// TestSessionEndHaltsFaults: whatever ends the session, the proxy passes
// clean traffic afterwards.
func TestSessionEndHaltsFaults(t *testing.T) {
	ls := startLiveSession(t,
		experiments.Block{Name: "hole", Fault: &experiments.Fault{Kind: experiments.FaultBlackhole, Target: "svc"}},
		experiments.Block{Name: "errs", Fault: &experiments.Fault{Kind: experiments.FaultError, Target: "svc", Probability: 1}})
	ls.sess.Do(session.Command{Kind: session.CmdTrigger, Block: "hole"})
	ls.sess.Do(session.Command{Kind: session.CmdTrigger, Block: "errs"})
	ls.waitSnap("two faults on", 5*time.Second, func(s *session.Snapshot) bool { return s.ActiveFaults() == 2 })
	ls.cancel()
	if err := <-ls.done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	final := ls.sess.Final()
	if !final.Ended || final.ActiveFaults() != 0 {
		t.Fatalf("final snapshot: ended=%v active=%d, want ended with none active", final.Ended, final.ActiveFaults())
	}
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(ls.proxy.URL() + "/after")
	if err != nil {
		t.Fatalf("after the session the proxy should pass traffic: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after the session: status %d, want 200", resp.StatusCode)
	}
	// The snapshot channel is closed after the final snapshot.
	for range ls.sess.Snapshots() {
	}
}

func TestSessionAutoHaltAfterDuration(t *testing.T) {
	ls := startLiveSession(t, experiments.Block{Name: "spike", Duration: 500 * time.Millisecond,
		Load: &experiments.LoadChange{Target: "api", Factor: 2}})
	ls.sess.Do(session.Command{Kind: session.CmdTrigger, Block: "spike"})
	ls.waitSnap("spike on at twice the rate", 5*time.Second, func(s *session.Snapshot) bool {
		return s.ActiveFaults() == 1 && s.TargetRate() == 200
	})
	ls.waitSnap("spike halted by itself", 5*time.Second, func(s *session.Snapshot) bool {
		return s.ActiveFaults() == 0 && s.TargetRate() == 100
	})
	var halted bool
	for _, e := range ls.last.Timeline {
		if e.Kind == experiments.EventFaultHalted && strings.Contains(e.Text, "ran its") {
			halted = true
		}
	}
	if !halted {
		t.Fatalf("the timeline should say the block ran its duration: %v", ls.last.Timeline)
	}
}

func TestNewSessionRejectsUnknownTargets(t *testing.T) {
	exp := &experiments.Experiment{Name: "bad", Blocks: []experiments.Block{
		{Name: "a", Fault: &experiments.Fault{Kind: experiments.FaultLatency, Target: "nope"}},
		{Name: "b", Fault: &experiments.Fault{Kind: experiments.FaultPause, Target: "ghost"}},
		{Name: "c", Fault: &experiments.Fault{Kind: "melt", Target: "svc"}},
	}}
	_, err := session.NewSession(exp, session.Env{})
	if err == nil {
		t.Fatal("want an error for blocks on targets that do not exist")
	}
	for _, want := range []string{`no proxy named "nope"`, `no process named "ghost"`, `melt fault`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q should say %q", err, want)
		}
	}
}

// TestSessionIntensity: the operator's + and - scale a live fault.
func TestSessionIntensity(t *testing.T) {
	ls := startLiveSession(t,
		experiments.Block{Name: "slow", Fault: &experiments.Fault{Kind: experiments.FaultLatency, Target: "svc", Delay: 400 * time.Millisecond}})
	ls.sess.Do(session.Command{Kind: session.CmdTrigger, Block: "slow"})
	for i := 0; i < 5; i++ {
		ls.sess.Do(session.Command{Kind: session.CmdIntensity, Block: "slow", Delta: -0.1})
	}
	ls.waitSnap("intensity 50 %", 5*time.Second, func(s *session.Snapshot) bool {
		return s.Blocks[0].Active && s.Blocks[0].Intensity > 0.49 && s.Blocks[0].Intensity < 0.51
	})
	if took := timedGet(t, ls.proxy.URL()+"/half"); took < 190*time.Millisecond || took > 350*time.Millisecond {
		t.Fatalf("a request at 50 %% of a 400 ms delay took %v, want about 200 ms", took)
	}
}

// TestPromQLBackfill: a PromQL probe fills the chart's history from a
// range query when the session starts.
func TestPromQLBackfill(t *testing.T) {
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = r.ParseForm()
		now := float64(time.Now().Unix())
		switch r.URL.Path {
		case "/api/v1/query_range":
			fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[%f,"3"],[%f,"4"],[%f,"5"]]}]}}`,
				now-60, now-45, now-30)
		default:
			fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[%f,"7"]}]}}`, now)
		}
	}))
	defer prom.Close()
	exp := &experiments.Experiment{Name: "backfill", Interval: 100 * time.Millisecond, Window: 3 * time.Minute,
		Probes: []experiments.Probe{{Name: "depth", Kind: experiments.ProbePromQL, Server: prom.URL, Query: "max(q)", Every: 100 * time.Millisecond}},
		Charts: []experiments.Chart{{Title: "depth", Series: []experiments.ChartSeries{{Series: "depth", Label: "depth"}}}}}
	sess, err := session.NewSession(exp, session.Env{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = sess.Run(ctx) }()
	s := waitFor(t, sess, "history and live values", 5*time.Second, func(s *session.Snapshot) bool { return len(s.Series["depth"]) >= 4 })
	pts := s.Series["depth"]
	if !pts[0].T.Before(s.Started) || pts[0].V != 3 || !s.WindowStart.Before(s.Started) {
		t.Fatalf("history: first point %v at %v (start %v), window from %v", pts[0].V, pts[0].T, s.Started, s.WindowStart)
	}
	if last := pts[len(pts)-1]; last.V != 7 {
		t.Fatalf("the live value after the history is %v, want 7", last.V)
	}
}

// TestGuardrails: an abort condition halts every fault and marks the run
// aborted; a fault on longer than the guardrail allows halts by itself.
func TestGuardrails(t *testing.T) {
	t.Run("abort", func(t *testing.T) {
		proxy := proxiedService(t)
		exp := &experiments.Experiment{Name: "guarded", Interval: 100 * time.Millisecond,
			Loads: []experiments.Load{{Name: "api", URL: proxy.URL(), Rate: 100, Timeout: time.Second, Window: time.Second}},
			Guardrails: experiments.Guardrails{Abort: []experiments.Abort{{Assumption: experiments.Assumption{
				Name: "errors storm", Series: "api", Aggregate: experiments.AggErrorRate, Window: time.Second,
				Op: experiments.Above, Threshold: 50, Unit: experiments.UnitPercent}, For: 500 * time.Millisecond}}},
			Blocks: []experiments.Block{{Name: "down", Fault: &experiments.Fault{Kind: experiments.FaultError, Target: "svc", Probability: 1}}}}
		sess, err := session.NewSession(exp, session.Env{Proxies: map[string]*inject.HTTPProxy{"svc": proxy}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() { _ = sess.Run(ctx) }()
		sess.Do(session.Command{Kind: session.CmdTrigger, Block: "down"})
		s := waitFor(t, sess, "an abort after 500 ms of 100 % errors, and the fault halted", 10*time.Second,
			func(s *session.Snapshot) bool { return s.Aborted != "" && s.ActiveFaults() == 0 })
		if s.Verdict() != assume.VerdictAborted {
			t.Fatalf("verdict %s, want aborted", s.Verdict())
		}
		if !hasEvent(&s, experiments.EventAborted, "errors storm") {
			t.Fatalf("the timeline should say why: %v", s.Timeline)
		}
	})
	t.Run("longest time on", func(t *testing.T) {
		ls := startLiveSessionWith(t, func(e *experiments.Experiment) { e.Guardrails.MaxFaultDuration = 400 * time.Millisecond },
			experiments.Block{Name: "slow", Fault: &experiments.Fault{Kind: experiments.FaultLatency, Target: "svc", Delay: 10 * time.Millisecond}})
		ls.sess.Do(session.Command{Kind: session.CmdTrigger, Block: "slow"})
		ls.waitSnap("the countdown", 5*time.Second, func(s *session.Snapshot) bool {
			return s.Blocks[0].Active && s.Blocks[0].Guarded && s.Blocks[0].Remaining > 0 && s.Blocks[0].Remaining <= 400*time.Millisecond
		})
		ls.waitSnap("the guardrail's halt", 5*time.Second, func(s *session.Snapshot) bool {
			for _, e := range s.Timeline {
				if e.Kind == experiments.EventFaultHalted && strings.Contains(e.Text, "guardrail") {
					return !s.Blocks[0].Active
				}
			}
			return false
		})
	})
}

// TestCompositeChildren: inside a parallel group, a child keeps its own
// duration and the operator's intensity reaches every part; a sequence
// gives each step the intensity in force.
func TestCompositeChildren(t *testing.T) {
	ls := startLiveSession(t,
		experiments.Block{Name: "short", Duration: 500 * time.Millisecond, Load: &experiments.LoadChange{Target: "api", Factor: 2}},
		experiments.Block{Name: "long", Load: &experiments.LoadChange{Target: "api", Factor: 3}},
		experiments.Block{Name: "both", Parallel: []string{"short", "long"}})
	ls.sess.Do(session.Command{Kind: session.CmdTrigger, Block: "both"})
	ls.waitSnap("both on: 6× the rate", 5*time.Second, func(s *session.Snapshot) bool { return s.TargetRate() == 600 })
	ls.waitSnap("the short child off by itself: 3×", 5*time.Second, func(s *session.Snapshot) bool {
		return s.TargetRate() == 300 && s.Blocks[2].Active
	})
	ls.sess.Do(session.Command{Kind: session.CmdHalt, Block: "both"})
	ls.waitSnap("all off", 5*time.Second, func(s *session.Snapshot) bool { return s.TargetRate() == 100 && s.ActiveFaults() == 0 })
}

// TestIntensityDoesNotCarryOver: a block lowered by the operator and
// halted starts at full intensity when triggered again.
func TestIntensityDoesNotCarryOver(t *testing.T) {
	ls := startLiveSession(t,
		experiments.Block{Name: "slow", Fault: &experiments.Fault{Kind: experiments.FaultLatency, Target: "svc", Delay: 300 * time.Millisecond}})
	ls.sess.Do(session.Command{Kind: session.CmdTrigger, Block: "slow"})
	ls.sess.Do(session.Command{Kind: session.CmdIntensity, Block: "slow", Delta: -0.5})
	ls.sess.Do(session.Command{Kind: session.CmdHalt, Block: "slow"})
	ls.sess.Do(session.Command{Kind: session.CmdTrigger, Block: "slow"})
	ls.waitSnap("on again at 100 %", 5*time.Second, func(s *session.Snapshot) bool {
		return s.Blocks[0].Active && s.Blocks[0].Intensity == 1
	})
	if took := timedGet(t, ls.proxy.URL()+"/again"); took < 280*time.Millisecond {
		t.Fatalf("a request after the re-trigger took %v: the old 50 %% carried over", took)
	}
}
