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
