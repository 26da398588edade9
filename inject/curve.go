package inject

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// Curve shapes a fault's intensity over time: At returns the intensity,
// within 0..1, at elapsed time since the fault started (a negative elapsed
// counts as 0). The session scales it by the block's intensity and passes
// it to Injector.Update.
//
// Every curve here has a Validate method that catches parameters that make
// no sense (a period <= 0, a duty outside 0..1, a minimum above the
// maximum, a level outside 0..1, a curve that is 0 at all times). At does
// not fail: on parameters that Validate rejects it still returns a value
// clamped to 0..1 (0 for NaN).
type Curve interface {
	At(elapsed time.Duration) float64
}

var (
	_ Curve = Step{}
	_ Curve = Ramp{}
	_ Curve = Pulse{}
	_ Curve = Sine{}
	_ Curve = (*RandomWalk)(nil)
)

// Step holds one level all along. The zero Step is the full fault: a Level
// of 0 means 1 (a fault held at 0 has no effect; halt it instead).
type Step struct {
	Level float64 // 0..1; 0 means 1
}

// At returns the level.
func (s Step) At(time.Duration) float64 {
	if s.Level == 0 {
		return 1
	}
	return clamp01(s.Level)
}

// Validate reports whether the level is within 0..1.
func (s Step) Validate() error {
	return level("level", s.Level)
}

// Ramp goes in a straight line from From to To over Over, then holds To.
// An Over of 0 jumps to To at once.
type Ramp struct {
	From, To float64 // 0..1
	Over     time.Duration
}

// At returns the point on the line at elapsed.
func (r Ramp) At(elapsed time.Duration) float64 {
	switch {
	case r.Over <= 0 || elapsed >= r.Over:
		return clamp01(r.To)
	case elapsed <= 0:
		return clamp01(r.From)
	}
	f := float64(elapsed) / float64(r.Over)
	return clamp01(r.From + (r.To-r.From)*f)
}

// Validate reports whether the levels are within 0..1, Over is not
// negative and the ramp is not 0 all along.
func (r Ramp) Validate() error {
	errs := []error{level("from", r.From), level("to", r.To)}
	if r.Over < 0 {
		errs = append(errs, fmt.Errorf("over %v is negative", r.Over))
	}
	if r.From == 0 && r.To == 0 {
		errs = append(errs, errNeverOn)
	}
	return errors.Join(errs...)
}

// Pulse is a square wave: High for the first Duty of each Period, Low for
// the rest.
type Pulse struct {
	Period    time.Duration // > 0
	Duty      float64       // 0..1: the share of each period at High
	Low, High float64       // 0..1, Low <= High
}

// At returns High or Low, by where elapsed falls in its period.
func (p Pulse) At(elapsed time.Duration) float64 {
	if p.Period <= 0 {
		return clamp01(p.High)
	}
	phase := max(elapsed, 0) % p.Period
	if float64(phase) < p.Duty*float64(p.Period) {
		return clamp01(p.High)
	}
	return clamp01(p.Low)
}

// Validate reports whether the period, the duty and the levels make a
// pulse that is on at some time.
func (p Pulse) Validate() error {
	errs := []error{period(p.Period), level("low", p.Low), level("high", p.High)}
	if !isProbability(p.Duty) {
		errs = append(errs, fmt.Errorf("duty %v is not within 0..1", p.Duty))
	}
	if p.Low > p.High {
		errs = append(errs, fmt.Errorf("low %v is above high %v", p.Low, p.High))
	}
	if p.High == 0 || p.Duty == 0 && p.Low == 0 {
		errs = append(errs, errNeverOn)
	}
	return errors.Join(errs...)
}

// Sine swings between Min and Max once per Period: it starts at Min, is
// at the middle at a quarter of the period, at Max at half of it, and back
// at Min at its end (a raised cosine, so the fault comes on gently).
type Sine struct {
	Period   time.Duration // > 0
	Min, Max float64       // 0..1, Min <= Max
}

// At returns the point on the wave at elapsed.
func (s Sine) At(elapsed time.Duration) float64 {
	if s.Period <= 0 {
		return clamp01(s.Min)
	}
	phase := float64(max(elapsed, 0)%s.Period) / float64(s.Period)
	return clamp01(s.Min + (s.Max-s.Min)*(1-math.Cos(2*math.Pi*phase))/2)
}

