package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/gameday-dev/gameday/cmd/gameday/internal/shop"
)

// shopReady is the line a shop service prints on stdout once it listens;
// the address follows it.
const shopReady = "gameday-shop ready "

// newShopCmd is the hidden subcommand that runs one service of the demo
// shop as a child process of `gameday demo`.
func newShopCmd() *cobra.Command {
	var (
		cfg        shop.Config
		role       string
		resilience string
	)
	cmd := &cobra.Command{
		Use:    "shop",
		Short:  "Run one service of the demo shop (used by gameday demo)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Role = shop.Role(role)
			r, err := shop.ParseResilience(resilience)
			if err != nil {
				return usageError{err}
			}
			cfg.Resilience = r
			cfg.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil)).With("service", role)
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return shop.Run(ctx, cfg, func(addr string) {
				fmt.Fprintln(cmd.OutOrStdout(), shopReady+addr)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&role, "role", "", "frontend, inventory or payments")
	f.StringVar(&cfg.Addr, "addr", "127.0.0.1:0", "listen address")
	f.StringVar(&cfg.InventoryURL, "inventory", "", "inventory base URL (frontend)")
	f.StringVar(&cfg.PaymentsURL, "payments", "", "payments base URL (frontend)")
	f.StringVar(&resilience, "resilience", "none", "none, basic or hardened (frontend)")
	f.IntVar(&cfg.Workers, "workers", 8, "payment workers (frontend)")
	f.IntVar(&cfg.Queue, "queue", 0, "order queue capacity (frontend); 0: the resilience level's")
	return cmd
}
