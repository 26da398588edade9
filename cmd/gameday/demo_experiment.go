package main

import (
	_ "embed"
	"fmt"
	"strconv"

	"github.com/gameday-dev/gameday/experiments"
)

// demoFile is the experiment gameday demo plays: an ordinary experiment
// file whose ${...} values demoExperiment fills in.
//
//go:embed demo.yaml
var demoFile []byte

// demoExperiment loads the embedded demo file for a running shop.
func demoExperiment(sys *shopSystem, rate float64, resilience string) (*experiments.Experiment, error) {
	vars := map[string]string{
		"RESILIENCE":      resilience,
		"RATE":            strconv.FormatFloat(rate, 'f', -1, 64),
		"FRONTEND_ADDR":   sys.frontendAddr,
		"INVENTORY_ADDR":  sys.process("inventory").ReadyLine(),
		"PAYMENTS_ADDR":   sys.process("payments").ReadyLine(),
		"INVENTORY_PROXY": sys.proxy("inventory").Addr(),
		"PAYMENTS_PROXY":  sys.proxy("payments").Addr(),
		"PAYMENTS_PID":    strconv.Itoa(sys.process("payments").PID()),
	}
	exps, err := experiments.Parse("demo.yaml", demoFile, experiments.WithVars(vars),
		experiments.WithEnv(func(string) (string, bool) { return "", false }))
	if err != nil {
		return nil, fmt.Errorf("the built-in demo file: %w", err)
	}
	return exps[0], nil
}
