package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDryRunPreflight: `run --dry-run` and `play --dry-run`, through the
// built binary with no terminal, print the pre-flight (the same text as
// the experiments package's golden file), exit 0, start nothing and
// record nothing, and never print a secret.
func TestDryRunPreflight(t *testing.T) {
	bin := gamedayBinary(t)
	const token = "tok-s3cret-42" // as experiments/preflight_test.go
	golden, err := os.ReadFile("../../experiments/testdata/TestPreviewGolden.golden")
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "state.json")
	for _, tc := range []struct {
		args []string
		head string
	}{
		{[]string{"run", "--dry-run"}, "dry run 1 of 1: shop pre-flight: nothing is injected\n\n"},
		{[]string{"play", "--dry-run"}, "pre-flight: shop pre-flight: nothing is injected\n\n"},
	} {
		t.Run(tc.args[0], func(t *testing.T) {
			cmd := exec.Command(bin, append(append([]string{"--state-file", state}, tc.args...), "testdata/preflight.yaml")...)
			cmd.Dir = "../../experiments" // so that the file reads as in the golden text
			cmd.Env = append(os.Environ(), "SHOP_TOKEN="+token)
			cmd.Stdin = nil // no terminal
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %v\n%s", tc.args, err, out)
			}
			if want := tc.head + string(golden) + "\n"; string(out) != want {
				t.Fatalf("%v prints:\n%s\nwant:\n%s", tc.args, out, want)
			}
			if strings.Contains(string(out), token) {
				t.Fatalf("%v prints the secret", tc.args)
			}
			if _, err := os.Stat(state); !os.IsNotExist(err) {
				t.Fatalf("%v touched the state file: %v", tc.args, err)
			}
		})
	}
	// A file that does not validate gets no pre-flight: exit 2 and the
	// error at its place.
	bad := filepath.Join(t.TempDir(), "outside.yaml")
	src, err := os.ReadFile("../../experiments/testdata/preflight.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(bad, []byte(strings.Replace(string(src), `"http://127.0.0.1:8081"`, `"http://10.1.2.3:8081"`, 1)), 0o644)
	cmd := exec.Command(bin, "--state-file", state, "play", "--dry-run", bad)
	cmd.Env = append(os.Environ(), "SHOP_TOKEN="+token)
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), bad+`:14:62: proxy "inventory": its upstream: host 10.1.2.3 is outside allow`) {
		t.Fatalf("play --dry-run on a target outside allow: exit %d\n%s", code, out)
	}
}
