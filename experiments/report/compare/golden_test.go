package compare_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/gameday-dev/gameday/experiments/report/compare"
)

// TestGolden compares the text and compare.md of the report's sample game
// days with their golden files (go test -update rewrites them).
func TestGolden(t *testing.T) {
	c := compare.Compare(demoRuns(t, "aborted", "demo", "crashed"))
	for _, out := range []struct {
		name  string
		write func(io.Writer) error
	}{{"text", c.Text}, {"compare.md", c.Markdown}} {
		t.Run(out.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := out.write(&b); err != nil {
				t.Fatal(err)
			}
			golden.RequireEqual(t, b.Bytes())
		})
	}
}
