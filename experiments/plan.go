package experiments

import (
	"fmt"
	"time"
)

// Plan is what a schedule does, step by step, relative to the start.
type Plan []PlanStep

// PlanStep switches Blocks on at At for For (no blocks: a watching
// period, the baseline or the recovery).
type PlanStep struct {
	At     time.Duration
	For    time.Duration
	Blocks []string
	Note   string
	Label  string // "baseline", "step 2 of 3", "recovery"
}

// End is when the plan is over.
func (p Plan) End() time.Duration {
	if len(p) == 0 {
		return 0
	}
	last := p[len(p)-1]
	return last.At + last.For
}

// PlanOf lays a schedule out in time.
func PlanOf(s *Schedule) Plan {
	var p Plan
	at := time.Duration(0)
	if s.Baseline > 0 {
		p = append(p, PlanStep{At: 0, For: s.Baseline, Label: "baseline"})
		at = s.Baseline
	}
	for i, st := range s.Steps {
		label := fmt.Sprintf("step %d of %d", i+1, len(s.Steps))
		if st.Rest {
			label = fmt.Sprintf("rest, step %d of %d", i+1, len(s.Steps))
		}
		p = append(p, PlanStep{At: at, For: st.For, Blocks: st.Blocks, Note: st.Note, Label: label})
		at += st.For
	}
	if s.Recovery > 0 {
		p = append(p, PlanStep{At: at, For: s.Recovery, Label: "recovery"})
	}
	return p
}
