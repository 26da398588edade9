package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gameday-dev/gameday/experiments"
)

// Write writes summary.json, junit.xml, report.md and report.html into
// dir (created if needed), and the charts of report.md as chart-N.svg.
func Write(dir string, j *experiments.Journal) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	r := Build(j)
	files := map[string]func(io.Writer) error{
		"summary.json": r.JSON,
		"junit.xml":    r.JUnit,
		"report.md":    r.Markdown,
		"report.html":  r.HTML,
	}
	names := []string{"summary.json", "junit.xml", "report.md", "report.html"}
	for _, c := range r.Charts {
		files[c.File] = c.SVG
		names = append(names, c.File)
	}
	var errs []error
	for _, name := range names {
		var b bytes.Buffer
		err := files[name](&b)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("report: %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}
