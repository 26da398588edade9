package main

import (
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

// demoExperiment is the game day that `gameday demo` plays on the shop.
func demoExperiment(frontendURL string, rate float64, resilience string) *experiments.Experiment {
	return &experiments.Experiment{
		Name:        "Demo shop · resilience " + resilience,
		Description: "Checkout under dependency faults",
		Interval:    250 * time.Millisecond,
		Window:      3 * time.Minute,
		Loads: []experiments.Load{{
			Name: "checkout", URL: frontendURL + "/checkout", Method: "POST",
			Header:  map[string]string{"Content-Type": "application/json"},
			Body:    `{"sku":"gd-42","qty":1}`,
			Rate:    rate,
			Timeout: 5 * time.Second,
			Window:  3 * time.Second,
		}},
		Probes: []experiments.Probe{{
			Name: "queue", Kind: experiments.ProbeScrape, URL: frontendURL + "/metrics",
			Metric: "shop_queue_depth", Every: 250 * time.Millisecond,
		}},
		Assumptions: []experiments.Assumption{
			{Name: "checkout p99", Series: "checkout" + experiments.SeriesP99, Aggregate: experiments.AggLast,
				Window: 2 * time.Second, Op: experiments.Below, Threshold: 250, Unit: experiments.UnitMillis},
			{Name: "error rate", Series: "checkout" + experiments.SeriesErrorRate, Aggregate: experiments.AggLast,
				Window: 2 * time.Second, Op: experiments.Below, Threshold: 1, Unit: experiments.UnitPercent},
			{Name: "queue depth", Series: "queue", Aggregate: experiments.AggLast,
				Window: 2 * time.Second, Op: experiments.Below, Threshold: 100},
			{Name: "recovery", Kind: experiments.AssumeRecovery, Within: 30 * time.Second},
		},
		Blocks: []experiments.Block{
			{Name: "inventory latency", Description: "300 ms ± 50 ms on every call to inventory",
				Fault: experiments.Fault{Kind: experiments.FaultHTTPDelay, Target: "inventory",
					Delay: 300 * time.Millisecond, Jitter: 50 * time.Millisecond}},
			{Name: "inventory errors", Description: "half of the calls to inventory answered 503",
				Fault: experiments.Fault{Kind: experiments.FaultHTTPError, Target: "inventory", Status: 503, Probability: 0.5}},
			{Name: "payments blackhole", Description: "calls to payments hang until halted",
				Fault: experiments.Fault{Kind: experiments.FaultHTTPBlackhole, Target: "payments"}},
			{Name: "payments paused", Description: "the payments process is stopped (SIGSTOP)",
				Fault: experiments.Fault{Kind: experiments.FaultProcessPause, Target: "payments"}},
			{Name: "load spike", Description: "4× the checkout rate for 30 s",
				Fault:    experiments.Fault{Kind: experiments.FaultLoadScale, Target: "checkout", Factor: 4},
				Duration: 30 * time.Second},
		},
		Charts: []experiments.Chart{
			{Title: "Checkout latency", Unit: experiments.UnitMillis, Series: []experiments.ChartSeries{
				{Series: "checkout" + experiments.SeriesP50, Label: "p50"},
				{Series: "checkout" + experiments.SeriesP95, Label: "p95"},
				{Series: "checkout" + experiments.SeriesP99, Label: "p99"},
			}},
			{Title: "Error rate", Unit: experiments.UnitPercent, Series: []experiments.ChartSeries{
				{Series: "checkout" + experiments.SeriesErrorRate, Label: "errors"},
			}},
			{Title: "Order queue depth", Series: []experiments.ChartSeries{
				{Series: "queue", Label: "queued"},
			}},
		},
	}
}
