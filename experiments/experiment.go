package experiments

import (
	"path/filepath"
	"time"
)

// Experiment is what a game day runs: the targets it puts faults on, the
// load it drives, what it observes, what must stay true, the blocks of
// faults an operator (or the schedule) can trigger, and the schedule.
// LoadFile reads one from an experiment file; the zero values of its
// fields take the defaults documented in docs/experiments.md.
type Experiment struct {
	Name        string
	Description string
	// Hypothesis is what the game day expects to stay true, in one or two
	// sentences ("Checkout keeps its p99 under 250 ms while inventory is
	// slow"): shown in the cockpit's header and atop every report.
	Hypothesis string
	// Allow, when the file has allow:, is where the experiment may send
	// faults and traffic; validation refuses any network target outside
	// it. nil: no allowlist.
	Allow *Allowlist
	// File is where the experiment was read from; Case names the matrix
	// case ("delay=100ms probability=1%"), empty without a matrix.
	File string
	Case string

	// Matrix is the matrix case's value of each parameter, in the
	// matrix's order; nil without a matrix.
	Matrix []MatrixValue

	// Interval is the sampling period of every series (default 250ms).
	Interval time.Duration
	// Window is how much history the cockpit charts (default 3m).
	Window      time.Duration
	Targets     Targets
	Loads       []Load
	Probes      []Probe
	Assumptions []Assumption
	Guardrails  Guardrails
	Blocks      []Block
	Schedule    *Schedule
	Charts      []Chart
	// Room is who may join when the game day is served over SSH; nil
	// when the file has no room: section.
	Room *Room
	// Secrets are the values of secret variables, never to be printed.
	Secrets []string
	src     *source
	// origin is what it was read from, for the blocks composed during a
	// game day (Compose, WriteBlocks); nil when not parsed from a file.
	origin *origin
}

// Targets are the parts of the system faults act on.
type Targets struct {
	Proxies   []ProxyTarget
	Processes []ProcessTarget
	Toxiproxy []ToxiproxyTarget
	// Kubernetes are pods in clusters, where faults are Chaos Mesh objects.
	Kubernetes []KubernetesTarget
}

// ToxiproxyTarget is a proxy on an existing Toxiproxy server: faults on
// it become toxics, created and removed through the server's API.
type ToxiproxyTarget struct {
	Name   string
	Server string // the API, like http://127.0.0.1:8474
	Proxy  string // the proxy's name on the server (default Name)
	src    *source
}

// Proxy protocols.
const (
	ProtoHTTP      = "http"
	ProtoTCP       = "tcp"
	ProtoToxiproxy = "toxiproxy"
)

// ProxyTarget is a fault proxy gameday puts in the path between two
// components: it listens on Listen and forwards to Upstream.
type ProxyTarget struct {
	Name     string
	Protocol string // http (default) or tcp
	Listen   string // default 127.0.0.1:0
	Upstream string
	src      *source
}

// ProcessTarget is a process that process faults act on: one gameday
// starts (Command) or one it finds (PIDFile, PID).
type ProcessTarget struct {
	Name    string
	Command []string
	Shell   bool
	Dir     string
	Env     map[string]string
	Ready   string // a line prefix that says the process is ready
	PIDFile string
	PID     int
	src     *source
}

// Load is an open-loop HTTP load profile. A load named L gives the series
// L.p50, L.p90, L.p95, L.p99, L.max (ms), L.error_rate (%), L.throughput
// (responses/s) and L.rate (the rate asked for, req/s), each computed over
// Window; assumptions on L itself aggregate over their own windows.
type Load struct {
	Name   string
	URL    string
	Method string
	Header map[string]string
	Body   string
	// BodyTemplate makes each request's body (text/template: .N, .Now,
	// rand, randString, uuid, pick); exclusive with Body.
	BodyTemplate string
	Rate         float64
	Timeout      time.Duration
	Window       time.Duration
	Curve        *Curve // shapes the rate over time
	src          *source
}

// Series that a load named L offers, as suffixes of L.
const (
	SeriesP50        = ".p50"
	SeriesP90        = ".p90"
	SeriesP95        = ".p95"
	SeriesP99        = ".p99"
	SeriesMax        = ".max"
	SeriesErrorRate  = ".error_rate"
	SeriesThroughput = ".throughput"
	SeriesRate       = ".rate"
)

