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
	if code != 0 || !strings.Contains(out, "ratings-flaky") || !strings.Contains(out, "sequence: ratings-slow for 30s, then ratings-down for 30s") {
		t.Fatalf("blocks FILE: exit %d:\n%s", code, out)
	}
}

func TestPlayBadFile(t *testing.T) {
	code, _, errOut := runCLI(t, "play", "does-not-exist.yaml")
	if code != 2 || !strings.Contains(errOut, "does-not-exist.yaml") {
		t.Fatalf("play a missing file: exit %d, stderr %q", code, errOut)
	}
}
