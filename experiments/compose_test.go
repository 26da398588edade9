package experiments_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

func composeBase(t *testing.T) *experiments.Experiment {
	t.Helper()
	exps, errs := parse(t, base)
	if errs != nil {
		t.Fatal(errs)
	}
	return exps[0]
}

func latency(name, target string, params ...string) experiments.Draft {
	d := experiments.Draft{Name: name, Kind: "latency", Target: target}
	for i := 0; i+1 < len(params); i += 2 {
		d.Params = append(d.Params, experiments.DraftParam{Key: params[i], Value: params[i+1]})
	}
	return d
}

// inFile is base with d written at the end of its blocks, as a user
// would write it.
func inFile(d experiments.Draft) string {
	var b strings.Builder
	b.WriteString(base)
	for _, l := range strings.SplitAfter(d.YAML(), "\n") {
		if l != "" {
			b.WriteString("  " + l)
		}
	}
	return b.String()
}

func TestComposeValid(t *testing.T) {
	e := composeBase(t)
	b, err := e.Compose(nil, latency("slower", "api", "delay", "150ms", "jitter", "20ms"))
	if err != nil {
		t.Fatal(err)
	}
	if b.Name != "slower" || b.Fault == nil || b.Fault.Delay != 150*time.Millisecond || b.Fault.Jitter != 20*time.Millisecond {
		t.Fatalf("composed %+v", b)
	}
	if got, want := b.Summary(), "150 ms ± 20 ms delay on api"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	// The experiment itself is unchanged: a composed block joins the
	// session, not the loaded experiment.
	if len(e.Blocks) != 1 {
		t.Fatalf("the experiment has %d blocks after Compose, want 1", len(e.Blocks))
	}
}

// TestComposeSameErrorsAsFile: a composed block fails with exactly the
// messages the same block gets when written in the file, each with the
// field it is about.
func TestComposeSameErrorsAsFile(t *testing.T) {
	e := composeBase(t)
	for _, tc := range []struct {
		name  string
		draft experiments.Draft
		field string
		want  string // a part of the message
	}{
		{"no unit", latency("x", "api", "delay", "150"), "delay", `"150" has no unit`},
		{"no delay", latency("x", "api"), "fault", "a latency fault needs delay"},
		{"no such target", latency("x", "apx", "delay", "1s"), "target", `no proxy "apx" (did you mean "api"?)`},
		{"unknown kind", experiments.Draft{Name: "x", Kind: "latncy", Target: "api"}, "kind", `did you mean "latency"?`},
		{"kind of another protocol", experiments.Draft{Name: "x", Kind: "bandwidth", Target: "api",
			Params: []experiments.DraftParam{{Key: "rate", Value: "1KB/s"}}}, "kind", "bandwidth is not a fault of http proxies"},
		{"a parameter of another kind", latency("x", "api", "delay", "1s", "status", "500"), "status", "status does not apply to a latency fault"},
		{"jitter over delay", latency("x", "api", "delay", "100ms", "jitter", "200ms"), "jitter", "is more than the delay"},
		{"probability over 100", latency("x", "api", "delay", "1s", "probability", "150%"), "probability", "150%"},
		{"a name twice", latency("slow", "api", "delay", "1s"), "name", `block "slow" is defined twice`},
		{"no name", latency("", "api", "delay", "1s"), "name", `missing key "name"`},
		{"a name with spaces around", latency(" x ", "api", "delay", "1s"), "name", "without leading or trailing spaces"},
		{"unknown curve", experiments.Draft{Name: "x", Kind: "latency", Target: "api", Curve: "zigzag",
			Params: []experiments.DraftParam{{Key: "delay", Value: "1s"}}}, "curve", `"zigzag" is not valid here`},
		{"zero duration", experiments.Draft{Name: "x", Kind: "latency", Target: "api", Duration: "0s",
			Params: []experiments.DraftParam{{Key: "delay", Value: "1s"}}}, "duration", "above zero"},
		{"a process fault on a proxy", experiments.Draft{Name: "x", Kind: "pause", Target: "api"}, "target", `no process "api"`},
		{"a list for a duration", latency("x", "api", "delay", "[1s, 2s]"), "delay", "a list"},
		{"null", latency("x", "api", "delay", "null"), "delay", "got nothing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Compose(nil, tc.draft)
			var de experiments.DraftErrors
			if !errors.As(err, &de) {
				t.Fatalf("want DraftErrors, got %T: %v", err, err)
			}
			fieldOK := false
			for _, d := range de {
				if d.Field == tc.field && strings.Contains(d.Msg, tc.want) {
					fieldOK = true
				}
			}
			if !fieldOK {
				t.Errorf("want an error on %s saying %q, got %v", tc.field, tc.want, de)
			}
			_, fe := parse(t, inFile(tc.draft))
			if fe == nil {
				t.Fatalf("the same block in the file validates:\n%s", inFile(tc.draft))
			}
			var fromFile, fromDraft []string
			for _, f := range fe {
				fromFile = append(fromFile, f.Msg)
			}
			for _, d := range de {
				fromDraft = append(fromDraft, d.Msg)
			}
			slices.Sort(fromFile)
			slices.Sort(fromDraft)
			if !slices.Equal(fromFile, fromDraft) {
				t.Errorf("the form says\n  %q\nthe file says\n  %q", fromDraft, fromFile)
			}
		})
	}
}

