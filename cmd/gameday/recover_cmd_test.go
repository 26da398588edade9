package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gameday-dev/gameday/inject"
)

// TestRecoverCmdShowsNoArguments: gameday recover prints a revert
// command as the session showed it (secrets masked), or its program
// alone, never its arguments.
func TestRecoverCmdShowsNoArguments(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	sf, err := inject.OpenStateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	flag := filepath.Join(dir, "reverted")
	for key, r := range map[string]inject.Revert{
		"command/shown": {Kind: inject.RevertCommand, Shown: "touch ***",
			Command: &inject.CommandSpec{Argv: []string{"touch", flag}}},
		"command/plain": {Kind: inject.RevertCommand,
			Command: &inject.CommandSpec{Argv: []string{"true", "--password", "hunter2"}}},
	} {
		if err := sf.Record(key, r); err != nil {
			t.Fatal(err)
		}
	}

	var out bytes.Buffer
	if err := runRecover(&out, path, false); err != nil {
		t.Fatalf("recover: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{"2 faults recorded in " + path, "ran revert command: touch ***",
		"ran revert command: true (2 more arguments not shown)", "everything reverted"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "hunter2") || strings.Contains(got, flag) {
		t.Errorf("output shows a command's arguments:\n%s", got)
	}
	if _, err := os.Stat(flag); err != nil {
		t.Errorf("the revert command did not run: %v", err)
	}
}

// TestRecoverCmdRefusesAnUnsafeStateFile: a state directory that others
// can write is refused, with what to do.
func TestRecoverCmdRefusesAnUnsafeStateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "state.json")
	var out bytes.Buffer
	err := runRecover(&out, path, false)
	var se startError
	if err == nil || !errors.As(err, &se) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "chmod go-w "+dir) {
		t.Errorf("recover on a world-writable directory: %v (%T)", err, err)
	}
	if _, err := (&globals{statePath: path}).openState(); err == nil || !strings.Contains(err.Error(), "chmod go-w") {
		t.Errorf("openState: %v", err)
	}
}
