package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gameday-dev/gameday/experiments/journal"
)

// Write writes the report of a journal held in memory into dir: see
// WriteDir.
func Write(dir string, j *journal.Journal) error { return Build(j).WriteDir(dir) }

// WriteDir writes summary.json, junit.xml, report.md and report.html into
// dir (created if needed), and the charts of report.md as chart-N.svg.
func (r *Report) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	type file struct {
		name  string
		write func(io.Writer) error
	}
	files := []file{{"summary.json", r.JSON}, {"junit.xml", r.JUnit}, {"report.md", r.Markdown}, {"report.html", r.HTML}}
	for _, c := range r.Charts {
		files = append(files, file{c.File, c.SVG})
	}
	var errs []error
	for _, f := range files {
		var b bytes.Buffer
		err := f.write(&b)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, f.name), b.Bytes(), 0o644)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("report: %s: %w", f.name, err))
		}
	}
	return errors.Join(errs...)
}