func TestComposeNotYAML(t *testing.T) {
	e := composeBase(t)
	d := experiments.Draft{Name: "x", Kind: "command", Params: []experiments.DraftParam{
		{Key: "start", Value: "[touch, /tmp/x"}, {Key: "revert", Value: "[rm, /tmp/x]"}}}
	_, err := e.Compose(nil, d)
	var de experiments.DraftErrors
	if !errors.As(err, &de) || len(de) != 1 || de[0].Field != "start" || !strings.HasPrefix(de[0].Msg, "not valid YAML: ") {
		t.Fatalf("want one error on start saying it is not valid YAML, got %v", err)
	}
	d.Params[0].Value = "[touch, /tmp/x]"
	if _, err := e.Compose(nil, d); err != nil {
		t.Fatalf("a command fault: %v", err)
	}
}

// TestComposeAfterOthers: a block composed earlier counts (its name is
// taken), and an error about it says which block, not a line.
func TestComposeAfterOthers(t *testing.T) {
	e := composeBase(t)
	first := latency("slower", "api", "delay", "150ms")
	if _, err := e.Compose(nil, first); err != nil {
		t.Fatal(err)
	}
	_, err := e.Compose([]experiments.Draft{first}, latency("slower", "api", "delay", "200ms"))
	if err == nil || !strings.Contains(err.Error(), `name: block "slower" is defined twice (first at the composed block "slower")`) {
		t.Fatalf("want the name taken by the composed block, got %v", err)
	}
	if _, err := e.Compose([]experiments.Draft{first}, latency("slowest", "api", "delay", "200ms")); err != nil {
		t.Fatal(err)
	}
}

func TestComposeNeedsAFile(t *testing.T) {
	var e experiments.Experiment
	if _, err := e.Compose(nil, latency("x", "api", "delay", "1s")); !errors.Is(err, experiments.ErrNoFile) {
		t.Fatalf("want ErrNoFile, got %v", err)
	}
}

func TestFaultChoices(t *testing.T) {
	e := composeBase(t)
	got := map[experiments.FaultKind][]string{}
	for _, c := range e.FaultChoices() {
		for _, tg := range c.Targets {
			got[c.Kind] = append(got[c.Kind], tg.Name+" ("+tg.On+")")
		}
	}
	for kind, want := range map[experiments.FaultKind][]string{
		"latency":   {"api (http proxy)", "db (tcp proxy)"},
		"error":     {"api (http proxy)"},
		"bandwidth": {"db (tcp proxy)"},
		"pause":     {"worker (process)"},
		"command":   {" ()"},
	} {
		if !slices.Equal(got[kind], want) {
			t.Errorf("%s: targets %q, want %q", kind, got[kind], want)
		}
	}
	for _, c := range e.FaultChoices() {
		if c.Kind != "latency" {
			continue
		}
		ps := c.Targets[0].Params
		if ps[0].Name != "delay" || !ps[0].Required || !strings.Contains(ps[0].About, "duration") {
			t.Errorf("latency on an http proxy: the first parameter should be delay, required, a duration: %+v", ps[0])
		}
	}
}

