// Package edge reports an edge search (gameday edge, demo --edge): where
// each assumption broke as a block's fault grew, in the fault's own
// parameter, and how far apart the repeats were.
//
//	session.Snapshot (Edges, EdgeProbes, Assumptions) ─▶ Build ─▶ File ─┬─▶ JSON      edge.json
//	experiments.Block (its parameter, expect_edge) ───┘                 ├─▶ Markdown  edge.md
//	                                                                    ├─▶ HTML      edge.html
//	                                                                    └─▶ Text      the terminal
//
// What makes the edge of several repeats is session.EdgeResult's to say:
// the median of the repeats' edges.
package edge

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/report"
	"github.com/gameday-dev/gameday/experiments/report/internal/svgaxis"
	"github.com/gameday-dev/gameday/experiments/session"
)

// File is edge.json: the block, its parameter, each assumption's edge,
// and every level tried.
type File struct {
	Block string `json:"block"`
	Param string `json:"param"`
	// Unit is the parameter's ("ms", "%"); Full its value at full
	// intensity ("300ms").
	Unit string `json:"unit"`
	Full string `json:"full"`
	// ExpectEdge is the block's expect_edge, as written ("" for none).
	ExpectEdge  string       `json:"expect_edge,omitempty"`
	Plan        Plan         `json:"plan"`
	Assumptions []Assumption `json:"assumptions"`
	Levels      []Level      `json:"levels"`

	block      *experiments.Block
	conditions map[string]*experiments.Assumption
}

// Plan is how the search went about it.
type Plan struct {
	Levels  int     `json:"levels"` // levels of a sweep
	From    string  `json:"from"`
	To      string  `json:"to"`
	DwellS  float64 `json:"dwell_s"`
	Repeat  int     `json:"repeat"`
	Bisect  int     `json:"bisect"`
	Stopped bool    `json:"stopped,omitempty"` // it did not run to its end
}

// Assumption is where a block broke one assumption.
type Assumption struct {
	Name string `json:"name"`
	// Edge is the parameter's value where it broke (the median of the
	// repeats'), null when it did not; Intensity that level; Interval
	// the values between the highest level that held below it and it.
	Edge      *string    `json:"edge"`
	Intensity *float64   `json:"intensity"`
	Interval  [2]*string `json:"interval"` // [held, broke]; broke is null when it never did
	Condition string     `json:"condition"`
	Unit      string     `json:"unit"`
	// Spread is the lowest and highest of the repeats' edges: the
	// highest null when a repeat never broke, both when none did. Never
	// counts those repeats.
	Spread  [2]*string `json:"spread"`
	Never   int        `json:"never"`
	Repeats []Repeat   `json:"repeats"`
	// BelowExpected is set when the edge lies at or below expect_edge.
	BelowExpected bool `json:"below_expected,omitempty"`
	// NoValue is set when it had no value at any level tried: the
	// search says nothing of it.
	NoValue bool `json:"no_value,omitempty"`

	raw                 string  // the name as the session has it
	held, broke, lo, hi float64 // intensities (NaN: none)
}

// Repeat is where one search found the edge.
type Repeat struct {
	Edge      *string    `json:"edge"`
	Intensity *float64   `json:"intensity"`
	Interval  [2]*string `json:"interval"`
}

// Level is a level tried once.
type Level struct {
	Intensity float64 `json:"intensity"`
	Value     string  `json:"value"`
	// ParamValue is Value as a number in the parameter's unit.
	ParamValue  float64   `json:"param_value"`
	Repeat      int       `json:"repeat"`
	Broke       []string  `json:"broke"`
	Recovered   bool      `json:"recovered"`
	Assumptions []Measure `json:"assumptions"`
}

// Measure is an assumption's worst value while a level was on, and its
// margin to the threshold (negative: broken), in its unit; null when it
// had no value.
type Measure struct {
	Name   string   `json:"name"`
	Worst  *float64 `json:"worst"`
	Margin *float64 `json:"margin"`
}

