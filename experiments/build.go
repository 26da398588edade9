package experiments

import (
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/gameday-dev/gameday/inject"
	"github.com/gameday-dev/gameday/probes"
)

// buildProbe makes a probe from its spec.
func buildProbe(e *Experiment, p Probe) (probes.Probe, error) {
	timeout := p.timeout(e)
	h := http.Header{}
	for k, v := range p.Header {
		h.Set(k, v)
	}
	switch p.Kind {
	case ProbeScrape:
		return probes.NewScrape(p.Name, p.URL, p.Metric, p.Labels)
	case ProbeHTTP:
		return probes.NewHTTPProbe(p.Name, probes.HTTPProbeConfig{URL: p.URL, Method: p.Method, Header: h,
			Body: []byte(p.Body), ExpectStatus: p.ExpectStatus, ExpectBody: p.ExpectBody, Timeout: timeout})
	case ProbeTCP:
		return probes.NewTCPProbe(p.Name, p.Address, timeout)
	case ProbeCommand:
		return probes.NewCommandProbe(p.Name, probes.CommandProbeConfig{Argv: p.Command, Shell: p.Shell, Dir: e.dir(), Timeout: timeout,
			Env: os.Environ()})
	case ProbePromQL:
		return probes.NewPromQL(p.Name, p.Server, p.Query, timeout)
	}
	return nil, fmt.Errorf("probe %q: unknown kind %q", p.Name, p.Kind)
}

func (p *Probe) every(e *Experiment) time.Duration {
	if p.Every > 0 {
		return p.Every
	}
	return e.interval()
}

// timeout bounds one sample: four periods unless the file says.
func (p *Probe) timeout(e *Experiment) time.Duration {
	if p.Timeout != 0 {
		return p.Timeout
	}
	return 4 * p.every(e)
}

// buildCurve turns a curve spec into its shape, with the documented
// defaults for keys not written.
func buildCurve(c *Curve) (inject.Curve, error) {
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
