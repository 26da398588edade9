// Command loadbench measures gameday's HTTP load generator (probes.Load)
// against vegeta (github.com/tsenart/vegeta/v12, as a library) in one run,
// on loopback, against the same HTTP server:
//
//	this process: vegeta's attacker | gameday's probes.Load ──▶ server (a child process)
//
// The server is this program in another role, started as a child process,
// so its CPU is not counted. Both generators run in this process, one
// after the other, and each run's CPU is this process's user and system
// time (getrusage RUSAGE_SELF) around it. Each round measures, for each
// generator:
//
//   - the maximum rate in a closed loop: vegeta at rate 0 (as fast as it
//     can) with a fixed number of workers; gameday's open-loop generator
//     asked for far more than the server can take, with MaxInFlight equal
//     to vegeta's workers, so that as many requests are outstanding at
//     once (see measureGamedayMax);
//   - the CPU per request at a fixed rate (2,000 req/s by default), each
//     generator open loop at that rate.
//
// The report gives each round, the medians and gameday's ratios to vegeta.
// Examples:
//
//	go run ./cmd/loadbench    # 3 rounds, 5 s per measurement
//	go run ./cmd/loadbench -rounds 1 -duration 3s -workers 64 -rate 2000
//	go run ./cmd/loadbench -only gameday -measure cpu -cpuprofile /tmp/load.prof
//	go run ./cmd/loadbench -only gameday -transport raw    # without net/http's Transport
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

type options struct {
	duration   time.Duration
	rounds     int
	workers    int
	rate       float64
	offered    float64
	only       string
	measure    string
	transport  string
	cpuProfile string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		if err := serve(); err != nil {
			fmt.Fprintln(os.Stderr, "loadbench serve:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "how long each measurement runs")
	flag.IntVar(&o.rounds, "rounds", 3, "how many times to repeat the whole comparison (the report gives each round and the median)")
	flag.IntVar(&o.workers, "workers", 64, "closed loop: vegeta's workers, and gameday's MaxInFlight")
	flag.Float64Var(&o.rate, "rate", 2000, "the fixed rate of the CPU measurement, requests per second")
	flag.Float64Var(&o.offered, "offered", 50000, "closed loop: the rate gameday's open-loop generator is asked for, above what the server can take")
	flag.StringVar(&o.only, "only", "", "run only this generator (vegeta or gameday), e.g. to profile it")
	flag.StringVar(&o.measure, "measure", "max,cpu", "what to measure: max (the closed loop), cpu (at the fixed rate), or both")
	flag.StringVar(&o.transport, "transport", "http", "gameday's transport: http (net/http's, as gameday uses) or raw (a minimal HTTP/1.1 client, to see what net/http costs)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the measurements (this process) to this file")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}
