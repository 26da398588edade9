package experiments_test

import (
	"strings"
	"testing"

	"github.com/gameday-dev/gameday/experiments"
)

func TestHypothesis(t *testing.T) {
	exps, errs := parse(t, base+"hypothesis: >\n  Checkout keeps its p99\n  under 250 ms   while the api is slow.\n")
	if errs != nil {
		t.Fatal(errs)
	}
	if got, want := exps[0].Hypothesis, "Checkout keeps its p99 under 250 ms while the api is slow."; got != want {
		t.Fatalf("hypothesis %q, want %q (one line)", got, want)
	}

	secret := experiments.WithEnv(func(k string) (string, bool) { return "hunter2", k == "TOKEN" })
	exps, errs = parse(t, base+"secrets: [TOKEN]\nhypothesis: \"the token ${TOKEN} stays valid\"\n", secret)
	if errs != nil {
		t.Fatal(errs)
	}
	if h := exps[0].Hypothesis; strings.Contains(h, "hunter2") || !strings.HasPrefix(h, "the token ") {
		t.Fatalf("a secret in the hypothesis is not masked: %q", h)
	}

	for _, tc := range []struct{ name, value, want string }{
		{"too long", strings.Repeat("a", 501), `17:13: hypothesis: 501 characters; at most 500`},
		{"empty", `"  "`, `17:13: hypothesis: empty; want one or two sentences`},
		{"a control character", `"p99 \u001b[2J holds"`, `17:13: hypothesis: a control character (U+001B) at character 5; want plain text`},
		{"not a string", `[a, b]`, `17:13: want one or two sentences, got a list`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := parse(t, base+"hypothesis: "+tc.value+"\n")
			if errs == nil || !strings.Contains(errs.Error(), tc.want) {
				t.Fatalf("want %q, got %v", tc.want, errs)
			}
			if len(errs.Error()) > 300 {
				t.Fatalf("the error quotes the hypothesis: %d bytes", len(errs.Error()))
			}
		})
	}
	// 500 characters, not bytes.
	if _, errs := parse(t, base+"hypothesis: "+strings.Repeat("é", 500)+"\n"); errs != nil {
		t.Fatalf("500 characters: %v", errs)
	}
}
