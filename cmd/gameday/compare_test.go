package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gameday runs the built binary with args, returning its exit code and
// what it printed.
func gameday(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(gamedayBinary(t), args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	return exitCodeOf(cmd.Run()), out.String(), errOut.String()
}

// copyJournal copies a journal of the report's tests to dst.
func copyJournal(t *testing.T, name, dst string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "experiments", "report", "testdata", name+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCompareCommand compares two runs given as directories and as a
// journal, through the built binary: it prints the table, writes
// compare.md and compare.html with --out, and exits 0 whatever the
// verdicts.
func TestCompareCommand(t *testing.T) {
	dir := t.TempDir()
	none, basic, crashed := filepath.Join(dir, "none"), filepath.Join(dir, "basic"), filepath.Join(dir, "crashed.jsonl")
	copyJournal(t, "aborted", filepath.Join(none, "journal.jsonl"))
	copyJournal(t, "demo", filepath.Join(basic, "journal.jsonl"))
	copyJournal(t, "crashed", crashed)
	if code, out, errOut := gameday(t, "report", filepath.Join(none, "journal.jsonl")); code != 0 {
		t.Fatalf("report: exit %d\n%s%s", code, out, errOut)
	}

	out := filepath.Join(dir, "cmp")
	code, stdout, stderr := gameday(t, "compare", none, basic, crashed, "--out", out)
	if code != 0 {
		t.Fatalf("compare: exit %d, want 0 (failed runs are still a report)\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"Comparing 3 runs", "  1  none ", "  2  basic ", "  3  Demo sh…resilience basic ", // the journal, named by its experiment
		"queue depth · queue < 100", "basic vs none:", "checkout p99: passed vs failed, worst 110 ms vs 431 ms",
		"comparison:\n  " + filepath.Join(out, "compare.md"),
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the output lacks %q:\n%s", want, stdout)
		}
	}
	for _, line := range strings.Split(stdout, "\n") {
		if n := len([]rune(line)); n > 100 && !strings.Contains(line, out) {
			t.Errorf("a line of %d columns: %s", n, line)
		}
	}
	md, err := os.ReadFile(filepath.Join(out, "compare.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "[report.md](../none/report.md)") {
		t.Errorf("compare.md does not link the report of none:\n%s", md)
	}
	if strings.Contains(string(md), "basic/report.md") {
		t.Errorf("compare.md links a report that basic does not have:\n%s", md)
	}
	page, err := os.ReadFile(filepath.Join(out, "compare.html"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(page), "<svg"); n != 3 {
		t.Errorf("compare.html has %d charts, want 3", n)
	}

	// Without --out nothing is written.
	if code, _, _ := gameday(t, "compare", none, basic); code != 0 {
		t.Errorf("compare without --out: exit %d", code)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		t.Errorf("compare without --out wrote something: %d entries in %s", len(entries), dir)
	}
}

// TestCompareBadArguments: a run that cannot be read is exit 2, and the
// error names it.
func TestCompareBadArguments(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.jsonl")
	copyJournal(t, "demo", good)
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	notJournal := filepath.Join(dir, "notes.md")
	os.WriteFile(notJournal, []byte("# notes\n"), 0o644)
	unreadable := filepath.Join(dir, "unreadable")
	os.MkdirAll(filepath.Join(unreadable, "journal.jsonl"), 0o755) // a directory where the journal should be
	for _, tc := range []struct {
		name, arg, want string
	}{
		{"missing", filepath.Join(dir, "nope"), "no such file or directory"},
		{"a directory without a journal", empty, "a directory without journal.jsonl"},
		{"not a journal", notJournal, "not a journal gameday can read"},
		{"unreadable", unreadable, "not a journal gameday can read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := gameday(t, "compare", good, tc.arg)
			if code != 2 || !strings.Contains(stderr, tc.arg+": ") || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, want 2 and an error naming %s (%s):\n%s%s", code, tc.arg, tc.want, stdout, stderr)
			}
		})
	}
	if code, _, stderr := gameday(t, "compare", good); code != 2 || !strings.Contains(stderr, "at least two runs") {
		t.Errorf("one run: exit %d, want 2\n%s", code, stderr)
	}
}
