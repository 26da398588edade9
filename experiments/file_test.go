package experiments_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

// noEnv is an empty environment, so tests do not depend on the machine's.
func noEnv(string) (string, bool) { return "", false }

func parse(t *testing.T, src string, opts ...experiments.LoadOption) ([]*experiments.Experiment, experiments.FileErrors) {
	t.Helper()
	opts = append([]experiments.LoadOption{experiments.WithEnv(noEnv)}, opts...)
	exps, err := experiments.Parse("exp.yaml", []byte(src), opts...)
	if err == nil {
		return exps, nil
	}
	var fe experiments.FileErrors
	if !errors.As(err, &fe) {
		t.Fatalf("want FileErrors, got %T: %v", err, err)
	}
	return nil, fe
}

// base is a valid experiment that error cases add a mistake to.
const base = `name: base
targets:
  proxies:
    - {name: api, upstream: 127.0.0.1:9000}
    - {name: db, protocol: tcp, upstream: 127.0.0.1:5432}
  processes:
    - {name: worker, pid: 1234}
load:
  - {name: checkout, url: http://127.0.0.1:8080/checkout, rate: 50/s}
probes:
  - {name: queue, kind: scrape, url: http://127.0.0.1:8080/metrics, metric: q}
assumptions:
  - {name: p99, series: checkout, aggregate: p99, below: 250ms}
  - {name: errors, series: checkout, aggregate: error_rate, below: 1%}
blocks:
  - {name: slow, fault: {kind: latency, target: api, delay: 300ms}}
`

func TestParseValid(t *testing.T) {
	exps, errs := parse(t, base)
	if errs != nil {
		t.Fatalf("base: %v", errs)
	}
	e := exps[0]
	if e.Name != "base" || len(e.Loads) != 1 || e.Loads[0].Rate != 50 || len(e.Blocks) != 1 {
		t.Fatalf("decoded %+v", e)
	}
	if e.Blocks[0].Fault.Delay != 300*time.Millisecond || e.Assumptions[0].Threshold != 250 || e.Assumptions[0].Unit != experiments.UnitMillis {
		t.Fatalf("values: delay %v threshold %v %q", e.Blocks[0].Fault.Delay, e.Assumptions[0].Threshold, e.Assumptions[0].Unit)
	}
	if len(e.Charts) == 0 {
		t.Fatal("a file without charts gets the default charts")
	}
}

