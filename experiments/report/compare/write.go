package compare

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	var errs []error
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{{"compare.md", c.Markdown}, {"compare.html", c.HTML}} {
		var b bytes.Buffer
		err := f.write(&b)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, f.name), b.Bytes(), 0o644)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("compare: %s: %w", f.name, err))
		}
	}
	return errors.Join(errs...)
}
