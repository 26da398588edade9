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
	files := []File{{"summary.json", r.JSON}, {"junit.xml", r.JUnit}, {"report.md", r.Markdown}, {"report.html", r.HTML}}
	for _, c := range r.Charts {
		files = append(files, File{c.File, c.SVG})
	}
	return WriteFiles(dir, "report", files...)
}

// File is a document to write: its name, and what writes it.
type File struct {
	Name  string
	Write func(io.Writer) error
}

// WriteFiles writes each file into dir (which must exist), each whole
// or not at all; it goes on after a file that failed and says which,
// prefixed with what ("report: report.md: …").
func WriteFiles(dir, what string, files ...File) error {
	var errs []error
	for _, f := range files {
		var b bytes.Buffer
		err := f.Write(&b)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, f.Name), b.Bytes(), 0o644)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", what, f.Name, err))
		}
	}
	return errors.Join(errs...)
}
