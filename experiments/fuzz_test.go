package experiments_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gameday-dev/gameday/experiments"
)

// FuzzParse: no input makes the loader (or the pre-flight of what it
// loads) panic or hang. The seed corpus is
// the examples, the demo file and the error cases of the tests.
//
//	go test -fuzz FuzzParse -fuzztime 1m ./experiments/
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../examples/*.yaml")
	files = append(files, "../cmd/gameday/demo.yaml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(base))
	if b, err := os.ReadFile("testdata/preflight.yaml"); err == nil {
		f.Add(b)
	}
	for _, s := range []string{
		"", "name: [a", "name: x\nblocks: [{name: a, sequence: [{block: a, for: 1s}]}]",
		"name: x\nmatrix: {a: [1, 2], b: [3, 4]}\nwindow: ${matrix.a}s",
		"name: &a x\nload: *a", "name: x\ninclude: [/dev/null]", "name: ${X:-y}$$",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		exps, err := experiments.Parse("fuzz.yaml", data, experiments.WithEnv(noEnv))
		if err == nil && len(exps) == 0 {
			t.Fatal("no error and no experiment")
		}
		// What validates has a pre-flight.
		for _, e := range exps {
			if err := experiments.WritePreview(io.Discard, e.Preview()); err != nil {
				t.Fatal(err)
			}
		}
	})
}
