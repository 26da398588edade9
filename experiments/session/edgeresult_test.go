package session_test

import (
	"math"
	"testing"

	"github.com/gameday-dev/gameday/experiments/session"
)

// probesOf makes the levels tried by searches from a plan of outcomes:
// for each repeat, level → whether it broke "p99".
func probesOf(repeats ...map[float64]bool) []session.EdgeProbe {
	var out []session.EdgeProbe
	for k, levels := range repeats {
		for l, broke := range levels {
			p := session.EdgeProbe{Level: l, Repeat: k + 1, Measured: []session.EdgeMeasure{{Assumption: "p99", Worst: 300, Margin: -50},
				{Assumption: "other", Worst: 10, Margin: 240}}}
			if broke {
				p.Broke = []string{"p99"}
			} else {
				p.Measured[0].Worst, p.Measured[0].Margin = 200, 50
			}
			out = append(out, p)
		}
	}
	return out
}

// TestEdgeResults: how the repeats of a search make one edge.
func TestEdgeResults(t *testing.T) {
	nan := math.NaN()
	sweep := func(from float64) map[float64]bool { // 10 % to 100 %, broken from `from` on
		m := map[float64]bool{}
		for i := 1; i <= 10; i++ {
			l := float64(i) / 10
			m[l] = l >= from-1e-9
		}
		return m
	}
	with := func(m map[float64]bool, l float64, broke bool) map[float64]bool { m[l] = broke; return m }
	for _, c := range []struct {
		name            string
		probes          []session.EdgeProbe
		held, broke     float64
		lo, hi          float64
		never           int
		repeatsHeldLast float64 // the last repeat's held
	}{
		{"one search", probesOf(sweep(0.7)), 0.6, 0.7, 0.7, 0.7, 0, 0.6},
		{"repeats agree", probesOf(sweep(0.7), sweep(0.7), sweep(0.7)), 0.6, 0.7, 0.7, 0.7, 0, 0.6},
		// 0.5, 0.7, 0.9: the median is 0.7, held 0.6; the spread 0.5 to 0.9.
		{"repeats disagree", probesOf(sweep(0.9), sweep(0.5), sweep(0.7)), 0.6, 0.7, 0.5, 0.9, 0, 0.6},
		// Two of three never broke: no edge; the spread from 0.4 to never.
		{"most never broke", probesOf(sweep(2), sweep(0.4), sweep(2)), 1, nan, 0.4, nan, 2, 1},
		// One of three never broke: it counts as above every level.
		{"one never broke", probesOf(sweep(0.6), sweep(2), sweep(0.8)), 0.7, 0.8, 0.6, nan, 1, 0.7},
		{"never broke", probesOf(sweep(2), sweep(2)), 1, nan, nan, nan, 2, 1},
		// Broken from the first level: nothing held below it.
		{"all broke", probesOf(sweep(0), sweep(0), sweep(0)), nan, 0.1, 0.1, 0.1, 0, nan},
		// An even number: the lower of the middle two, 0.5 (held 0.4).
		{"even repeats", probesOf(sweep(0.5), sweep(0.8)), 0.4, 0.5, 0.5, 0.8, 0, 0.7},
		// A search that broke once at 0.3, held at 0.4 to 0.6 and broke
		// from 0.7: its edge is 0.3, and below it 0.2 held (not 0.6).
		{"not monotone", probesOf(with(sweep(0.7), 0.3, true)), 0.2, 0.3, 0.3, 0.3, 0, 0.2},
		// Bisection: the levels between are the repeat's own.
		{"bisected", probesOf(with(with(sweep(0.7), 0.65, false), 0.68, true), with(sweep(0.6), 0.55, true)), 0.5, 0.55, 0.55, 0.68, 0, 0.5},
		{"nothing tried", nil, nan, nan, nan, nan, 0, nan},
	} {
		t.Run(c.name, func(t *testing.T) {
			rs := session.EdgeResults([]string{"p99", "other"}, c.probes)
			if len(rs) != 2 || rs[0].Assumption != "p99" || rs[1].Assumption != "other" {
				t.Fatalf("results %+v", rs)
			}
			r := rs[0]
			lo, hi := r.Spread()
			if !same(r.Held, c.held) || !same(r.Broke, c.broke) || !same(lo, c.lo) || !same(hi, c.hi) || r.Never() != c.never {
				t.Errorf("held %v, broke %v, spread %v..%v, never %d; want %v, %v, %v..%v, %d (repeats %+v)",
					r.Held, r.Broke, lo, hi, r.Never(), c.held, c.broke, c.lo, c.hi, c.never, r.Repeats)
			}
			if n := len(r.Repeats); n > 0 && !same(r.Repeats[n-1].Held, c.repeatsHeldLast) {
				t.Errorf("the last repeat held at %v, want %v", r.Repeats[n-1].Held, c.repeatsHeldLast)
			}
			for _, b := range r.Repeats {
				if b.Held >= b.Broke {
					t.Errorf("a repeat held at %v above where it broke, %v", b.Held, b.Broke)
				}
			}
			if !(r.Held < r.Broke) && !math.IsNaN(r.Held) && !math.IsNaN(r.Broke) {
				t.Errorf("held %v is not below broke %v", r.Held, r.Broke)
			}
			if o := rs[1]; !math.IsNaN(o.Broke) || len(c.probes) > 0 && o.Held != 1 {
				t.Errorf("an assumption that never broke: %+v", o)
			}
		})
	}
}

func same(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// TestEdgeResultsBlind: a level at which the assumption had no value did
// not break it, and does not show that it held either.
func TestEdgeResultsBlind(t *testing.T) {
	probes := probesOf(map[float64]bool{0.4: false, 0.5: false, 0.6: false, 0.7: true})
	for i := range probes {
		if probes[i].Level == 0.6 {
			probes[i].Measured[0].Worst, probes[i].Measured[0].Margin = math.NaN(), math.NaN()
		}
	}
	if r := session.EdgeResults([]string{"p99"}, probes)[0]; r.Held != 0.5 || r.Broke != 0.7 {
		t.Errorf("held %v, broke %v; want 0.5 (0.6 had no value) and 0.7", r.Held, r.Broke)
	}
	if r := session.EdgeResults([]string{"unknown"}, probes)[0]; !math.IsNaN(r.Held) || !math.IsNaN(r.Broke) {
		t.Errorf("an assumption never measured: held %v, broke %v; want neither", r.Held, r.Broke)
	}
}
