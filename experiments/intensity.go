package experiments

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// AtIntensity says what a block's fault does at intensity i (0..1), in
// the terms of its main parameter: "186 ms of latency" for a delay,
// "31 % answered 503" for errors; "" when the fault has no such scalar
// (a command, a kill). A composite block (sequence, parallel) says "".
func (b *Block) AtIntensity(i float64) string {
	f := b.Fault
	if f == nil {
		return ""
	}
	switch {
	case f.Delay > 0:
		d := time.Duration(float64(f.Delay) * i)
		return FormatMillis(d) + " of latency on " + f.Target
	case f.Kind == FaultError && f.Probability > 0:
		return fmt.Sprintf("%s answered %d on %s", UnitPercent.Format(100*f.Probability*i), f.Status, f.Target)
	case f.Probability > 0:
		return fmt.Sprintf("%s of the calls on %s", UnitPercent.Format(100*f.Probability*i), f.Target)
	case f.Kind == FaultPause:
		return fmt.Sprintf("%s paused of each period", UnitPercent.Format(100*i))
	}
	return ""
}

// FormatMillis renders a duration in milliseconds: "186 ms", "1.5 ms".
func FormatMillis(d time.Duration) string {
	return UnitMillis.Format(float64(d) / float64(time.Millisecond))
}

// ParamAt names the block's main parameter and its value at intensity i:
// ("delay", "186ms"), ("probability", "31%"); ("intensity", "62%") for a
// fault without one.
func (b *Block) ParamAt(i float64) (name, value string) {
	name, full, unit := b.Param()
	if unit == UnitMillis && b.Fault != nil {
		// From the duration itself, as the fault scales it: full (a float
		// of milliseconds) rounds half a millisecond the other way.
		return name, time.Duration(float64(b.Fault.Delay) * i).Round(time.Millisecond).String()
	}
	return name, strconv.FormatFloat(math.Round(full*i*10)/10, 'f', -1, 64) + "%"
}

// Param names the block's main parameter and gives its value at full
// intensity, as a number in its unit: ("delay", 300, UnitMillis),
// ("probability", 20, UnitPercent); ("intensity", 100, UnitPercent) for a
// fault without one. At intensity i it is i times that.
func (b *Block) Param() (name string, full float64, unit Unit) {
	f := b.Fault
	switch {
	case f != nil && f.Delay > 0:
		return "delay", float64(f.Delay) / float64(time.Millisecond), UnitMillis
	case f != nil && f.Probability > 0:
		return "probability", 100 * f.Probability, UnitPercent
	}
	return "intensity", 100, UnitPercent
}

// Scalable reports whether the block's intensity changes what it does
// (+ and -, a curve, the edge search). A kill, a command and a Chaos Mesh
// fault with nothing to scale (a pod-kill of all the pods) have none; a
// load change and a composite block have.
func (e *Experiment) Scalable(b Block) bool {
	f := b.Fault
	if f == nil || b.Load != nil {
		return true
	}
	switch {
	case f.Kind == FaultKill || f.Kind == FaultCommand:
		return false
	case f.Kind.OnKubernetes():
		cf, err := e.ChaosFault(b)
		return err == nil && len(cf.Scalars) > 0
	}
	return true
}