// TestParseErrors: every error case names its line and column and says
// what was expected.
func TestParseErrors(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []string // "LINE:COL: substring"
	}{
		{"unknown key with suggestion", base + "blokcs: []\n",
			[]string{`17:1: experiment: unknown key "blokcs" (did you mean "blocks"?)`}},
		{"unknown nested key", strings.Replace(base, "delay: 300ms", "delya: 300ms", 1),
			[]string{`16:54: blocks[].fault: unknown key "delya" (did you mean "delay"?)`}},
		{"wrong type", strings.Replace(base, "name: base", "name: [a, b]", 1),
			[]string{`1:7: want a name, got a list`}},
		{"duration without unit", strings.Replace(base, "delay: 300ms", "delay: 300", 1),
			[]string{`16:61: "300" has no unit: write it as 300ms or 300s`}},
		{"rate without unit", strings.Replace(base, "rate: 50/s", "rate: 50", 1),
			[]string{`9:65: "50" has no unit: write it as 50/s`}},
		{"percentage out of range", base + "  - {name: flaky, fault: {kind: error, target: api, probability: 150%}}\n",
			[]string{`17:66: "150%" is out of range: want 0% to 100%`}},
		{"duplicate name", base + "  - {name: slow, fault: {kind: error, target: api}}\n",
			[]string{`17:12: block "slow" is defined twice (first at exp.yaml:16:12)`}},
		{"unknown block in schedule", base + "schedule: {steps: [{blocks: [slwo], for: 10s}]}\n",
			[]string{`17:29: schedule step: no block "slwo" (did you mean "slow"?)`}},
		{"empty schedule step", base + "schedule: {steps: [{blocks: [], for: 10s}]}\n",
			[]string{`17:29: an empty step: want at least one block to switch on`}},
		{"unknown target", strings.Replace(base, "target: api", "target: apj", 1),
			[]string{`16:49: block "slow": no proxy "apj" (did you mean "api"?)`}},
		{"unknown series", strings.Replace(base, "series: checkout, aggregate: p99", "series: chekout, aggregate: p99", 1),
			[]string{`13:25: assumption "p99": no series "chekout" (did you mean "checkout"?)`}},
		{"unknown probe kind", strings.Replace(base, "kind: scrape", "kind: scarpe", 1),
			[]string{`11:25: "scarpe" is not valid here: want "scrape", "http", "tcp", "command" or "promql" (did you mean "scrape"?)`}},
		{"cycle in composed blocks", base + "  - {name: a, sequence: [{block: b, for: 1s}]}\n  - {name: b, parallel: [a]}\n",
			[]string{`18:5: blocks form a cycle: a → b → a`}},
		{"fault on the wrong protocol", base + "  - {name: bw, fault: {kind: bandwidth, target: api, rate: 1MB/s}}\n",
			[]string{`17:30: block "bw": bandwidth is not a fault of http proxies (proxy "api" is http)`}},
		{"parameter that does not apply", base + "  - {name: p, fault: {kind: pause, target: worker, delay: 1s}}\n",
			[]string{`17:59: block "p": delay does not apply to a pause fault (it takes period)`}},
		{"threshold unit", strings.Replace(base, "below: 250ms", "below: 250", 1),
			[]string{`13:58: assumption "p99": p99 of checkout is a duration, so the threshold must be a duration, like 250ms`}},
		{"missing key", base + "  - {fault: {kind: pause, target: worker}}\n",
			[]string{`17:5: blocks[]: missing key "name"`}},
		{"two comparisons", strings.Replace(base, "below: 1%", "below: 1%, above: 0%", 1),
			[]string{`14:79: an assumption has one comparison; it already has "below"`}},
		{"unset environment variable", strings.Replace(base, "127.0.0.1:9000", `"${API_ADDR}"`, 1),
			[]string{`4:29: ${API_ADDR}: the environment variable API_ADDR is not set`}},
		{"not YAML", "name: [unclosed\n", []string{`1:1: not valid YAML`}},
		{"empty", "", []string{`1:1: the file is empty`}},
		{"several errors at once", strings.Replace(strings.Replace(base, "rate: 50/s", "rate: fast", 1), "delay: 300ms", "delay: soon", 1),
			[]string{`9:65: "fast" is not a rate`, `16:61: "soon" is not a duration`}},
		{"unknown matrix parameter", base + "matrix: {delay: [1s]}\n",
			[]string{`17:10: matrix parameter "delay" is never used`}},
		{"a load judged without aggregate", strings.Replace(base, "series: checkout, aggregate: p99, ", "series: checkout, ", 1),
			[]string{`13:25: assumption "p99": "checkout" is a load: say what to judge with aggregate`}},
		{"recovery of an unknown assumption", strings.Replace(base, "blocks:\n", "  - {name: rec, recovers_within: 30s, of: [p999]}\nblocks:\n", 1),
			[]string{`15:43: assumption "rec": of names "p999", which is not an assumption (did you mean "p99"?)`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := parse(t, tc.src)
			wantErrors(t, errs, tc.want)
			for _, e := range errs {
				if e.File != "exp.yaml" || e.Line == 0 || e.Col == 0 {
					t.Errorf("error without its place: %+v", e)
				}
			}
		})
	}
}

// wantErrors fails unless errs has an error containing each of want.
func wantErrors(t *testing.T, errs experiments.FileErrors, want []string) {
	t.Helper()
	if errs == nil {
		t.Fatalf("no error; want %v", want)
	}
	text := errs.Error()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("want an error containing\n  %s\ngot:\n%s", w, text)
		}
	}
}

func TestParseMatrix(t *testing.T) {
	src := strings.Replace(base, "delay: 300ms", `delay: "${matrix.delay}"`, 1) +
		"  - {name: flaky, fault: {kind: error, target: api, probability: \"${matrix.p}\"}}\nmatrix:\n  delay: [100ms, 1s]\n  p: [1%, 10%, 50%]\n"
	exps, errs := parse(t, src)
	if errs != nil {
		t.Fatal(errs)
	}
	if len(exps) != 6 {
		t.Fatalf("%d cases, want 2×3", len(exps))
	}
	if exps[0].Case != "delay=100ms p=1%" || exps[5].Case != "delay=1s p=50%" {
		t.Fatalf("case names %q … %q", exps[0].Case, exps[5].Case)
	}
	if exps[5].Blocks[0].Fault.Delay != time.Second || exps[5].Blocks[1].Fault.Probability != 0.5 {
		t.Fatalf("case values: %v %v", exps[5].Blocks[0].Fault.Delay, exps[5].Blocks[1].Fault.Probability)
	}
	_, errs = parse(t, strings.Replace(src, "${matrix.p}", "${matrix.q}", 1))
	if errs == nil || !strings.Contains(errs.Error(), `no matrix parameter "q"`) {
		t.Fatalf("want an unknown matrix parameter error, got %v", errs)
	}
}

