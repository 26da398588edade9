package journal

import (
	"math"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/session"
)

var _ session.Sink = (*Writer)(nil)

// Begin writes the header: the experiment and when it started.
func (j *Writer) Begin(e *experiments.Experiment, started time.Time) {
	j.put(HeaderOf(e, started, j.gameday), true)
}

// Event writes an event of the timeline.
func (j *Writer) Event(e experiments.Event) { j.put(EventRecord{Type: "event", Event: e}, false) }

// Sample writes the interval, and flushes it: what every series got at
// the snapshot's time, each assumption's state, the active blocks and the
// loads' rates.
func (j *Writer) Sample(snap *session.Snapshot) {
	j.put(sampleOf(snap), true)
}

// End writes the end record: the verdict and each assumption's outcome.
func (j *Writer) End(final *session.Snapshot) {
	finals := final.Finals()
	j.put(End{Type: "end", T: final.Now, Verdict: assume.Verdict(finals, final.Aborted), Aborted: final.Aborted,
		Assumptions: finals}, true)
}

func sampleOf(snap *session.Snapshot) Sample {
	smp := Sample{Type: "sample", T: snap.Now, Series: snap.Values, Assumptions: map[string]SampleCheck{}}
	for _, a := range snap.Assumptions {
		c := SampleCheck{Status: a.Status}
		if a.HasValue && !math.IsNaN(a.Value) && !math.IsInf(a.Value, 0) {
			v := a.Value
			c.Value = &v
		}
		smp.Assumptions[a.Name] = c
	}
	for _, b := range snap.Blocks {
		if b.Active {
			if smp.Active == nil {
				smp.Active = map[string]float64{}
			}
			smp.Active[b.Name] = b.Intensity
		}
	}
	if len(snap.Loads) > 0 {
		smp.Loads = map[string]float64{}
		for _, l := range snap.Loads {
			smp.Loads[l.Name] = l.TargetRate
		}
	}
	return smp
}

// HeaderOf describes the experiment for the journal.
func HeaderOf(e *experiments.Experiment, started time.Time, gameday string) Header {
	h := Header{Type: "header", Version: FormatVersion, Gameday: gameday, Name: e.Name,
		Description: e.Description, Hypothesis: e.Hypothesis, File: e.File, Case: e.Case, Matrix: e.Matrix, Started: started,
		Interval: experiments.Duration(e.SamplingInterval()), Window: experiments.Duration(e.ChartWindow()),
		Charts: e.Charts, Schedule: e.Schedule}
	for _, a := range e.Assumptions {
		if a.Kind == "" {
			a.Kind = experiments.AssumeThreshold
		}
		h.Assumptions = append(h.Assumptions, Check{Name: a.Name, Kind: a.Kind, Series: a.Series,
			Aggregate: a.Aggregate, Window: experiments.Duration(a.Window), Op: a.Op, Threshold: a.Threshold, Unit: a.Unit,
			Within: experiments.Duration(a.Within), Of: a.Of, Relative: a.Relative, Factor: a.Factor, During: a.During})
	}
	for _, b := range e.Blocks {
		jb := Block{Name: b.Name, Description: b.Description, Summary: e.Redact(b.Summary()), Parallel: b.Parallel}
		if b.Fault != nil {
			jb.Kind, jb.Target = b.Fault.Kind, b.Fault.Target
		}
		if b.Load != nil {
			jb.LoadTarget, jb.LoadFactor = b.Load.Target, b.Load.Factor
		}
		for _, st := range b.Sequence {
			jb.Sequence = append(jb.Sequence, Step{Block: st.Block, For: experiments.Duration(st.For)})
		}
		h.Blocks = append(h.Blocks, jb)
	}
	return h
}
