package main

import (
	"github.com/gameday-dev/gameday/inject"
	"github.com/spf13/cobra"
)

// globals are the root command's flags, passed down to the commands that
// use them.
type globals struct {
	statePath   string // where gameday records faults that outlive it
	metricsAddr string // where gameday serves its own /metrics ("" = nowhere)
}

func newRootCmd() *cobra.Command {
	g := &globals{statePath: inject.DefaultStatePath()}
	root := &cobra.Command{
		Use:   "gameday",
		Short: "A terminal cockpit for chaos-engineering game days",
		Long: `gameday runs game days: it drives load at a system, triggers and halts
faults live, charts what happens, and judges the experiment's assumptions.

Start with the built-in demo (nothing else to install):

  gameday demo`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentFlags().StringVar(&g.statePath, "state-file", g.statePath,
		"where gameday records faults that outlive it, for gameday recover")
	root.PersistentFlags().StringVar(&g.metricsAddr, "metrics-addr", "",
		"serve gameday's own Prometheus /metrics here, e.g. :9464 (loopback) or 0.0.0.0:9464")
	root.AddCommand(newDemoCmd(g), newPlayCmd(g), newValidateCmd(), newBlocksCmd(), newRunCmd(g), newEdgeCmd(g), newReportCmd(), newReplayCmd(), newRecoverCmd(g), newShopCmd(), newCompareCmd())
	return root
}
