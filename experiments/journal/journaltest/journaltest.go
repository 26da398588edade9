// Package journaltest generates journals for tests and benchmarks: a
// long game day written line by line, so that no test needs a big file
// in the repository.
package journaltest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/assume"
	"github.com/gameday-dev/gameday/experiments/journal"
)

// Spec is the shape of a generated game day.
type Spec struct {
	Samples     int           // one per interval
	Interval    time.Duration // between samples
	Series      int           // series in every sample, all charted (5 to a chart)
	Assumptions int           // threshold assumptions, one on each of the first series
	Blocks      int           // fault blocks, each on for a while every few minutes
	Seed        uint64
	NoEnd       bool // leave the end record out, as a crash would
}

// OneHour is the game day of the budget: an hour at 250 ms,
// 30 series, 20 assumptions, a few hundred events.
func OneHour() Spec {
	return Spec{Samples: 14400, Interval: 250 * time.Millisecond, Series: 30, Assumptions: 20, Blocks: 6, Seed: 1}
}

// Start is when every generated game day starts.
var Start = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// Header is the header of the game day s describes.
func Header(s Spec) journal.Header {
	h := journal.Header{Type: "header", Version: journal.FormatVersion, Gameday: "journaltest", Name: "generated game day",
		Description: "a long game day for benchmarks", Started: Start, Interval: experiments.Duration(s.Interval),
		Window: experiments.Duration(3 * time.Minute)}
	for i := range s.Assumptions {
		h.Assumptions = append(h.Assumptions, journal.Check{Name: fmt.Sprintf("a%02d", i), Kind: experiments.AssumeThreshold,
			Series: seriesName(i), Op: experiments.Below, Threshold: 200, Unit: experiments.UnitMillis})
	}
	for b := range s.Blocks {
		h.Blocks = append(h.Blocks, journal.Block{Name: fmt.Sprintf("fault %d", b), Summary: fmt.Sprintf("300 ms delay on svc%d", b),
			Kind: experiments.FaultLatency, Target: fmt.Sprintf("svc%d", b)})
	}
	for c := 0; c*5 < s.Series; c++ {
		ch := experiments.Chart{Title: fmt.Sprintf("chart %d", c+1), Unit: experiments.UnitMillis}
		for i := c * 5; i < min(s.Series, c*5+5); i++ {
			ch.Series = append(ch.Series, experiments.ChartSeries{Series: seriesName(i), Label: fmt.Sprintf("s%02d", i)})
		}
		h.Charts = append(h.Charts, ch)
	}
	return h
}

func seriesName(i int) string { return fmt.Sprintf("svc%d.p%02d", i%6, i) }

// Write writes the game day s describes as a journal: each block goes on
// for 40 s every 6 minutes (in turn), the series of its service rise over
// their assumptions' thresholds while it is on, and every change of state
// is an event.
func Write(w io.Writer, s Spec) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	enc := json.NewEncoder(bw)
	put := func(v any) {
		if err := enc.Encode(v); err != nil {
			panic(err) // only the generator's own values, all encodable
		}
	}
	h := Header(s)
	put(h)
	rng := rand.New(rand.NewPCG(s.Seed, 2))
	seq := uint64(0)
	event := func(t time.Time, kind experiments.EventKind, subject, text string) {
		seq++
		put(journal.EventRecord{Type: "event", Event: experiments.Event{Seq: seq, Time: t, Kind: kind, Subject: subject, Text: text}})
	}
	event(Start, experiments.EventStarted, h.Name, "session started")
	level := make([]float64, s.Series)
	for i := range level {
		level[i] = 40 + rng.Float64()*40
	}
	status := make([]assume.Status, s.Assumptions)
	for i := range status {
		status[i] = assume.StatusWaiting
	}
	period := int((6 * time.Minute) / s.Interval)
	onFor := int((40 * time.Second) / s.Interval)
	var on = -1
	smp := journal.Sample{Type: "sample", Series: map[string]float64{}, Assumptions: map[string]journal.SampleCheck{},
		Loads: map[string]float64{"checkout": 50}}
	vals := make([]float64, s.Assumptions)
	for k := range s.Samples {
		t := Start.Add(time.Duration(k) * s.Interval)
		if s.Blocks > 0 && period > 0 {
			phase := k % period
			switch {
			case phase == period/4:
				on = (k / period) % s.Blocks
				event(t, experiments.EventFaultStarted, h.Blocks[on].Name, h.Blocks[on].Summary)
			case phase == period/4+onFor && on >= 0:
				event(t, experiments.EventFaultHalted, h.Blocks[on].Name, "halted by schedule")
				on = -1
			}
			if phase == 0 && k > 0 {
				event(t, experiments.EventNote, "operator", fmt.Sprintf("minute %d", k/int(time.Minute/s.Interval)))
			}
		}
		smp.T = t
		for i := range level {
			target := 40.0 + float64(i%5)*8
			if on >= 0 && i%6 == on%6 {
				target = 320
			}
			level[i] += (target-level[i])*0.08 + rng.NormFloat64()*3
			v := math.Round(level[i]*10) / 10
			if rng.IntN(2000) == 0 {
				v *= 6 // a spike the charts must keep
			}
			smp.Series[seriesName(i)] = v
		}
		for i := range status {
			v := smp.Series[seriesName(i)]
			vals[i] = v
			want := assume.StatusHolding
			if v >= 200 || status[i] == assume.StatusViolated && v >= 180 {
				want = assume.StatusViolated
			}
			if want != status[i] {
				switch want {
				case assume.StatusViolated:
					event(t, experiments.EventViolated, h.Assumptions[i].Name, fmt.Sprintf("%.1f ms", v))
				default:
					if status[i] == assume.StatusViolated {
						event(t, experiments.EventRestored, h.Assumptions[i].Name, fmt.Sprintf("%.1f ms", v))
					}
				}
				status[i] = want
			}
			smp.Assumptions[h.Assumptions[i].Name] = journal.SampleCheck{Status: status[i], Value: &vals[i]}
		}
		smp.Active = nil
		if on >= 0 {
			smp.Active = map[string]float64{h.Blocks[on].Name: 1}
		}
		put(smp)
	}
	if !s.NoEnd {
		end := journal.End{Type: "end", T: Start.Add(time.Duration(s.Samples) * s.Interval), Verdict: assume.VerdictFailed}
		put(end)
	}
	return bw.Flush()
}
