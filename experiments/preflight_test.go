package experiments_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/gameday-dev/gameday/experiments"
)

// shopToken is the secret of testdata/preflight.yaml.
const shopToken = "tok-s3cret-42"

func loadPreflight(t *testing.T) *experiments.Experiment {
	t.Helper()
	exps, err := experiments.LoadFile("testdata/preflight.yaml", experiments.WithEnv(func(k string) (string, bool) {
		return shopToken, k == "SHOP_TOKEN"
	}))
	if err != nil {
		t.Fatal(err)
	}
	return exps[0]
}

// TestPreviewGolden: the pre-flight of an experiment with every kind of
// target, as text (go test -update rewrites it).
func TestPreviewGolden(t *testing.T) {
	var b bytes.Buffer
	if err := experiments.WritePreview(&b, loadPreflight(t).Preview()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, leak := range []string{shopToken, "shop:pw", ":pw@"} {
		if strings.Contains(out, leak) {
			t.Errorf("the preview shows %q", leak)
		}
	}
	for i, l := range strings.Split(out, "\n") {
		if n := len([]rune(l)); n > 80 && strings.Contains(strings.TrimSpace(l), " ") {
			t.Errorf("line %d has %d columns and could wrap: %q", i+1, n, l)
		}
	}
	golden.RequireEqual(t, b.Bytes())
}

// TestPreviewData: the preview's structure, as the cockpit reads it.
func TestPreviewData(t *testing.T) {
	p := loadPreflight(t).Preview()
	if p.Hypothesis == "" || len(p.Allow) != 3 || p.Room != nil || p.Assumptions != 3 || len(p.Plan) != 4 {
		t.Fatalf("hypothesis %q, allow %v, room %v, %d assumptions, %d plan steps", p.Hypothesis, p.Allow, p.Room, p.Assumptions, len(p.Plan))
	}
	if db := p.Proxies[1]; db.Protocol != "tcp" || !db.Exposed || db.Upstream != "localhost:5432" || p.Proxies[0].Exposed {
		t.Fatalf("proxies %+v", p.Proxies)
	}
	if g := p.Guardrails; g.MaxFaultDuration != 5*time.Minute || g.Default || len(g.Abort) != 2 ||
		g.Abort[0].Condition != "error_rate of checkout over 10s > 50 %" || g.Abort[0].For != 15*time.Second ||
		g.Abort[1].Condition != "last of queue over 2s > 10000" {
		t.Fatalf("guardrails %+v", g)
	}
	byName := map[string]experiments.PreflightBlock{}
	for _, b := range p.Blocks {
		byName[b.Name] = b
	}
	for _, tc := range []struct {
		block   string
		longest time.Duration
		guarded bool
		touches []string // what each touch acts on: the target's name, or "command"
	}{
		{"slow inventory", 5 * time.Minute, true, []string{"inventory"}},
		{"db blackhole", 30 * time.Second, false, []string{"db"}},
		{"cache-reset", 5 * time.Minute, true, []string{"cache"}},
		{"payments paused", 5 * time.Minute, true, []string{"payments"}},
		{"worker killed", 5 * time.Minute, true, []string{"worker"}},
		{"drop egress", 5 * time.Minute, true, []string{"command"}},
		{"spike", 30 * time.Second, false, []string{"checkout"}},
		{"cascade", 90 * time.Second, false, []string{"inventory", "payments"}},
		{"everything", 5 * time.Minute, true, []string{"db", "checkout"}},
	} {
		b := byName[tc.block]
		var got []string
		for _, x := range b.Touches {
			switch {
			case x.Proxy != nil:
				got = append(got, x.Proxy.Name)
			case x.Toxiproxy != nil:
				got = append(got, x.Toxiproxy.Name)
			case x.Process != nil:
				got = append(got, x.Process.Name)
			case x.Load != nil:
				got = append(got, x.Load.Name)
			case x.Command != nil:
				got = append(got, "command")
			}
		}
		if b.Longest != tc.longest || b.Guarded != tc.guarded || strings.Join(got, ",") != strings.Join(tc.touches, ",") {
			t.Errorf("block %q: longest %v guarded %v touches %v; want %v %v %v", tc.block, b.Longest, b.Guarded, got, tc.longest, tc.guarded, tc.touches)
		}
	}
	cmd := byName["drop egress"].Touches[0].Command
	if cmd.Start != "./net drop --token ••••••" || cmd.Revert != `sh -c "./net restore && echo restored"` {
		t.Fatalf("command %+v", cmd)
	}
	if w := byName["worker killed"].Touches[0].Process; w.Command != "./worker --queue jobs --token ••••••" {
		t.Fatalf("worker %+v", w)
	}
	// A control character in what the file says never reaches the
	// terminal.
	p.Processes[0].Command = "./worker \x1b[2J"
	// The room, once the host fills it in, has a section of its own.
	p.Room = []string{"ana · facilitator", "bo · operator"}
	var b bytes.Buffer
	if err := experiments.WritePreview(&b, p); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\nroom        ana · facilitator\n            bo · operator\n") {
		t.Fatalf("the room is not listed:\n%s", b.String())
	}
	if strings.Contains(b.String(), "\x1b") || !strings.Contains(b.String(), "./worker �[2J") {
		t.Fatalf("a control character is written as it is:\n%s", b.String())
	}
	if l := p.Loads[0]; l.URL != "http://xxxxx@127.0.0.1:8080/checkout?token=••••••" || l.Curve != "ramp from 20 % to 100 % over 1m00s" {
		t.Fatalf("load %+v", l)
	}
}
