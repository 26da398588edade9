package report

import (
	"fmt"
	"strconv"

	"github.com/gameday-dev/gameday/experiments"
)

// Finding is what the room found, in the debrief.
type Finding struct {
	AtS  float64 `json:"at_s"`
	Text string  `json:"text"`
	By   string  `json:"by,omitempty"` // "sam · scribe"
}

// ActionItem is what the room will do about it: who, by when.
type ActionItem struct {
	AtS   float64 `json:"at_s"`
	Text  string  `json:"text"`
	Owner string  `json:"owner"`
	Due   string  `json:"due,omitempty"` // YYYY-MM-DD
	By    string  `json:"by,omitempty"`
}

// maxDebriefItems bounds each list: a debrief, not a backlog.
const maxDebriefItems = 200

// debrief takes a finding or an action item in.
func (a *analysis) debrief(e experiments.Event) {
	it := e.Item
	if it == nil || it.Check() != nil {
		return // a hand-made journal's item that does not check out: its event is in the timeline
	}
	by := experiments.Who(e.By, e.Role)
	switch it.Kind {
	case experiments.ItemFinding:
		if len(a.findings) < maxDebriefItems {
			a.findings = append(a.findings, Finding{AtS: a.off(e.Time), Text: clean(it.Text), By: by})
		}
	case experiments.ItemAction:
		if len(a.actions) < maxDebriefItems {
			a.actions = append(a.actions, ActionItem{AtS: a.off(e.Time), Text: clean(it.Text), Owner: clean(it.Owner),
				Due: clean(it.Due), By: by})
		}
	}
}

// markdownDebrief writes the "Findings" and "Action items" sections,
// when the debrief has any.
func (r *Report) markdownDebrief(p func(string, ...any)) {
	if len(r.Findings) > 0 {
		p("## Findings\n\n| # | finding | by |\n| --- | --- | --- |\n")
		for i, f := range r.Findings {
			p("| %d | %s | %s |\n", i+1, md(f.Text), md(f.By))
		}
		p("\n")
	}
	if len(r.ActionItems) > 0 {
		p("## Action items\n\n| # | action | owner | due | by |\n| --- | --- | --- | --- | --- |\n")
		for i, a := range r.ActionItems {
			p("| %d | %s | %s | %s | %s |\n", i+1, md(a.Text), md(a.Owner), md(orDash(a.Due)), md(a.By))
		}
		p("\n")
	}
}

// junitDebrief lists the debrief as properties: finding.1, action.1...
func (r *Report) junitDebrief() []junitProperty {
	var out []junitProperty
	for i, f := range r.Findings {
		out = append(out, junitProperty{"finding." + strconv.Itoa(i+1), f.Text})
	}
	for i, a := range r.ActionItems {
		v := fmt.Sprintf("%s (owner: %s", a.Text, a.Owner)
		if a.Due != "" {
			v += ", due " + a.Due
		}
		out = append(out, junitProperty{"action." + strconv.Itoa(i+1), v + ")"})
	}
	return out
}
