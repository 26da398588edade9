package session_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

// BenchmarkControlPath measures the control path with injectors that do
// nothing: a trigger until the block is on, and a halt-all of n blocks
// until every one is off (each through its own driver goroutine).
func BenchmarkControlPath(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("halt-all/%d-blocks", n), func(b *testing.B) {
			injs := map[string]*recorder{}
			for i := range n {
				injs[fmt.Sprintf("b%03d", i)] = &recorder{}
			}
			sess := benchSession(b, injs)
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				for name := range injs {
					sess.Do(session.Command{Kind: session.CmdTrigger, Block: name})
				}
				waitSnapshot(b, sess, func(s *session.Snapshot) bool { return s.ActiveFaults() == n })
				b.StartTimer()
				sess.Do(session.Command{Kind: session.CmdHaltAll})
				waitSnapshot(b, sess, func(s *session.Snapshot) bool { return s.ActiveFaults() == 0 && len(s.Waiting(0)) == 0 })
			}
		})
	}
	b.Run("trigger-until-on", func(b *testing.B) {
		injs := map[string]*recorder{"one": {}}
		sess := benchSession(b, injs)
		b.ResetTimer()
		for range b.N {
			sess.Do(session.Command{Kind: session.CmdTrigger, Block: "one"})
			waitSnapshot(b, sess, func(s *session.Snapshot) bool { return s.ActiveFaults() == 1 })
			b.StopTimer()
			sess.Do(session.Command{Kind: session.CmdHalt, Block: "one"})
			waitSnapshot(b, sess, func(s *session.Snapshot) bool { return s.ActiveFaults() == 0 && len(s.Waiting(0)) == 0 })
			b.StartTimer()
		}
	})
}

func benchSession(b *testing.B, injs map[string]*recorder) *session.Session {
	b.Helper()
	exp := &experiments.Experiment{Name: "bench", Interval: time.Second, Window: time.Minute,
		Guardrails: experiments.Guardrails{MaxFaultDuration: time.Hour}}
	var opts []session.Option
	for name, r := range injs {
		exp.Blocks = append(exp.Blocks, commandBlock(name))
		opts = append(opts, session.WithInjector(name, r))
	}
	sess, err := session.NewSession(exp, session.Env{}, opts...)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _ = sess.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-sess.Done() })
	return sess
}

func waitSnapshot(b *testing.B, sess *session.Session, cond func(*session.Snapshot) bool) {
	b.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case s := <-sess.Snapshots():
			if cond(&s) {
				return
			}
		case <-deadline:
			b.Fatal("no such snapshot in 10 s")
		}
	}
}
