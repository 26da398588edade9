package experiments_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gameday-dev/gameday/experiments"
)

// TestMatrixValues: each case carries its parameters' values as data, in
// the matrix's order (for the comparison's grid), a secret's masked.
func TestMatrixValues(t *testing.T) {
	src := strings.Replace(base, "delay: 300ms", `delay: "${matrix.delay}"`, 1) +
		"  - {name: flaky, fault: {kind: error, target: api, probability: \"${matrix.p}\"}}\n" +
		"  - {name: tagged, description: \"${matrix.tag}\", fault: {kind: latency, target: api, delay: 1ms}}\n" +
		"secrets: [TAG]\nmatrix:\n  delay: [100ms, 1s]\n  p: [1%, 10%, 50%]\n  tag: [\"${TAG}\"]\n"
	exps, errs := parse(t, src, experiments.WithEnv(func(k string) (string, bool) { return "s3cr3t-value", k == "TAG" }))
	if errs != nil {
		t.Fatal(errs)
	}
	if len(exps) != 6 {
		t.Fatalf("%d cases, want 6", len(exps))
	}
	want := []experiments.MatrixValue{{Name: "delay", Value: "1s"}, {Name: "p", Value: "10%"}, {Name: "tag", Value: "***"}}
	got := exps[4].Matrix
	if len(got) != 3 || !slices.Equal(got[:2], want[:2]) || got[2].Name != "tag" || strings.Contains(got[2].Value, "s3cr3t") {
		t.Errorf("case 5's matrix %v, want %v (the secret masked)", got, want)
	}
	one, errs := parse(t, base)
	if errs != nil || one[0].Matrix != nil {
		t.Errorf("without a matrix: %v %v", one[0].Matrix, errs)
	}
}
