package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/gameday-dev/gameday/cmd/gameday/internal/shop"
	"github.com/gameday-dev/gameday/inject"
)

type demoFlags struct {
	rate         float64
	resilience   string
	frontendAddr string
	logFile      string
	cpuProfile   string
	headless     bool
	edge         string
	edgeDwell    time.Duration
	edgeFrom     float64
	edgeBisect   int
	edgeRepeat   int
	compare      bool
	out          string
	room         roomFlags
}

func newDemoCmd(g *globals) *cobra.Command {
	var f demoFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a live game day on a built-in sample shop",
		Long: `demo starts a small shop (frontend, inventory, payments) as child
processes, puts gameday's fault proxies between them, drives checkout load
at it and opens the cockpit. Pick a block, press enter to trigger it, x to
halt it, ! to halt everything, a to compose a new fault, q to quit.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.compare && cmd.Flags().Changed("resilience") {
				return usageError{fmt.Errorf("--compare runs none, then hardened: --resilience does not apply")}
			}
			return runDemo(g, f)
		},
	}
	fl := cmd.Flags()
	fl.Float64Var(&f.rate, "rate", 50, "checkout requests per second")
	fl.StringVar(&f.resilience, "resilience", "none", "frontend resilience: none, basic or hardened")
	fl.StringVar(&f.frontendAddr, "frontend-addr", "127.0.0.1:0", "listen address of the shop's frontend")
	fl.StringVar(&f.logFile, "log-file", defaultLogPath("demo"), "where gameday writes its logs (JSON)")
	fl.BoolVar(&f.headless, "headless", false, "run the demo's schedule without the cockpit, like gameday run")
	fl.StringVar(&f.edge, "edge", "", "with --headless: instead of the schedule, find where each assumption breaks as this block grows (like gameday edge)")
	fl.DurationVar(&f.edgeDwell, "edge-dwell", 10*time.Second, "with --edge: how long each level stays on")
	fl.Float64Var(&f.edgeFrom, "edge-from", 10, "with --edge: the first level, in percent")
	fl.IntVar(&f.edgeBisect, "edge-bisect", 2, "with --edge: rounds of bisection")
	fl.IntVar(&f.edgeRepeat, "edge-repeat", 1, "with --edge: searches to run; the edge is their median")
	fl.BoolVar(&f.compare, "compare", false, "run the schedule headless without resilience, then hardened, and compare them (into --out, or a new temporary directory)")
	fl.StringVar(&f.out, "out", "", "directory for the journal and the report")
	f.room.add(fl)
	fl.StringVar(&f.cpuProfile, "cpu-profile", "", "write a CPU profile of gameday to this file (for benchmarks)")
	_ = fl.MarkHidden("cpu-profile")
	return cmd
}

func defaultLogPath(what string) string {
	return filepath.Join(os.TempDir(), "gameday", what+".log")
}

func runDemo(g *globals, f demoFlags) (err error) {
	if _, err := shop.ParseResilience(f.resilience); err != nil {
		return usageError{fmt.Errorf("--resilience: %w", err)}
	}
	if f.rate <= 0 || f.rate > 20000 {
		return usageError{fmt.Errorf("--rate: want a rate between 0 and 20000 requests per second, got %g", f.rate)}
	}
	exe, err := os.Executable()
	if err != nil {
		return startError{fmt.Errorf("finding my own executable: %w", err)}
	}
	state, err := g.openState()
	if err != nil {
		return err // faults of a dead gameday come first
	}
	if f.compare {
		return runDemoCompare(os.Stdout, g, f, exe, state)
	}
	if f.edge != "" && !f.headless {
		return usageError{fmt.Errorf("--edge: with --headless (the live search is the e key in the cockpit)")}
	}
	if f.headless {
		if f.room.serve != "" {
			return usageError{fmt.Errorf("--serve: a room watches a live game day, not --headless")}
		}
		return runDemoHeadless(g, f, exe, state)
	}
	if err := needTerminal(); err != nil {
		return err
	}
	live, err := startLive(g, state, f.logFile, f.room, nil)
	if err != nil {
		return err
	}
	defer live.close()
	if f.cpuProfile != "" {
		stopProfile, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return usageError{err}
		}
		defer stopProfile()
	}
	defer live.recoverPanic(&err)

	sys, err := startShop(live.ctx, shopOptions{
		exe: exe, resilience: f.resilience, frontendAddr: f.frontendAddr, log: live.log,
	})
	if err != nil {
		if sig := live.caught(); sig != nil {
			return sig
		}
		return startError{err}
	}
	live.onCleanup(sys.Stop)

	exp, err := demoExperiment(sys, f.rate, f.resilience)
	if err != nil {
		return startError{err}
	}
	return playExperiment(live, exp, sys.env(), f.logFile, f.out)
}

// runDemoHeadless runs the demo's schedule without the cockpit.
func runDemoHeadless(g *globals, f demoFlags, exe string, state *inject.StateFile) error {
	r, err := openRun(g, state, f.logFile)
	if err != nil {
		return err
	}
	defer r.close()
	sys, err := startShop(r.ctx, shopOptions{exe: exe, resilience: f.resilience, frontendAddr: f.frontendAddr, log: r.log})
	if err != nil {
		if sig := r.caught(); sig != nil {
			return sig
		}
		return startError{err}
	}
	defer sys.Stop()
	exp, err := demoExperiment(sys, f.rate, f.resilience)
	if err != nil {
		return startError{err}
	}
	if f.edge != "" {
		ef := defaultEdgeFlags(f.edge, f.out)
		ef.dwell, ef.from, ef.bisect, ef.repeat = f.edgeDwell, f.edgeFrom, f.edgeBisect, f.edgeRepeat
		if err := ef.check(exp); err != nil {
			return err
		}
		return edgeSearch(r, os.Stdout, exp, sys.env(), ef)
	}
	res, err := runCase(r, os.Stdout, exp, sys.env(), f.out)
	if err != nil {
		return err
	}
	if sig := r.caught(); sig != nil {
		return sig
	}
	if res.code != exitOK {
		return exitError{code: res.code, msg: "demo: " + string(res.final.Verdict())}
	}
	return nil
}
