package experiments

import (
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/gameday-dev/gameday/probes"
)

// Build makes the probe p describes. It starts nothing: the session polls
// it, and validation builds it to check it.
func (p *Probe) Build(e *Experiment) (probes.Probe, error) {
	timeout := p.SampleTimeout(e)
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
		return probes.NewCommandProbe(p.Name, probes.CommandProbeConfig{Argv: p.Command, Shell: p.Shell, Dir: e.Dir(), Timeout: timeout,
			Env: os.Environ()})
	case ProbePromQL:
		return probes.NewPromQL(p.Name, p.Server, p.Query, timeout)
	}
	return nil, fmt.Errorf("probe %q: unknown kind %q", p.Name, p.Kind)
}

// LoadConfig is the load generator's configuration for l, its
// histograms covering window (the longest window anything asks of it).
func (l *Load) LoadConfig(window time.Duration, onResult func(string, time.Duration)) probes.LoadConfig {
	h := http.Header{}
	for k, v := range l.Header {
		h.Set(k, v)
	}
	return probes.LoadConfig{Name: l.Name, URL: l.URL, Method: l.Method, Header: h, Body: []byte(l.Body),
		BodyTemplate: l.BodyTemplate, Rate: l.Rate, Timeout: l.Timeout, Window: window, OnResult: onResult}
}
