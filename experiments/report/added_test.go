package report_test

import (
	"testing"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/report"
)

// A block composed during the game day (not in the journal's header) has
// its summary, kind and target in the report's faults, from its event.
func TestComposedBlockInTheReport(t *testing.T) {
	s := newSmall(nil)
	s.j.Events = append(s.j.Events, experiments.Event{Seq: uint64(len(s.j.Events) + 1), Time: at(5),
		Kind: experiments.EventBlockAdded, Subject: "slow 2", Text: "composed",
		Added: &experiments.AddedBlock{Summary: "150 ms delay on inventory", Kind: experiments.FaultLatency, Target: "inventory",
			YAML: "- name: slow 2\n  fault: {kind: latency, target: inventory, delay: 150ms}\n"}})
	s.on(6, "slow 2").off(10, "slow 2")
	r := report.Build(s.end(20, assume.VerdictPassed))
	if len(r.Faults) != 1 {
		t.Fatalf("faults %+v", r.Faults)
	}
	if f := r.Faults[0]; f.Summary != "150 ms delay on inventory" || f.Kind != "latency" || f.Target != "inventory" {
		t.Errorf("the composed block's fault: %+v", f)
	}
}
