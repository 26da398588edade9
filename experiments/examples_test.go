package experiments_test

import (
	"path/filepath"
	"testing"

	"github.com/gameday-dev/gameday/experiments"
)

// TestExamples: every example a user may copy is valid.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("../examples/*.yaml")
	if err != nil || len(files) < 4 {
		t.Fatalf("want at least 4 examples, found %d (%v)", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			exps, err := experiments.LoadFile(f, experiments.WithEnv(noEnv))
			if err != nil {
				t.Fatalf("%v", err)
			}
			e := exps[0]
			if len(e.Blocks) == 0 || len(e.Assumptions) == 0 {
				t.Fatalf("an example should have blocks and assumptions: %d, %d", len(e.Blocks), len(e.Assumptions))
			}
		})
	}
}
