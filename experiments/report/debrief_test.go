package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/report"
)

// TestDebriefInEveryFormat: findings and action items, attributed, reach
// report.md, report.html, summary.json and junit.xml; an item that does
// not check out (a hand-made journal) stays out of the tables.
func TestDebriefInEveryFormat(t *testing.T) {
	s := newSmall(nil)
	item := func(sec float64, it experiments.DebriefItem, by string, role experiments.Role) {
		kind := experiments.EventFinding
		if it.Kind == experiments.ItemAction {
			kind = experiments.EventAction
		}
		s.j.Events = append(s.j.Events, experiments.Event{Seq: uint64(len(s.j.Events) + 1), Time: at(sec), Kind: kind,
			Subject: it.Owner, By: by, Role: role, Text: it.Text, Item: &it})
	}
	item(10, experiments.DebriefItem{Kind: experiments.ItemFinding, Text: "no timeout on the inventory client"}, "sam", experiments.RoleScribe)
	item(11, experiments.DebriefItem{Kind: experiments.ItemAction, Text: "add a 200 ms timeout | and a retry", Owner: "alice", Due: "2026-12-10"},
		"root", experiments.RoleFacilitator)
	item(12, experiments.DebriefItem{Kind: experiments.ItemAction, Text: "no owner"}, "x", experiments.RoleScribe)
	r := report.Build(s.end(20, assume.VerdictPassed))

	if len(r.Findings) != 1 || len(r.ActionItems) != 1 {
		t.Fatalf("findings %+v, actions %+v: want one of each (the item without an owner left out)", r.Findings, r.ActionItems)
	}
	var md, html, js, junit bytes.Buffer
	if err := r.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := r.HTML(&html); err != nil {
		t.Fatal(err)
	}
	if err := r.JSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := r.JUnit(&junit); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Findings", "| 1 | no timeout on the inventory client | sam · scribe |",
		"## Action items", `| 1 | add a 200 ms timeout \| and a retry | alice | 2026-12-10 | root · facilitator |`} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	for _, want := range []string{"<h2>Findings</h2>", "<td>no timeout on the inventory client</td><td>sam · scribe</td>",
		"<h2>Action items</h2>", "<td>alice</td><td>2026-12-10</td>"} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	var sum struct {
		Findings    []report.Finding    `json:"findings"`
		ActionItems []report.ActionItem `json:"action_items"`
	}
	if err := json.Unmarshal(js.Bytes(), &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.Findings) != 1 || sum.ActionItems[0].Owner != "alice" || sum.ActionItems[0].Due != "2026-12-10" {
		t.Errorf("summary.json: %+v", sum)
	}
	for _, want := range []string{`name="finding.1" value="no timeout on the inventory client"`,
		`name="action.1" value="add a 200 ms timeout | and a retry (owner: alice, due 2026-12-10)"`} {
		if !strings.Contains(junit.String(), want) {
			t.Errorf("junit.xml lacks %q:\n%s", want, junit.String())
		}
	}
}
