// Package compare puts game days side by side: per assumption, each run's
// verdict, worst value, time violated and recovery time; what changed
// from the first run to each other one, in words; and the runs' charts
// overlaid on one time axis, each from its run's start.
//
//	journal ──report.Read──▶ Report ──┐
//	journal ──report.Read──▶ Report ──┼──▶ Compare ──▶ Comparison ──┬─▶ Text      the terminal
//	           …                      ┘                             ├─▶ Markdown  compare.md
//	                                                                └─▶ HTML      compare.html
//
// The first run is the reference: "recovered in 6.5s vs 1.2s" reads the
// other run's value first, then the first run's.
package compare

import (
	"fmt"
	"math"
	"strings"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/report"
)

// Run is one game day to compare: its report, and what to call it.
type Run struct {
	// Name is what the comparison calls the run: its directory's name,
	// or its experiment and case.
	Name string
	// Dir is the run's directory ("" for a journal given on its own):
	// compare.md and compare.html link to its report there.
	Dir    string
	Report *report.Report
}

// Comparison is runs side by side. The first run is the reference.
type Comparison struct {
	Runs        []RunInfo
	Assumptions []Row   // every assumption of any run, matched by name
	Deltas      []Delta // what changed from the first run to each other one
	// Grid lays the runs out as a heatmap when they are the cases of a
	// matrix over two parameters; nil otherwise.
	Grid    *Grid
	reports []*report.Report
	base    string // the directory the comparison is written into (absolute), for its links
}

// RunInfo is a run as a whole.
type RunInfo struct {
	Name       string
	Dir        string
	Experiment string // its name, and its matrix case: "Demo shop [level=5]"
	// Matrix is its matrix case's value of each parameter (none without
	// a matrix).
	Matrix    []experiments.MatrixValue
	Verdict   report.Verdict
	Symbol    string
	Headline  string
	DurationS float64
	Failed    int // assumptions that failed
	Judged    int // assumptions in all
	Faults    int // fault activations
}

// Row is an assumption in every run.
type Row struct {
	Name      string
	Kind      string // threshold or recovery, as the first run that has it says
	Condition string // "p99 of checkout over 3s < 250 ms"
	Cells     []Cell // one per run, in the runs' order
}

// Cell is an assumption's outcome in one run.
type Cell struct {
	Present bool // false: the run has no assumption of this name
	Kind    string
	Verdict report.Outcome
	Symbol  string
	Unit    string
	Op      string   // <, <=, > or >= (threshold assumptions)
	Worst   *float64 // the worst value (threshold assumptions)
	// ViolatedForS and Violations: how long and how often it was broken.
	ViolatedForS float64
	Violations   int
	// RecoveryS is the slowest time from a fault's halt to holding again
	// (a recovery check's attempts; a threshold assumption broken when its
	// fault halted); nil when none was measured.
	RecoveryS *float64
	// NotRecovered counts the halts after which it did not hold again
	// (in time, for a recovery check).
	NotRecovered int
}

// Change says which way a run went against the first.
type Change string

// Changes.
const (
	Better Change = "better"
	Worse  Change = "worse"
	Mixed  Change = "mixed" // better in some ways, worse in others
	Same   Change = "same"  // nothing differs
	Differ Change = ""      // it differs, in no direction (a missing assumption, a value without a direction)
)

// Delta is what changed in one run against the first, for one
// assumption or for the run as a whole.
type Delta struct {
	Run        int    // the run (its index in Runs, from 1)
	Assumption string // "" for the run as a whole
	Change     Change
	// Text says it, the run's value first: "recovered in 6.5s vs 1.2s",
	// "passed vs failed, worst 50 vs 742".
	Text string
}

// Compare puts runs side by side, the first as the reference. Runs
// without a report are left out; names are cleaned and made unique.
func Compare(runs []Run) *Comparison {
	c := &Comparison{}
	seen := map[string]int{}
	index := map[string]int{} // assumption → its row
	for _, run := range runs {
		r := run.Report
		if r == nil {
			continue
		}
		k := len(c.reports)
		c.reports = append(c.reports, r)
		info := RunInfo{Name: uniqueName(seen, run.Name, r), Dir: run.Dir, Experiment: experimentName(r), Matrix: r.Experiment.Matrix,
			Verdict: r.Verdict, Symbol: r.Symbol, Headline: r.Headline, DurationS: r.DurationS,
			Judged: len(r.Assumptions), Faults: len(r.Faults)}
		for _, a := range r.Assumptions {
			if a.Verdict == report.OutcomeFailed {
				info.Failed++
			}
		}
		c.Runs = append(c.Runs, info)
		for i := range c.Assumptions {
			c.Assumptions[i].Cells = append(c.Assumptions[i].Cells, Cell{})
		}
		for _, a := range r.Assumptions {
			i, ok := index[a.Name]
			if !ok {
				i = len(c.Assumptions)
				index[a.Name] = i
				c.Assumptions = append(c.Assumptions, Row{Name: a.Name, Kind: a.Kind, Condition: a.Condition,
					Cells: make([]Cell, k+1)})
			}
			if c.Assumptions[i].Cells[k].Present {
				continue // a second assumption of the name: the report judges the first
			}
			c.Assumptions[i].Cells[k] = cell(r, a)
		}
	}
	c.Deltas = c.deltas()
	c.Grid = c.grid()
	return c
}

// uniqueName is the run's name, cleaned, or its experiment's when it has
// none; a name already taken gets a number.
func uniqueName(seen map[string]int, name string, r *report.Report) string {
	name = strings.TrimSpace(report.CleanText(name))
	if name == "" {
		name = experimentName(r)
	}
	if name == "" {
		name = "run"
	}
	seen[name]++
	if n := seen[name]; n > 1 {
		name = fmt.Sprintf("%s (%d)", name, n)
		seen[name]++
	}
	return name
}

// experimentName is the experiment's name and its case: "Demo [level=5]".
func experimentName(r *report.Report) string {
	if r.Experiment.Case == "" {
		return r.Experiment.Name
	}
	return r.Experiment.Name + " [" + r.Experiment.Case + "]"
}

// cell is an assumption's outcome in a run.
func cell(r *report.Report, a report.Assumption) Cell {
	c := Cell{Present: true, Kind: a.Kind, Verdict: a.Verdict, Symbol: a.Symbol, Unit: a.Unit, Op: a.Op,
		ViolatedForS: a.ViolatedForS, Violations: a.Violations}
	if !isRecovery(a.Kind) && a.Worst != nil && !math.IsNaN(*a.Worst) {
		c.Worst = a.Worst
	}
	slowest := math.NaN()
	for _, s := range a.RecoveryS {
		if !math.IsNaN(s) && !(s <= slowest) {
			slowest = s
		}
	}
	if !math.IsNaN(slowest) {
		c.RecoveryS = &slowest
	}
	if isRecovery(a.Kind) {
		c.NotRecovered = a.RecoveryFailed
		return c
	}
	for _, rc := range r.Recoveries {
		if !rc.Check && rc.Assumption == a.Name && rc.Outcome == "not recovered" {
			c.NotRecovered++
		}
	}
	return c
}
