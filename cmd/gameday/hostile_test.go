package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// hostileLimits: what validating any file may cost, measured on the
// child (its peak RSS) and bounded around it (its address space).
const (
	hostileRSS     = 256 << 20 // bytes
	hostileVirtual = 2 << 30   // bytes: ulimit -v, far above what it needs
)

var positionRE = regexp.MustCompile(`(?m)^\S+:\d+:\d+: `)

// validateChild runs gameday validate on file in a child with a bounded
// address space, and returns its output, exit code, time and peak RSS.
func validateChild(t *testing.T, bin, file string) (string, int, time.Duration, int64) {
	t.Helper()
	cmd := exec.Command("sh", "-c", fmt.Sprintf("ulimit -v %d; exec %s validate %s", hostileVirtual>>10, shq(bin), shq(file)))
	cmd.Dir = filepath.Dir(file)
	peak := filepath.Join(t.TempDir(), "peak")
	cmd.Env = append(os.Environ(), "GAMEDAY_TEST_PEAK_RSS="+peak)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%s: validate still running after 30 s", filepath.Base(file))
	}
	took := time.Since(began)
	// Its own peak (VmHWM), written by gameday as it exits: rusage would
	// count the test process it was forked from.
	var kb int64
	if b, err := os.ReadFile(peak); err != nil {
		t.Errorf("%s: gameday wrote no peak RSS: %v", filepath.Base(file), err)
	} else if _, err := fmt.Sscanf(string(b), "%d kB", &kb); err != nil {
		t.Errorf("%s: peak RSS %q: %v", filepath.Base(file), b, err)
	}
	return out.String(), cmd.ProcessState.ExitCode(), took, kb << 10
}

// checkHostile asserts what every hostile file gets: exit 2, every error
// at FILE:LINE:COLUMN, the expected words, no panic, bounded memory, no
// huge line, nothing of a foreign file.
func checkHostile(t *testing.T, bin, file, want string) time.Duration {
	t.Helper()
	out, code, took, rss := validateChild(t, bin, file)
	name := filepath.Base(file)
	switch {
	case code != 2:
		t.Errorf("%s: exit %d, want 2:\n%s", name, code, tail(out, 5))
	case !positionRE.MatchString(out):
		t.Errorf("%s: no FILE:LINE:COLUMN in:\n%s", name, tail(out, 5))
	case want != "" && !strings.Contains(out, want):
		t.Errorf("%s: want %q in:\n%s", name, want, tail(out, 5))
	case strings.Contains(out, "panic") || strings.Contains(out, "goroutine "):
		t.Errorf("%s: a panic:\n%s", name, tail(out, 20))
	case strings.Contains(out, "never be echoed"):
		t.Errorf("%s: the error quotes a foreign file:\n%s", name, out)
	case rss > hostileRSS:
		t.Errorf("%s: peak RSS %d MB, want at most %d MB", name, rss>>20, hostileRSS>>20)
	}
	for _, l := range strings.Split(out, "\n") {
		if len(l) > 2000 {
			t.Errorf("%s: an error line of %d bytes: %.120s…", name, len(l), l)
		}
	}
	return took
}

// TestHostileFiles: every file of testdata/hostile (its first line may
// say "# want: words the error must hold"), and the large ones made here,
// get exit 2 and a position, within bounded time and memory.
func TestHostileFiles(t *testing.T) {
	bin := ownBinary(t)
	files, err := filepath.Glob("testdata/hostile/*.yaml")
	if err != nil || len(files) < 150 {
		t.Fatalf("the hostile corpus has %d files (%v), want at least 150", len(files), err)
	}
	// Two at a time: the machines have two cores.
	type result struct {
		name string
		took time.Duration
	}
	results := make(chan result, len(files))
	sem := make(chan struct{}, 2)
	for _, f := range files {
		abs, _ := filepath.Abs(f)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want := ""
		if first, _, _ := strings.Cut(string(data), "\n"); strings.HasPrefix(first, "# want: ") {
			want = strings.TrimPrefix(first, "# want: ")
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			results <- result{filepath.Base(f), checkHostile(t, bin, abs, want)}
		})
	}
	t.Cleanup(func() {
		close(results)
		var slowest result
		for r := range results {
			if r.took > slowest.took {
				slowest = r
			}
		}
		t.Logf("%d files; the slowest, %s, took %v", len(files), slowest.name, slowest.took)
	})

	dir := t.TempDir()
	for _, g := range generatedHostile() {
		path := filepath.Join(dir, g.name+".yaml")
		if err := os.WriteFile(path, []byte(g.text), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, took, rss := validateChild(t, bin, path)
		checkHostile(t, bin, path, g.want)
		t.Logf("%s (%d KB): %v, peak RSS %d MB", g.name, len(g.text)>>10, took, rss>>20)
	}
}

