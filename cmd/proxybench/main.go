// Command proxybench measures gameday's fault proxies with no fault on
// against a direct connection and against a Toxiproxy server built from
// its Go module, in one run, on loopback:
//
//	client ──▶ [ direct | gameday tcp proxy | gameday http proxy | toxiproxy ] ──▶ upstream
//
// The upstream and each proxy run as child processes of this program
// (the same binary in another role), so the CPU each proxy spends per
// request is read from its own /proc/PID/stat. For each path it reports
// the closed-loop throughput (64 keep-alive connections, like wrk -c64),
// the latency at a fixed open-loop rate (2,000 req/s by default) and the
// proxy's CPU per request at that rate.
//
//	go run ./cmd/proxybench              # the whole comparison
//	go run ./cmd/proxybench -duration 5s -rate 2000 -conns 64
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "role" {
		if err := runRole(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "proxybench role:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "how long each measurement runs")
	flag.Float64Var(&o.rate, "rate", 2000, "the fixed rate of the latency measurement, requests per second")
	flag.IntVar(&o.conns, "conns", 64, "connections of the closed-loop throughput measurement")
	flag.StringVar(&o.only, "only", "", "measure only these paths (comma separated: direct,tcp,http,toxiproxy)")
	flag.BoolVar(&o.wrk, "wrk", true, "use wrk (if installed) for the closed loop, as the reference figures did; else a Go client")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "proxybench:", err)
		os.Exit(1)
	}
}