// loadSeries are the suffixes of a load's series and their units.
var loadSeries = []struct {
	suffix string
	unit   Unit
}{
	{SeriesP50, UnitMillis}, {SeriesP90, UnitMillis}, {SeriesP95, UnitMillis}, {SeriesP99, UnitMillis},
	{SeriesMax, UnitMillis}, {SeriesErrorRate, UnitPercent}, {SeriesThroughput, UnitPerSec}, {SeriesRate, UnitPerSec},
}

// ProbeKind names how a probe observes.
type ProbeKind string

// Probe kinds.
const (
	ProbeScrape  ProbeKind = "scrape"  // one series of a Prometheus /metrics endpoint
	ProbeHTTP    ProbeKind = "http"    // one request; the value is its latency
	ProbeTCP     ProbeKind = "tcp"     // one connect; the value is its time
	ProbeCommand ProbeKind = "command" // a command; the value is the number it prints
	ProbePromQL  ProbeKind = "promql"  // an instant query against a Prometheus server
)

// Probe samples one number every Every; its series is named after it, and
// NAME.failed is 1 for each sample that failed, 0 otherwise.
type Probe struct {
	Name    string
	Kind    ProbeKind
	Every   time.Duration
	Timeout time.Duration
	Unit    Unit
	// scrape, http
	URL string
	// scrape
	Metric string
	Labels map[string]string
	// http
	Method       string
	Header       map[string]string
	Body         string
	ExpectStatus []int
	ExpectBody   string
	// tcp
	Address string
	// command
	Command []string
	Shell   bool
	// promql
	Server string
	Query  string
	src    *source
}

// Guardrails stop a game day from harming what it should not.
type Guardrails struct {
	// MaxFaultDuration halts any block that has been on this long (default
	// 10m).
	MaxFaultDuration time.Duration
	// Abort conditions: when one holds for its For, every fault is halted
	// and the run's verdict is "aborted".
	Abort []Abort
}

// Abort is a condition under which gameday halts everything.
type Abort struct {
	Assumption               // the condition that aborts (Name, Series, Aggregate, Window, Op, Threshold)
	For        time.Duration // how long it must hold (0: at once)
}

// Block is one fault (and/or load change) an operator can trigger and
// halt; or a composition of other blocks.
type Block struct {
	Name        string
	Description string
	Fault       *Fault
	Load        *LoadChange
	Curve       *Curve
	// Duration halts the block by itself after this long; 0 means it
	// stays on until halted.
	Duration time.Duration
	// Sequence runs other blocks one after the other; Parallel runs them
	// together. A composite block has no Fault or Load of its own.
	Sequence []SequenceStep
	Parallel []string
	// ExpectEdge is where the block's edge is expected to lie, as an
	// intensity (0: no expectation), written ExpectEdgeText: every
	// assumption must hold at least up to it (gameday edge).
	ExpectEdge     float64
	ExpectEdgeText string
	src            *source
}

// SequenceStep is one block of a sequence and how long it runs.
type SequenceStep struct {
	Block string
	For   time.Duration
	src   *source
}

// LoadChange multiplies a load's rate while a block is on.
type LoadChange struct {
	Target string
	Factor float64
	src    *source
}

// FaultKind names a fault shape.
type FaultKind string

// Fault kinds. Proxy faults act on the target proxy's protocol: latency
// and blackhole exist for HTTP and TCP proxies, the others for one.
const (
	FaultLatency   FaultKind = "latency"    // http, tcp: Delay ± Jitter
	FaultError     FaultKind = "error"      // http: answer Status with Probability
	FaultAbort     FaultKind = "abort"      // http: reset the connection with Probability
	FaultBlackhole FaultKind = "blackhole"  // http, tcp: hold until halted
	FaultBandwidth FaultKind = "bandwidth"  // tcp: at most Rate bytes/s
	FaultReset     FaultKind = "reset"      // tcp: reset connections after Delay
	FaultSlowClose FaultKind = "slow-close" // tcp: delay closes by Delay
	FaultDataLimit FaultKind = "data-limit" // tcp: close after Bytes
	FaultSlicing   FaultKind = "slicing"    // tcp: cut data into small, delayed pieces
	FaultPause     FaultKind = "pause"      // process: SIGSTOP, SIGCONT on halt
	FaultKill      FaultKind = "kill"       // process: SIGKILL, restarted on halt if Restart
	FaultCommand   FaultKind = "command"    // run Start, and Revert on halt
)