// FuzzCompose: whatever is typed in the form, Compose does not panic,
// and it accepts a block exactly when the file would.
func FuzzCompose(f *testing.F) {
	f.Add("slower", "latency", "api", "delay", "150ms", "", "")
	f.Add("x", "error", "api", "status", "5000", "ramp", "1m")
	f.Add("", "pause", "worker", "period", "{a: b}", "{shape: pulse}", "x")
	f.Add("a: b", "command", "", "start", "[sh, -c, 'echo ${X}']", "", "0")
	f.Add("k", "latency", "db", "direction", "sideways", "sine", "-1s")
	exps, err := experiments.Parse("exp.yaml", []byte(base), experiments.WithEnv(noEnv))
	if err != nil {
		f.Fatal(err)
	}
	e := exps[0]
	f.Fuzz(func(t *testing.T, name, kind, target, key, value, curve, duration string) {
		d := experiments.Draft{Name: name, Kind: kind, Target: target, Curve: curve, Duration: duration,
			Params: []experiments.DraftParam{{Key: key, Value: value}}}
		_, cerr := e.Compose(nil, d)
		var de experiments.DraftErrors
		if cerr != nil && !errors.As(cerr, &de) {
			t.Fatalf("want DraftErrors, got %T: %v", cerr, cerr)
		}
		if cerr != nil && strings.HasPrefix(de[0].Msg, "not valid YAML") {
			return // the file would not be YAML either
		}
		_, ferr := experiments.Parse("exp.yaml", []byte(inFile(d)), experiments.WithEnv(noEnv))
		if (cerr == nil) != (ferr == nil) {
			t.Fatalf("the form says %v, the file says %v:\n%s", cerr, ferr, inFile(d))
		}
	})
}

// TestComposeKubernetes: the kinds of Kubernetes targets come from the
// table too, with the file's targets; a composed Chaos Mesh fault is
// checked like one in the file.
func TestComposeKubernetes(t *testing.T) {
	exps, errs := parse(t, kubeBase)
	if errs != nil {
		t.Fatal(errs)
	}
	e := exps[0]
	var delay *experiments.FaultChoice
	for _, c := range e.FaultChoices() {
		if c.Kind == "latency" || c.Kind == "pause" {
			t.Errorf("%s offered without a proxy or a process", c.Kind)
		}
		if c.Kind == "net-delay" {
			delay = &c
		}
	}
	if delay == nil || len(delay.Targets) != 2 || delay.Targets[0].Name != "inventory" || delay.Targets[0].On != "Kubernetes pods" ||
		delay.Targets[0].Params[0].Name != "delay" || !delay.Targets[0].Params[0].Required {
		t.Fatalf("net-delay: %+v", delay)
	}
	d := experiments.Draft{Name: "slower", Kind: "net-delay", Target: "checkout",
		Params: []experiments.DraftParam{{Key: "delay", Value: "200ms"}, {Key: "peer", Value: "inventroy"}}}
	if _, err := e.Compose(nil, d); err == nil || !strings.Contains(err.Error(), "peer: ") {
		t.Fatalf("a peer that does not exist: %v", err)
	}
	d.Params[1].Value = "inventory"
	b, err := e.Compose(nil, d)
	if err != nil {
		t.Fatal(err)
	}
	if cf, err := e.ChaosFault(b); err != nil || cf.Kind != "NetworkChaos" {
		t.Fatalf("the composed block's Chaos Mesh object: %+v, %v", cf, err)
	}
}

// A composed block that uses a secret no part of the file used was never
// learnt as a secret, so its value could not be masked in the timeline:
// it is refused, and the value appears nowhere in the error.
func TestComposeRefusesAnUnlearntSecret(t *testing.T) {
	env := func(k string) (string, bool) {
		if k == "TOKEN" {
			return "s3cr3t-value", true
		}
		return "", false
	}
	exps, errs := parse(t, "secrets: [TOKEN]\n"+base, experiments.WithEnv(env))
	if errs != nil {
		t.Fatal(errs)
	}
	d := latency("leaky", "api", "delay", "100ms", "match", `{headers: {Authorization: "${TOKEN}"}}`)
	_, err := exps[0].Compose(nil, d)
	if err == nil || !strings.Contains(err.Error(), "it uses a secret the file's blocks do not") || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("a draft with a secret the file never used: %v", err)
	}
	if _, err := exps[0].Compose(nil, latency("fine", "api", "delay", "100ms")); err != nil {
		t.Errorf("a draft without it: %v", err)
	}
}