// Build says where the search that ended in final broke each assumption.
func Build(b *experiments.Block, final session.Snapshot, plan session.EdgePlan) *File {
	param, full, unit := b.Param()
	_, fullText := b.ParamAt(1)
	f := &File{Block: report.CleanText(b.Name), Param: param, Unit: string(unit), Full: fullText,
		ExpectEdge: b.ExpectEdgeText, Assumptions: []Assumption{}, Levels: []Level{},
		block: b, conditions: map[string]*experiments.Assumption{}}
	if b.ExpectEdge <= 0 {
		f.ExpectEdge = ""
	}
	f.Plan = Plan{Levels: len(plan.Levels), DwellS: plan.Dwell.Seconds(), Repeat: max(plan.Repeat, 1), Bisect: plan.Bisect,
		Stopped: !final.Ended || final.Aborted != ""}
	if n := len(plan.Levels); n > 0 {
		_, f.Plan.From = b.ParamAt(plan.Levels[0])
		_, f.Plan.To = b.ParamAt(plan.Levels[n-1])
	}
	for i := range final.Assumptions {
		a := &final.Assumptions[i].Assumption
		if _, ok := f.conditions[a.Name]; !ok {
			f.conditions[a.Name] = a
		}
	}
	for _, r := range final.Edges {
		a := Assumption{Name: report.CleanText(r.Assumption), raw: r.Assumption, held: r.Held, broke: r.Broke, Never: r.Never(), Repeats: []Repeat{}}
		a.lo, a.hi = r.Spread()
		if c := f.conditions[r.Assumption]; c != nil {
			a.Condition, a.Unit = c.Condition(), string(c.Unit)
		}
		a.Edge, a.Intensity, a.Interval = f.bracket(r.Held, r.Broke)
		if len(r.Repeats) > 0 {
			a.Spread = [2]*string{f.value(a.lo), f.value(a.hi)}
		}
		for _, br := range r.Repeats {
			var rp Repeat
			rp.Edge, rp.Intensity, rp.Interval = f.bracket(br.Held, br.Broke)
			a.Repeats = append(a.Repeats, rp)
		}
		_, a.BelowExpected = b.EdgeBelow(r.Assumption, r.Broke)
		a.BelowExpected = a.BelowExpected && !math.IsNaN(r.Broke)
		a.NoValue = math.IsNaN(r.Broke) && !measured(r.Assumption, final.EdgeProbes)
		f.Assumptions = append(f.Assumptions, a)
	}
	for _, p := range final.EdgeProbes {
		_, v := b.ParamAt(p.Level)
		l := Level{Intensity: p.Level, Value: v, ParamValue: math.Round(full*p.Level*1e6) / 1e6, Repeat: p.Repeat, Recovered: p.Recovered,
			Broke: []string{}, Assumptions: []Measure{}}
		for _, n := range p.Broke {
			l.Broke = append(l.Broke, report.CleanText(n))
		}
		for _, m := range p.Measured { // an infinite value broke it: clamped, not dropped as no value (NaN stays none)
			l.Assumptions = append(l.Assumptions, Measure{Name: report.CleanText(m.Assumption), Worst: number(svgaxis.Clamp(m.Worst)), Margin: number(svgaxis.Clamp(m.Margin))})
		}
		f.Levels = append(f.Levels, l)
	}
	return f
}

// bracket is an edge in the parameter's words: where it broke (nil:
// never), at which intensity, and the interval from the highest level
// that held (the parameter's zero when none did).
func (f *File) bracket(held, broke float64) (edge *string, intensity *float64, interval [2]*string) {
	if math.IsNaN(held) {
		held = 0
	}
	interval[0] = f.value(held)
	if !math.IsNaN(broke) {
		l := broke
		edge, intensity = f.value(broke), &l
		interval[1] = edge
	}
	return edge, intensity, interval
}

// value is the parameter's value at intensity i; nil for NaN.
func (f *File) value(i float64) *string {
	if math.IsNaN(i) {
		return nil
	}
	_, v := f.block.ParamAt(i)
	return &v
}

// Below says each edge that lies at or below the block's expect_edge:
// "checkout p99 broke at 120ms, at or below the expected edge 150ms".
func (f *File) Below() []string {
	var out []string
	for _, a := range f.Assumptions {
		if a.BelowExpected {
			if why, ok := f.block.EdgeBelow(a.Name, a.broke); ok {
				out = append(out, why)
			}
		}
	}
	return out
}

// JSON writes edge.json.
func (f *File) JSON(w io.Writer) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteDir writes edge.json, edge.md and edge.html into dir (created if
// needed).
func (f *File) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("edge: %w", err)
	}
	return report.WriteFiles(dir, "edge", report.File{Name: "edge.json", Write: f.JSON},
		report.File{Name: "edge.md", Write: f.Markdown}, report.File{Name: "edge.html", Write: f.HTML})
}

// measured reports whether an assumption had a value at a level tried.
func measured(name string, probes []session.EdgeProbe) bool {
	for _, p := range probes {
		for _, m := range p.Measured { // an infinite value broke it: clamped, not dropped as no value (NaN stays none)
			if m.Assumption == name && !math.IsNaN(m.Worst) {
				return true
			}
		}
	}
	return false
}

// number is v, or nil when it is not a finite number (JSON has none).
func number(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
