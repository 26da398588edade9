package htmltest_test

import (
	"testing"

	"github.com/gameday-dev/gameday/experiments/report/internal/htmltest"
)

func TestBalanced(t *testing.T) {
	for _, page := range []string{`<table><tr><td>x</table>`, `<p><b>x</p>`, `<p>x`} {
		if htmltest.Balanced(page) == nil {
			t.Errorf("Balanced(%q) finds nothing wrong", page)
		}
	}
	if err := htmltest.Balanced(`<!DOCTYPE html><p>x<br>y<meta charset="x"><svg><line x1="1"/></svg></p>`); err != nil {
		t.Error(err)
	}
}

func TestNotSelfContained(t *testing.T) {
	for _, page := range []string{`<img src="a.png">`, `<a href="https://x.example/">x</a>`, `<style>@import "x.css";</style>`,
		`<script>1</script>`, `<div style="background: url(x.png)">`} {
		if len(htmltest.NotSelfContained(page)) == 0 {
			t.Errorf("NotSelfContained(%q) finds nothing", page)
		}
	}
	if bad := htmltest.NotSelfContained(`<a href="report.html">r</a><svg><path d="M0,0"/></svg>`); len(bad) > 0 {
		t.Errorf("a relative link and inline SVG: %v", bad)
	}
}

func TestTableRows(t *testing.T) {
	good := "| a | b |\n| --- | --- |\n| x \\| y | z |\n| \\\\ | w |\n\ntext | with a pipe\n| c |\n| d |\n"
	if errs := htmltest.TableRows(good); len(errs) > 0 {
		t.Errorf("a good table: %v", errs)
	}
	if errs := htmltest.TableRows("| a | b |\n| --- | --- |\n| x | y | z |\n"); len(errs) != 1 {
		t.Errorf("a row of three cells under two: %v", errs)
	}
}