// Fault is a fault kind with its parameters and the target it acts on: a
// proxy or a process, by name (a command fault has no target).
type Fault struct {
	Kind   FaultKind
	Target string
	// HTTP match.
	Method     string
	PathPrefix string
	Header     map[string]string
	// Parameters.
	Delay          time.Duration
	Jitter         time.Duration
	Status         int
	Probability    float64 // 0..1
	Direction      string  // tcp: upstream, downstream or both
	Rate           int64   // bytes/s
	Bytes          int64
	SliceSize      int64
	SliceVariation int64
	Restart        bool
	Drop           bool // a tcp blackhole: discard the data instead of holding it
	// Period is a pause's cycle below full intensity: paused
	// intensity × Period of every Period (0: inject.DefaultPausePeriod).
	Period time.Duration
	Start  *CommandSpec
	Revert *CommandSpec
	// Kubernetes (Chaos Mesh) parameters.
	Correlation float64  // 0..1
	Peer        string   // a Kubernetes target: the other end of a network fault
	External    []string // hosts or CIDRs outside the cluster
	Port        int      // an HTTP fault's port on the pods
	Containers  []string
	Workers     int
	CPULoad     float64 // 0..1
	Mode        string  // how many of the pods: all, one, N, N%
	src         *source
}

// CommandSpec is a command run as argv (through /bin/sh -c only when
// Shell is set, and then Argv is one script).
type CommandSpec struct {
	Argv    []string
	Shell   bool
	Timeout time.Duration
}

// Curve shapes a block's intensity (or a load's rate) over time.
type Curve struct {
	Shape  string // step, ramp, pulse, sine, random-walk
	Level  float64
	From   float64
	To     float64
	Over   time.Duration
	Period time.Duration
	Duty   float64
	Min    float64
	Max    float64
	Every  time.Duration
	Step   float64
	Seed   int64
	src    *source
}

// Schedule is what a headless run does: a baseline without faults, steps
// that switch blocks on for a while, and a recovery period.
type Schedule struct {
	Baseline time.Duration
	Steps    []ScheduleStep
	Recovery time.Duration
}

// ScheduleStep switches Blocks on for For, then off.
type ScheduleStep struct {
	Blocks []string
	For    time.Duration
	// Rest: a step with no fault, for For (`- rest: 30s`), so that what a
	// fault broke is over before the next one starts.
	Rest bool
	Note string
	src  *source
}

// Chart is one streaming chart of the cockpit.
type Chart struct {
	Title  string
	Unit   Unit
	Series []ChartSeries
	src    *source
}

// ChartSeries is one line on a chart.
type ChartSeries struct {
	Series string
	Label  string
}

// SamplingInterval is the sampling period of every series: Interval, or
// 250ms.
func (e *Experiment) SamplingInterval() time.Duration {
	if e.Interval > 0 {
		return e.Interval
	}
	return 250 * time.Millisecond
}

// ChartWindow is how much history the cockpit charts: Window, or 3m.
func (e *Experiment) ChartWindow() time.Duration {
	if e.Window > 0 {
		return e.Window
	}
	return 3 * time.Minute
}

// MaxFaultDuration is the guardrail's longest time a block may stay on:
// Guardrails.MaxFaultDuration, or 10m.
func (e *Experiment) MaxFaultDuration() time.Duration {
	if d := e.Guardrails.MaxFaultDuration; d > 0 {
		return d
	}
	return 10 * time.Minute
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

// Dir is the experiment file's directory, where its commands run; "" (the
// working directory) for an experiment not read from a file.
func (e *Experiment) Dir() string {
	if e.File == "" {
		return ""
	}
	return filepath.Dir(e.File)
}

// RelTo makes a path relative to the experiment file's directory.
func RelTo(file, p string) string {
	if p == "" || filepath.IsAbs(p) || file == "" {
		return p
	}
	return filepath.Join(filepath.Dir(file), p)
}

// MatrixValue is a matrix parameter's value in one case: delay=100ms.
type MatrixValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}
