// Package htmltest holds what the tests of the report's pages
// (report.html, compare.html, edge.html, and their Markdown) check alike:
// that a page's elements nest, that it loads nothing from elsewhere, how
// it renders in headless Chromium, that a Markdown table keeps its
// columns. It is for tests only.
package htmltest

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var voids = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// Balanced reads page as XML tokens and checks that its elements nest
// (HTML's void elements need no end).
func Balanced(page string) error {
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict, d.Entity = false, xml.HTMLEntity
	var open []string
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if !voids[tok.Name.Local] {
				open = append(open, tok.Name.Local)
			}
		case xml.EndElement:
			if len(open) == 0 || open[len(open)-1] != tok.Name.Local {
				line, _ := d.InputPos()
				return fmt.Errorf("line %d: </%s> closes %v", line, tok.Name.Local, open)
			}
			open = open[:len(open)-1]
		}
	}
	if len(open) > 0 {
		return fmt.Errorf("elements left open: %v", open)
	}
	return nil
}

var unescapedPipe = regexp.MustCompile(`(^|[^\\])\|`)

// TableRows checks that every row of each Markdown table in md has as
// many cells as its header: nothing written into a cell (a pipe, a line
// break) split it.
func TableRows(md string) []error {
	var errs []error
	want := -1
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			want = -1
			continue
		}
		// An escaped backslash (\\) does not escape the pipe after it.
		if n := len(unescapedPipe.FindAllString(strings.ReplaceAll(line, `\\`, ""), -1)); want < 0 {
			want = n
		} else if n != want {
			errs = append(errs, fmt.Errorf("a table row has %d cells, its header %d: %s", n-1, want-1, line))
		}
	}
	return errs
}

var external = regexp.MustCompile(`(?i)(src|href|xlink:href)\s*=\s*["']?\s*(https?:)?//`)

// NotSelfContained lists what in page would load from elsewhere or run:
// an external reference, a script, a stylesheet link, an import, a
// url(), a frame, an image element. None for a self-contained page.
func NotSelfContained(page string) []string {
	var out []string
	if m := external.FindString(page); m != "" {
		out = append(out, "an external resource: "+m)
	}
	for _, bad := range []string{"<script", "<link", "@import", "url(", "<iframe", "<img"} {
		if strings.Contains(strings.ToLower(page), bad) {
			out = append(out, "it contains "+bad)
		}
	}
	return out
}

// Chromium is headless Chromium, to render a page as a browser does.
type Chromium struct {
	t   testing.TB
	bin string
	dir string
}

// NewChromium finds Chromium, or skips the test (fails it under
// GAMEDAY_REQUIRE_ALL=1) saying that what is not rendered.
func NewChromium(t testing.TB, what string) *Chromium {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return &Chromium{t: t, bin: p, dir: t.TempDir()}
		}
	}
	msg := "chromium is not on PATH (apt-get install chromium): " + what + " is not rendered"
	if os.Getenv("GAMEDAY_REQUIRE_ALL") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return nil
}

// run runs Chromium with args, and returns its output and its log.
func (c *Chromium) run(args ...string) ([]byte, string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--enable-logging=stderr", "--v=0", "--user-data-dir=" + filepath.Join(c.dir, "profile")}
	cmd := exec.CommandContext(ctx, c.bin, append(base, args...)...)
	cmd.Dir = c.dir
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		c.t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out.Bytes(), stderr.String()
}

// DOM loads the page file and returns the DOM it builds, and what the
// page logged to the console (one line each).
func (c *Chromium) DOM(page string) (dom string, console []string) {
	c.t.Helper()
	out, logs := c.run("--dump-dom", "file://"+page)
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, ":CONSOLE") {
			console = append(console, l)
		}
	}
	return string(out), console
}

// Screenshot renders the page file in a window of w×h and returns the
// picture; with the environment variable keep set, it also copies the
// PNG there, to look at.
func (c *Chromium) Screenshot(page string, w, h int, keep string) image.Image {
	c.t.Helper()
	shot := filepath.Join(c.dir, "shot.png")
	c.run(fmt.Sprintf("--window-size=%d,%d", w, h), "--hide-scrollbars", "--screenshot="+shot, "file://"+page)
	data, err := os.ReadFile(shot)
	if err != nil {
		c.t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		c.t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if dst := os.Getenv(keep); dst != "" {
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			c.t.Errorf("%s: %v", keep, err)
		}
	}
	return img
}
