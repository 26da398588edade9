package compare

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gameday-dev/gameday/experiments/report"
)

// WriteDir writes compare.md and compare.html into dir (created if
// needed); their links to the runs' reports are relative to it.
func (c *Comparison) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		c.base = abs
	}
	return report.WriteFiles(dir, "compare", report.File{Name: "compare.md", Write: c.Markdown}, report.File{Name: "compare.html", Write: c.HTML})
}
