package main

import (
	"strings"
	"testing"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

// TestPrintUnwritten: blocks composed and not written into the file are
// printed on quit, as YAML to paste; the written ones are not.
func TestPrintUnwritten(t *testing.T) {
	exps, err := experiments.Parse("demo.yaml", []byte("name: x\nblocks:\n  - {name: a, fault: {kind: command, start: [\"true\"], revert: [\"true\"]}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	d := func(name string) experiments.Draft {
		return experiments.Draft{Name: name, Kind: "command", Params: []experiments.DraftParam{{Key: "start", Value: "[touch, f]"}, {Key: "revert", Value: "[rm, f]"}}}
	}
	final := session.Snapshot{Experiment: exps[0], Composed: []experiments.Draft{d("b"), d("c")}, ComposedWritten: 1}
	var b strings.Builder
	printUnwritten(&b, final)
	want := `gameday: 1 block composed in the cockpit (the experiment is built into gameday); to keep it, add it under blocks:
  - name: c
    fault: {kind: command, start: [touch, f], revert: [rm, f]}
`
	if b.String() != want {
		t.Fatalf("printed\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	final.ComposedWritten = 2
	if printUnwritten(&b, final); b.Len() != 0 {
		t.Fatalf("printed %q with every block written", b.String())
	}
}
