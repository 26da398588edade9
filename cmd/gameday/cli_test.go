package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs gameday in-process with args, returning its exit code and
// what it printed.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	code := exitCode(root.Execute(), &errOut)
	return code, out.String(), errOut.String()
}

func TestValidateCommand(t *testing.T) {
	examples, _ := filepath.Glob("../../examples/*.yaml")
	code, out, errOut := runCLI(t, append([]string{"validate"}, examples...)...)
	if code != 0 || strings.Count(out, ": ok: ") != len(examples) {
		t.Fatalf("validate examples: exit %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("name: x\nblokcs: []\nload: [{name: a, url: http://h, rate: 5}]\n"), 0o644)
	code, _, errOut = runCLI(t, "validate", bad)
	if code != 2 {
		t.Fatalf("validate a bad file: exit %d, want 2", code)
	}
	for _, want := range []string{bad + `:2:1: experiment: unknown key "blokcs" (did you mean "blocks"?)`, bad + `:3:39: "5" has no unit`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	matrix := filepath.Join(t.TempDir(), "m.yaml")
	os.WriteFile(matrix, []byte("name: m\ntargets: {proxies: [{name: p, upstream: 127.0.0.1:1}]}\n"+
		"blocks: [{name: b, fault: {kind: latency, target: p, delay: \"${matrix.d}\"}}]\nmatrix: {d: [10ms, 20ms]}\n"), 0o644)
	code, out, _ = runCLI(t, "validate", "--expand", matrix)
	if code != 0 || !strings.Contains(out, "case 1 of 2: d=10ms") || !strings.Contains(out, "20 ms delay on p") {
		t.Fatalf("validate --expand: exit %d:\n%s", code, out)
	}
}

func TestBlocksCommand(t *testing.T) {
	code, out, _ := runCLI(t, "blocks")
	if code != 0 {
		t.Fatalf("blocks: exit %d", code)
	}
	for _, kind := range []string{"latency", "error", "abort", "blackhole", "bandwidth", "reset", "slow-close", "data-limit", "slicing", "pause", "kill", "command"} {
		if !strings.Contains(out, "\n  "+kind+" on ") {
			t.Errorf("blocks does not list %s:\n%s", kind, out)
		}
	}
	code, out, _ = runCLI(t, "blocks", "../../examples/http-slow-dependency.yaml")
	if code != 0 || !strings.Contains(out, "ratings-flaky") || !strings.Contains(out, "in turn: ratings-slow for 30s, then ratings-down for 30s") {
		t.Fatalf("blocks FILE: exit %d:\n%s", code, out)
	}
}

// TestDemoFlagsThatDoNotGoTogether: flags that would be ignored are
// refused, before anything starts.
func TestDemoFlagsThatDoNotGoTogether(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"demo", "--compare", "--resilience", "basic"}, "--resilience does not apply"},
		{[]string{"demo", "--edge", "inventory latency"}, "--edge: with --headless"},
		{[]string{"demo", "--headless", "--serve", "2222"}, "--serve: a room watches a live game day"},
	} {
		code, _, errOut := runCLI(t, append(tc.args, "--state-file", filepath.Join(t.TempDir(), "state.json"))...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestPlayBadFile(t *testing.T) {
	code, _, errOut := runCLI(t, "play", "does-not-exist.yaml")
	if code != 2 || !strings.Contains(errOut, "does-not-exist.yaml") {
		t.Fatalf("play a missing file: exit %d, stderr %q", code, errOut)
	}
}

// runFile is an experiment whose only fault is a command, so gameday run
// can be tested without any service: the assumption judges a command
// probe that reads a file the fault writes.
const runFile = `name: file counter
probes:
  - {name: count, kind: command, command: "cat ${COUNT_FILE}", shell: true, every: 100ms}
assumptions:
  - {name: count low, series: count, below: "${LIMIT:-10}"}
blocks:
  - name: raise
    fault:
      kind: command
      start: {command: "echo ${matrix.level} > ${COUNT_FILE}", shell: true}
      revert: {command: "echo 1 > ${COUNT_FILE}", shell: true}
schedule: {baseline: 600ms, steps: [{blocks: [raise], for: 1s}], recovery: 600ms}
matrix: {level: [5, 50]}
`

func TestRunCommand(t *testing.T) {
	dir := t.TempDir()
	count := filepath.Join(dir, "count")
	os.WriteFile(count, []byte("1\n"), 0o644)
	file := filepath.Join(dir, "run.yaml")
	os.WriteFile(file, []byte(runFile), 0o644)
	t.Setenv("COUNT_FILE", count)
	state := filepath.Join(dir, "state.json")

	code, out, _ := runCLI(t, "run", "--dry-run", "--matrix", file)
	if code != 0 || !strings.Contains(out, "dry run 2 of 2") || !strings.Contains(out, "switch on raise: runs") {
		t.Fatalf("--dry-run: exit %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(count); string(b) != "1\n" {
		t.Fatalf("--dry-run injected something: the file says %q", b)
	}

	outDir := filepath.Join(dir, "out")
	code, out, errOut := runCLI(t, "--state-file", state, "run", "--case", "1", "--out", outDir, "--log-file", filepath.Join(dir, "log"), file)
	if code != 0 || !strings.Contains(out, "verdict: PASSED") {
		t.Fatalf("case 1 (level 5 under 10): exit %d, want 0\n%s\n%s", code, out, errOut)
	}
	for _, f := range []string{"journal.jsonl", "summary.json", "junit.xml", "report.md", "report.html"} {
		if _, err := os.Stat(filepath.Join(outDir, f)); err != nil {
			t.Errorf("--out lacks %s: %v", f, err)
		}
	}
	code, out, _ = runCLI(t, "--state-file", state, "run", "--matrix", "--out", filepath.Join(dir, "m"), "--log-file", filepath.Join(dir, "log"), file)
	if code != 1 || !strings.Contains(out, "matrix:") || !strings.Contains(out, "PASSED   level=5") || !strings.Contains(out, "FAILED   level=50") {
		t.Fatalf("--matrix: exit %d, want 1 (level 50 breaks the assumption)\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "m", "case-2", "report.html")); err != nil {
		t.Errorf("--matrix --out: %v", err)
	}
	if !strings.Contains(out, "comparison of the cases:\n  "+filepath.Join(dir, "m", "compare.md")) {
		t.Errorf("--matrix --out does not say where the comparison is:\n%s", out)
	}
	if md, err := os.ReadFile(filepath.Join(dir, "m", "compare.md")); err != nil || !strings.Contains(string(md), "### level=50 vs level=5") {
		t.Errorf("--matrix --out: compare.md of the cases: %v\n%s", err, md)
	}
	if b, _ := os.ReadFile(count); strings.TrimSpace(string(b)) != "1" {
		t.Fatalf("the revert command did not run: the file says %q", b)
	}

	broken := filepath.Join(dir, "broken.yaml")
	os.WriteFile(broken, []byte(strings.Replace(runFile, `"echo ${matrix.level} > ${COUNT_FILE}"`, `"exit 3"`, 1)+"\n"), 0o644)
	code, out, _ = runCLI(t, "--state-file", state, "run", "--log-file", filepath.Join(dir, "log"), broken)
	if code != 2 {
		t.Fatalf("a fault that cannot start: exit %d, want 2\n%s", code, out)
	}
}
