package experiments

import (
	"time"
)

// Experiment is what a game day runs: the load it drives, what it
// observes, what must stay true, and the blocks of faults an operator (or a
// schedule) can trigger.
type Experiment struct {
	Name        string
	Description string
	// Interval is the sampling period of every series (default 250ms).
	Interval time.Duration
	// Window is how much history the cockpit charts (default 3m).
	Window      time.Duration
	Loads       []Load
	Probes      []Probe
	Assumptions []Assumption
	Blocks      []Block
	Charts      []Chart
}

// Load is an open-loop HTTP load profile. It produces the series
// NAME.p50, NAME.p95, NAME.p99 (ms), NAME.error_rate (%), NAME.throughput
// and NAME.rate (req/s), each computed over the load's rolling Window.
type Load struct {
	Name    string
	URL     string
	Method  string
	Header  map[string]string
	Body    string
	Rate    float64
	Timeout time.Duration
	Window  time.Duration
}

// Load series suffixes.
const (
	SeriesP50        = ".p50"
	SeriesP95        = ".p95"
	SeriesP99        = ".p99"
	SeriesErrorRate  = ".error_rate"
	SeriesThroughput = ".throughput"
	SeriesRate       = ".rate"
)

// ProbeKind names how a probe observes.
type ProbeKind string

// Probe kinds.
const (
	ProbeScrape ProbeKind = "scrape" // one series of a Prometheus /metrics endpoint
)

// Probe samples one number every Every; its series is named after it.
type Probe struct {
	Name   string
	Kind   ProbeKind
	URL    string
	Metric string
	Labels map[string]string
	Unit   Unit
	Every  time.Duration
}

// Block is one fault an operator can trigger and halt.
type Block struct {
	Name        string
	Description string
	Fault       Fault
	// Duration halts the block by itself after this long; 0 means it stays
	// on until halted.
	Duration time.Duration
}

// FaultKind names a fault shape.
type FaultKind string

// Fault kinds.
const (
	FaultHTTPDelay     FaultKind = "http-delay"     // Delay ± Jitter on a proxy
	FaultHTTPError     FaultKind = "http-error"     // Status with Probability on a proxy
	FaultHTTPBlackhole FaultKind = "http-blackhole" // requests hang until halted
	FaultHTTPAbort     FaultKind = "http-abort"     // connection reset with Probability
	FaultProcessPause  FaultKind = "process-pause"  // SIGSTOP, SIGCONT on halt
	FaultLoadScale     FaultKind = "load-scale"     // multiply a load's rate by Factor
)

// Fault is a fault kind with its parameters and the target it acts on: a
// proxy, a process or a load, by name.
type Fault struct {
	Kind        FaultKind
	Target      string
	Method      string
	PathPrefix  string
	Delay       time.Duration
	Jitter      time.Duration
	Status      int
	Probability float64 // 0..1
	Factor      float64
}

// Chart is one streaming chart of the cockpit.
type Chart struct {
	Title  string
	Unit   Unit
	Series []ChartSeries
}

// ChartSeries is one line on a chart.
type ChartSeries struct {
	Series string
	Label  string
}

func (e *Experiment) interval() time.Duration {
	if e.Interval > 0 {
		return e.Interval
	}
	return 250 * time.Millisecond
}

func (e *Experiment) window() time.Duration {
	if e.Window > 0 {
		return e.Window
	}
	return 3 * time.Minute
}

// BlockIndex returns the index of the named block, or -1.
func (e *Experiment) BlockIndex(name string) int {
	for i, b := range e.Blocks {
		if b.Name == name {
			return i
		}
	}
	return -1
}
