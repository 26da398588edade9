package experiments_test

import (
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

// TestScheduleRest: a rest step is a time with no fault; it has no blocks
// and no for; a step without either is said at its place.
func TestScheduleRest(t *testing.T) {
	exps, errs := parse(t, base+"  - {name: errs, fault: {kind: error, target: api}}\n"+
		"schedule:\n  baseline: 10s\n  steps:\n    - {blocks: [slow], for: 20s}\n    - rest: 30s\n      note: let it recover\n    - {blocks: [errs], for: 20s}\n")
	if errs != nil {
		t.Fatal(errs)
	}
	plan := experiments.PlanOf(exps[0].Schedule)
	if len(plan) != 4 || plan[2].Label != "rest, step 2 of 3" || len(plan[2].Blocks) != 0 || plan[2].For != 30*time.Second ||
		plan[2].At != 30*time.Second || plan[3].At != time.Minute || plan[2].Note != "let it recover" {
		t.Fatalf("plan %+v", plan)
	}
	for _, tc := range []struct{ step, want string }{
		{"    - {rest: 30s, blocks: [slow]}\n", "19:14: schedule step 1: a rest has no blocks and no for"},
		{"    - {note: nothing}\n", "19:7: schedule step 1: want blocks: and for: (or rest: DURATION, a step with no fault)"},
		{"    - {blocks: [slow]}\n", "19:16: schedule step 1: want for: how long its blocks stay on"},
		{"    - {rest: 0s}\n", "19:14: want a duration above zero"},
	} {
		_, errs := parse(t, base+"schedule:\n  steps:\n"+tc.step)
		wantErrors(t, errs, []string{tc.want})
	}
}

// TestExpectEdge: expect_edge is read in the block's own parameter and
// refused beyond it or in the wrong unit, with its place.
func TestExpectEdge(t *testing.T) {
	exps, errs := parse(t, base+"  - {name: errs, fault: {kind: error, target: api, probability: 50%}, expect_edge: 20%}\n")
	if errs != nil {
		t.Fatal(errs)
	}
	b := exps[0].Blocks[1]
	if b.ExpectEdge != 0.4 {
		t.Fatalf("expect_edge 20%% of a 50%% error block: intensity %v, want 0.4", b.ExpectEdge)
	}
	if why, below := b.EdgeBelow("errors", 0.3); !below || why != "errors broke at 15%, at or below the expected edge 20%" {
		t.Errorf("EdgeBelow(0.3) = %q, %v", why, below)
	}
	if _, below := b.EdgeBelow("errors", 0.5); below {
		t.Error("an edge above the expectation reads as below it")
	}
	for _, tc := range []struct{ block, want string }{
		{"  - {name: s2, fault: {kind: latency, target: api, delay: 300ms}, expect_edge: 150}\n", `17:80: block "s2": expect_edge: want a value of its delay, like 150ms: "150" has no unit`},
		{"  - {name: s2, fault: {kind: latency, target: api, delay: 300ms}, expect_edge: 400ms}\n", `block "s2": expect_edge 400ms is not within the block's delay (above 0, at most 300ms)`},
		{"  - {name: s2, parallel: [slow], expect_edge: 10%}\n", `block "s2": expect_edge needs a fault of its own`},
	} {
		_, errs := parse(t, base+tc.block)
		wantErrors(t, errs, []string{tc.want})
	}
}