type hostileFile struct{ name, want, text string }

// generatedHostile are the files too large to keep in the repository.
func generatedHostile() []hostileFile {
	var out []hostileFile
	// Billion laughs, where it is decoded and where it is not.
	out = append(out,
		hostileFile{"laughs-in-blocks", "too large", laughsText("blocks")},
		hostileFile{"laughs-under-unknown-key", "too large", laughsText("nonsense")},
	)
	// One alias of 4,000 loads, expanded in each of 256 matrix cases.
	var loads strings.Builder
	loads.WriteString("name: fan-out\nmatrix: {a: [")
	for i := range 16 {
		fmt.Fprintf(&loads, "%d,", i)
	}
	loads.WriteString("], b: [")
	for i := range 16 {
		fmt.Fprintf(&loads, "%d,", i)
	}
	loads.WriteString("]}\ndescription: \"${matrix.a} ${matrix.b}\"\nx-loads: &loads\n")
	for i := range 4000 {
		fmt.Fprintf(&loads, "  - {name: l%d, url: 'http://127.0.0.1:9/', rate: 1/s}\n", i)
	}
	loads.WriteString("load: *loads\n")
	out = append(out, hostileFile{"alias-fan-out-matrix", "too large", loads.String()})
	// A file over the size limit, and a value just under it.
	out = append(out, hostileFile{"nine-megabytes", "too large", "name: big\ndescription: " + strings.Repeat("x", 9<<20) + "\n"})
	out = append(out, hostileFile{"seven-megabyte-name", "", "name: " + strings.Repeat("n", 7<<20) + "\nnonsense: 1\n"})
	// A hypothesis of 10 KB: refused, and not echoed.
	out = append(out, hostileFile{"ten-kilobyte-hypothesis", "hypothesis: 10240 characters; at most 500",
		"name: long\nhypothesis: " + strings.Repeat("x", 10<<10) + "\n"})
	// 2,000 loads and 2,000 assumptions on series that do not exist.
	var many strings.Builder
	many.WriteString("name: many\nload:\n")
	for i := range 2000 {
		fmt.Fprintf(&many, "  - {name: load-number-%d, url: 'http://127.0.0.1:9/', rate: 1/s}\n", i)
	}
	many.WriteString("assumptions:\n")
	for i := range 2000 {
		fmt.Fprintf(&many, "  - {name: a%d, series: serie-number-%d, aggregate: max, below: 5}\n", i, i)
	}
	out = append(out, hostileFile{"two-thousand-unknown-series", "no series", many.String()})
	// 1,001 blocks.
	var blocks strings.Builder
	blocks.WriteString("name: blocks\nblocks:\n")
	for i := range 1001 {
		fmt.Fprintf(&blocks, "  - {name: b%d, fault: {kind: command, start: [\"true\"], revert: [\"true\"]}}\n", i)
	}
	out = append(out, hostileFile{"thousand-and-one-blocks", "at most 1000", blocks.String()})
	// 300,000 list items.
	var items strings.Builder
	items.WriteString("name: items\nblocks:\n")
	for range 300000 {
		items.WriteString("  - x\n")
	}
	out = append(out, hostileFile{"three-hundred-thousand-items", "", items.String()})
	return out
}

// laughsText is ten levels of ten aliases each (10^10 nodes once
// expanded), used under key.
func laughsText(key string) string {
	var b strings.Builder
	b.WriteString("name: laughs\nx-l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n")
	for i := 1; i < 10; i++ {
		p := fmt.Sprintf("*l%d", i-1)
		fmt.Fprintf(&b, "x-l%d: &l%d [%s]\n", i, i, strings.Join([]string{p, p, p, p, p, p, p, p, p, p}, ", "))
	}
	b.WriteString(key + ": *l9\n")
	return b.String()
}