func TestParseEnvAndSecrets(t *testing.T) {
	env := map[string]string{"API": "127.0.0.1:9000", "TOKEN": "s3cr3t-value"}
	src := strings.Replace(base, "127.0.0.1:9000", `"${API}"`, 1) +
		"secrets: [TOKEN]\n" +
		"  \n"
	src = strings.Replace(src, "rate: 50/s}", "rate: 50/s, headers: {Authorization: \"Bearer ${TOKEN}\"}, method: \"${METHOD:-POST}\"}", 1)
	exps, errs := parse(t, src, experiments.WithEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }))
	if errs != nil {
		t.Fatal(errs)
	}
	e := exps[0]
	if e.Targets.Proxies[0].Upstream != "127.0.0.1:9000" || e.Loads[0].Method != "POST" {
		t.Fatalf("substitution: upstream %q method %q", e.Targets.Proxies[0].Upstream, e.Loads[0].Method)
	}
	if got := e.Redact("header was Bearer s3cr3t-value"); strings.Contains(got, "s3cr3t") {
		t.Fatalf("a secret value survives Redact: %q", got)
	}
	// A secret never appears in an error either.
	_, errs = parse(t, strings.Replace(src, "url: http://127.0.0.1:8080/checkout", "url: \"${TOKEN}\"", 1),
		experiments.WithEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }))
	if errs == nil {
		t.Fatal("want an error for a URL that is not one")
	}
	if strings.Contains(errs.Error(), "s3cr3t") {
		t.Fatalf("an error prints a secret: %v", errs)
	}
}

func TestParseIncludes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("catalog.yaml", "blocks:\n  - {name: errors, fault: {kind: error, target: api, probability: 10%}}\n")
	write("bad.yaml", "blocks:\n  - {name: x, fault: {kind: error, target: api, probabilty: 10%}}\n")
	write("loop.yaml", "include: [loop.yaml]\nblocks: []\n")
	main := write("main.yaml", base+"include: [catalog.yaml]\n")
	exps, err := experiments.LoadFile(main, experiments.WithEnv(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	if exps[0].BlockIndex("errors") < 0 {
		t.Fatal("the catalog's block is missing")
	}
	for file, want := range map[string]string{
		"bad.yaml":     "bad.yaml:2:49: blocks[].fault: unknown key \"probabilty\" (did you mean \"probability\"?)",
		"loop.yaml":    "loop.yaml:1:11: include loop.yaml: it includes itself (a cycle)",
		"missing.yaml": "main2.yaml:17:11: include missing.yaml: no such file",
	} {
		p := write("main2.yaml", base+"include: ["+file+"]\n")
		_, err := experiments.LoadFile(p, experiments.WithEnv(noEnv))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("include %s: want %q, got %v", file, want, err)
		}
	}
}

func TestParseAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: bomb\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = experiments.Parse("bomb.yaml", []byte(b.String()), experiments.WithEnv(noEnv))
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("an alias bomb hangs the loader")
	}
}

func TestParseSelfAlias(t *testing.T) {
	for _, src := range []string{"name: x\nblocks: &a [*a]\n", "name: &n x\nload: &l [{name: *n, url: *l}]\n"} {
		done := make(chan error, 1)
		go func() {
			_, err := experiments.Parse("self.yaml", []byte(src), experiments.WithEnv(noEnv))
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("%q: want an error", src)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%q hangs the loader", src)
		}
	}
}

func TestParseJudgementKinds(t *testing.T) {
	src := strings.Replace(base, "blocks:\n", `  - {name: queue bounded, series: queue, aggregate: slope, window: 30s, at_most: 5}
  - {name: p99 vs baseline, series: checkout, aggregate: p99, below: 1.5x baseline, during: faults}
  - {name: calm after, series: checkout, aggregate: error_rate, below: 1%, during: after}
blocks:
`, 1)
	exps, errs := parse(t, src)
	if errs != nil {
		t.Fatal(errs)
	}
	as := exps[0].Assumptions
	if as[2].Aggregate != experiments.AggSlope || !as[3].Relative || as[3].Factor != 1.5 || as[3].During != experiments.PhaseFaults || as[4].During != experiments.PhaseAfter {
		t.Fatalf("decoded %+v %+v %+v", as[2], as[3], as[4])
	}
	_, errs = parse(t, strings.Replace(src, "during: after", "during: later", 1))
	if errs == nil || !strings.Contains(errs.Error(), `"later" is not valid here: want "always", "faults" or "after"`) {
		t.Fatalf("want an error for during: later, got %v", errs)
	}
}

func TestParseBodyTemplate(t *testing.T) {
	good := strings.Replace(base, "rate: 50/s}", `rate: 50/s, method: POST, body_template: '{"order": {{.N}}, "sku": "{{pick "a" "b"}}"}'}`, 1)
	exps, errs := parse(t, good)
	if errs != nil {
		t.Fatal(errs)
	}
	if !strings.Contains(exps[0].Loads[0].BodyTemplate, "{{.N}}") {
		t.Fatalf("template %q", exps[0].Loads[0].BodyTemplate)
	}
	_, errs = parse(t, strings.Replace(good, "{{.N}}", "{{.N", 1))
	if errs == nil || !strings.Contains(errs.Error(), "9:") || !strings.Contains(errs.Error(), "body_template:") {
		t.Fatalf("a broken template should be an error at its line, got %v", errs)
	}
}
