package main

import (
	"github.com/spf13/cobra"
)

func newRootCmd() *cobra.Command {
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
	root.PersistentFlags().StringVar(&statePath, "state-file", statePath,
		"where gameday records faults that outlive it, for gameday recover")
	root.PersistentFlags().StringVar(&metricsAddr, "metrics-addr", "",
		"serve gameday's own Prometheus /metrics here, e.g. :9464 (loopback) or 0.0.0.0:9464")
	root.AddCommand(newDemoCmd(), newPlayCmd(), newValidateCmd(), newBlocksCmd(), newRunCmd(), newReportCmd(), newReplayCmd(), newRecoverCmd(), newShopCmd())
	return root
}
