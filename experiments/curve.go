package experiments

import (
	"fmt"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// SamplePeriod is how often the probe samples: Every, or the
// experiment's interval.
func (p *Probe) SamplePeriod(e *Experiment) time.Duration {
	if p.Every > 0 {
		return p.Every
	}
	return e.SamplingInterval()
}

// SampleTimeout bounds one sample: Timeout, or four periods.
func (p *Probe) SampleTimeout(e *Experiment) time.Duration {
	if p.Timeout != 0 {
		return p.Timeout
	}
	return 4 * p.SamplePeriod(e)
}

// Build turns a curve spec into its shape, with the documented defaults
// for keys not written.
func (c *Curve) Build() (inject.Curve, error) {
	has := func(k string) bool { return c.src == nil || c.src.has(k) }
	or := func(k string, v, def float64) float64 {
		if c.src != nil && !c.src.has(k) {
			return def
		}
		return v
	}
	var cv inject.Curve
	switch c.Shape {
	case "step":
		cv = inject.Step{Level: or("level", c.Level, 1)}
	case "ramp":
		cv = inject.Ramp{From: or("from", c.From, 0), To: or("to", c.To, 1), Over: c.Over}
	case "pulse":
		cv = inject.Pulse{Period: c.Period, Duty: or("duty", c.Duty, 0.5), Low: or("min", c.Min, 0), High: or("max", c.Max, 1)}
	case "sine":
		cv = inject.Sine{Period: c.Period, Min: or("min", c.Min, 0), Max: or("max", c.Max, 1)}
	case "random-walk":
		every := c.Every
		if !has("every") || every == 0 {
			every = time.Second
		}
		seed := c.Seed
		if !has("seed") {
			seed = 1
		}
		cv = &inject.RandomWalk{Every: every, Step: or("step", c.Step, 0.1), Min: or("min", c.Min, 0), Max: or("max", c.Max, 1),
			Start: or("min", c.Min, 0), Seed: seed}
	default:
		return nil, fmt.Errorf("unknown curve shape %q", c.Shape)
	}
	if v, ok := cv.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	return cv, nil
}
