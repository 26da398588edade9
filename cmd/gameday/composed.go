package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
)

// printUnwritten prints the blocks composed during the game day that are
// not in the experiment file, as they would be written under blocks:, so
// that quitting loses none of them (the journal has them too).
func printUnwritten(w io.Writer, final session.Snapshot) {
	left := final.Composed[min(final.ComposedWritten, len(final.Composed)):]
	if len(left) == 0 {
		return
	}
	them, are := "them", "they are"
	if len(left) == 1 {
		them, are = "it", "it is"
	}
	where := "the experiment is built into gameday"
	if _, write := final.Experiment.CanCompose(); write {
		where = are + " not in " + filepath.Base(final.Experiment.File)
	}
	fmt.Fprintf(w, "gameday: %s composed in the cockpit (%s); to keep %s, add %[3]s under blocks:\n",
		experiments.Count(len(left), "block", "blocks"), where, them)
	for _, d := range left {
		for _, l := range strings.SplitAfter(final.Experiment.Redact(d.YAML()), "\n") {
			if l != "" {
				fmt.Fprint(w, "  "+l)
			}
		}
	}
}
