package experiments

import (
	"fmt"
	"time"
)

// A block may say where its edge is expected to lie: `expect_edge:
// 150ms` on a latency block means every assumption must hold at least up
// to 150 ms of delay. `gameday edge` exits 1 when one breaks at or below
// it. The value is in the block's main parameter (see Block.ParamAt): a
// duration for a delay, a percentage for an error probability, else a
// percentage of the fault's intensity.

// expectEdge reads a block's expect_edge against its fault, setting
// ExpectEdge (an intensity, 0..1), or says what was expected.
func (c *checker) expectEdge(b *Block) {
	if !b.src.has("expect_edge") {
		return
	}
	at := b.src.at("expect_edge")
	text := b.ExpectEdgeText
	f := b.Fault
	var (
		level float64
		err   error
	)
	switch {
	case f == nil:
		c.errf(at, "block %q: expect_edge needs a fault of its own to grow (not a sequence, parallel or load block)", b.Name)
		return
	case f.Delay > 0:
		var d time.Duration
		if d, err = parseDuration(text); err == nil {
			level = float64(d) / float64(f.Delay)
		}
	case f.Probability > 0:
		var p float64
		if p, err = parseProbability(text); err == nil {
			level = p / f.Probability
		}
	default:
		level, err = parseProbability(text)
	}
	if err != nil {
		name, example := b.ParamAt(0.5)
		c.errf(at, "block %q: expect_edge: want a value of its %s, like %s: %v", b.Name, name, example, err)
		return
	}
	if !(level > 0) || level > 1 {
		name, max := b.ParamAt(1)
		c.errf(at, "block %q: expect_edge %s is not within the block's %s (above 0, at most %s): the search could never reach it", b.Name, excerpt(text), name, max)
		return
	}
	b.ExpectEdge = level
}

// EdgeBelow reports whether an edge found at level breaks the block's
// expectation, and says so: "checkout p99 broke at 120ms, at or below
// the expected edge 150ms".
func (b *Block) EdgeBelow(assumption string, level float64) (string, bool) {
	if b.ExpectEdge <= 0 || level > b.ExpectEdge+1e-9 {
		return "", false
	}
	_, at := b.ParamAt(level)
	return fmt.Sprintf("%s broke at %s, at or below the expected edge %s", assumption, at, b.ExpectEdgeText), true
}