// Validate reports whether the period and the bounds make a wave that is
// on at some time.
func (s Sine) Validate() error {
	errs := []error{period(s.Period), level("min", s.Min), level("max", s.Max)}
	if s.Min > s.Max {
		errs = append(errs, fmt.Errorf("min %v is above max %v", s.Min, s.Max))
	}
	if s.Max == 0 {
		errs = append(errs, errNeverOn)
	}
	return errors.Join(errs...)
}

// RandomWalk starts at Start and, every Every, moves by a random amount
// within ±Step, bouncing off Min and Max so that it never leaves them.
// It is deterministic: for one Seed (and the same parameters) At(t) is
// the same number on every call, in any order, in any process.
//
// At costs one step per Every from 0 to elapsed the first time and only
// the new steps after that (it keeps where it got to), so use a
// *RandomWalk, and do not copy it after first use.
type RandomWalk struct {
	Every    time.Duration // >= 1ms
	Step     float64       // > 0: the largest move per step
	Min, Max float64       // 0..1, Min < Max
	Start    float64       // Min..Max
	Seed     int64

	mu    sync.Mutex
	memo  walkParams
	memoN int64   // steps taken to reach memoV
	memoV float64 // the value after memoN steps; valid when memo matches
}

type walkParams struct {
	every               time.Duration
	step, lo, hi, start float64
	seed                int64
	valid               bool
}

// At returns the walk's value after the steps taken by elapsed.
func (w *RandomWalk) At(elapsed time.Duration) float64 {
	if w.Every <= 0 {
		return clamp01(w.Start)
	}
	n := int64(max(elapsed, 0) / w.Every)
	key := walkParams{w.Every, w.Step, w.Min, w.Max, w.Start, w.Seed, true}
	w.mu.Lock()
	defer w.mu.Unlock()
	i, v := int64(0), w.Start
	if w.memo == key && w.memoN <= n {
		i, v = w.memoN, w.memoV
	}
	for ; i < n; i++ {
		v += float64((2*unitFloat(w.Seed, i+1) - 1) * w.Step) // float64(): no fused multiply-add, the same sum on every CPU
		if v > w.Max {
			v = 2*w.Max - v
		}
		if v < w.Min {
			v = 2*w.Min - v
		}
		v = min(max(v, w.Min), w.Max) // a step wider than Max-Min
	}
	if w.memo != key || n > w.memoN {
		w.memo, w.memoN, w.memoV = key, n, v
	}
	return clamp01(v)
}

// Validate reports whether the walk has room to move and starts within it.
func (w *RandomWalk) Validate() error {
	errs := []error{level("min", w.Min), level("max", w.Max)}
	if w.Every < time.Millisecond {
		errs = append(errs, fmt.Errorf("every %v is under 1ms", w.Every))
	}
	if !(w.Step > 0) || math.IsInf(w.Step, 1) {
		errs = append(errs, fmt.Errorf("step %v is not above 0", w.Step))
	}
	if !(w.Min < w.Max) {
		errs = append(errs, fmt.Errorf("min %v is not below max %v", w.Min, w.Max))
	}
	if !(w.Start >= w.Min && w.Start <= w.Max) {
		errs = append(errs, fmt.Errorf("start %v is not within min %v and max %v", w.Start, w.Min, w.Max))
	}
	return errors.Join(errs...)
}

// unitFloat returns a number in [0, 1) that depends only on seed and i
// (SplitMix64).
func unitFloat(seed, i int64) float64 {
	return mix01(uint64(seed) + uint64(i)*0x9e3779b97f4a7c15)
}

// mix01 returns SplitMix64's finalizer of z as a number in [0, 1).
func mix01(z uint64) float64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) / (1 << 53)
}

var errNeverOn = errors.New("the curve is 0 at all times: the fault would never be on")

func level(name string, v float64) error {
	if !isProbability(v) {
		return fmt.Errorf("%s %v is not within 0..1", name, v)
	}
	return nil
}

func period(p time.Duration) error {
	if p <= 0 {
		return fmt.Errorf("period %v is not above 0", p)
	}
	return nil
}

func clamp01(v float64) float64 {
	switch {
	case v > 1:
		return 1
	case v >= 0:
		return v
	default: // below 0, or NaN
		return 0
	}
}
