package session

import (
	"cmp"
	"math"
	"slices"
)

// EdgeResult is where a block broke one assumption.
//
// Each search (a repeat) has its own edge: the lowest level that broke
// the assumption in it, and below that, the highest level that held.
// The edge of several repeats is their median: Broke is the median of
// the repeats' lowest levels that broke, a repeat that never broke
// counting as above every level; with an even number of repeats, the
// lower of the two in the middle, so that a tie reads as the earlier
// break. Held is the median, taken the same way, of the repeats' highest
// levels that held: it lies below Broke. So the edge is null (NaN) when
// most repeats never broke, and one noisy repeat moves neither end.
// Spread says how far apart the repeats were.
type EdgeResult struct {
	Assumption string
	// Held and Broke: the interval in which the edge lies, NaN for none
	// (no level held below the edge; it never broke).
	Held, Broke float64
	// Repeats are each search's own, in order.
	Repeats []EdgeBracket
}

// EdgeBracket is where one search found the edge: the highest level that
// held below the lowest that broke (NaN: none).
type EdgeBracket struct {
	Held, Broke float64
}

// Spread is the lowest and the highest of the repeats' edges; the
// highest is NaN when a repeat never broke, both when none broke.
func (r EdgeResult) Spread() (lo, hi float64) {
	lo, hi = math.NaN(), math.NaN()
	for i, b := range r.Repeats {
		if i == 0 || math.IsNaN(lo) || b.Broke < lo {
			lo = b.Broke
		}
		if i == 0 || !math.IsNaN(hi) && (math.IsNaN(b.Broke) || b.Broke > hi) {
			hi = b.Broke
		}
	}
	return lo, hi
}

// Never counts the repeats in which it never broke.
func (r EdgeResult) Never() int {
	n := 0
	for _, b := range r.Repeats {
		if math.IsNaN(b.Broke) {
			n++
		}
	}
	return n
}

// EdgeResults judges the levels tried, for each assumption watched (in
// that order): each repeat's interval, and their median (see
// EdgeResult). The repeats are 1 to the highest a probe names.
func EdgeResults(watched []string, probes []EdgeProbe) []EdgeResult {
	repeats := 0
	for _, p := range probes {
		repeats = max(repeats, p.Repeat)
	}
	out := make([]EdgeResult, 0, len(watched))
	for _, name := range watched {
		r := EdgeResult{Assumption: name, Held: math.NaN(), Broke: math.NaN()}
		for k := 1; k <= repeats; k++ {
			r.Repeats = append(r.Repeats, bracket(name, k, probes))
		}
		if len(r.Repeats) > 0 {
			mid := (len(r.Repeats) - 1) / 2
			broke, held := make([]float64, 0, repeats), make([]float64, 0, repeats)
			for _, b := range r.Repeats {
				broke, held = append(broke, b.Broke), append(held, b.Held)
			}
			// NaN: never broke sorts last, none held first.
			slices.SortFunc(broke, func(a, b float64) int { return cmp.Compare(orInf(a, 1), orInf(b, 1)) })
			slices.SortFunc(held, func(a, b float64) int { return cmp.Compare(orInf(a, -1), orInf(b, -1)) })
			r.Broke, r.Held = broke[mid], held[mid]
		}
		out = append(out, r)
	}
	return out
}

// bracket is where search k found the edge of an assumption. A level at
// which it had no value did not break it, nor show that it held.
func bracket(name string, k int, probes []EdgeProbe) EdgeBracket {
	b := EdgeBracket{Held: math.NaN(), Broke: math.NaN()}
	for _, p := range probes {
		if p.Repeat == k && slices.Contains(p.Broke, name) && !(p.Level >= b.Broke) {
			b.Broke = p.Level
		}
	}
	for _, p := range probes {
		if p.Repeat == k && !slices.Contains(p.Broke, name) && p.measured(name) && !(p.Level >= b.Broke) && !(p.Level <= b.Held) {
			b.Held = p.Level
		}
	}
	return b
}

// measured reports whether the assumption had a value while the level
// was on.
func (p EdgeProbe) measured(name string) bool {
	for _, m := range p.Measured {
		if m.Assumption == name {
			return !math.IsNaN(m.Worst)
		}
	}
	return false
}

// orInf is v, or an infinity of sign's sign for NaN.
func orInf(v float64, sign int) float64 {
	if math.IsNaN(v) {
		return math.Inf(sign)
	}
	return v
}
