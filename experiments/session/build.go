package session

import (
	"fmt"
	"net/http"
	"os"

	"github.com/gameday-dev/gameday/experiments"

	"github.com/gameday-dev/gameday/probes"
)

// buildProbe makes a probe from its spec.
func buildProbe(e *experiments.Experiment, p experiments.Probe) (probes.Probe, error) {
	timeout := p.SampleTimeout(e)
	h := http.Header{}
	for k, v := range p.Header {
		h.Set(k, v)
	}
	switch p.Kind {
	case experiments.ProbeScrape:
		return probes.NewScrape(p.Name, p.URL, p.Metric, p.Labels)
	case experiments.ProbeHTTP:
		return probes.NewHTTPProbe(p.Name, probes.HTTPProbeConfig{URL: p.URL, Method: p.Method, Header: h,
			Body: []byte(p.Body), ExpectStatus: p.ExpectStatus, ExpectBody: p.ExpectBody, Timeout: timeout})
	case experiments.ProbeTCP:
		return probes.NewTCPProbe(p.Name, p.Address, timeout)
	case experiments.ProbeCommand:
		return probes.NewCommandProbe(p.Name, probes.CommandProbeConfig{Argv: p.Command, Shell: p.Shell, Dir: e.Dir(), Timeout: timeout,
			Env: os.Environ()})
	case experiments.ProbePromQL:
		return probes.NewPromQL(p.Name, p.Server, p.Query, timeout)
	}
	return nil, fmt.Errorf("probe %q: unknown kind %q", p.Name, p.Kind)
}
