// Package shop is the small shop that `gameday demo` runs as child
// processes: a frontend, an inventory service and a payments service.
//
//	load ──▶ frontend POST /checkout ──▶ (proxy) ──▶ inventory GET /stock
//	              │ 202, order on the queue
//	              ▼
//	         queue ──▶ workers ──▶ (proxy) ──▶ payments POST /charge
//
// The frontend's Resilience setting (none, basic, hardened) decides how it
// copes when inventory or payments misbehave: timeouts, retries with backoff
// and jitter, circuit breakers, a fallback and load shedding. Its /metrics
// show the queue depth, the work in flight, request durations and the
// outcome of every checkout and dependency call.
package shop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Role names one of the shop's services.
type Role string

// The shop's services.
const (
	Frontend  Role = "frontend"
	Inventory Role = "inventory"
	Payments  Role = "payments"
)

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case Frontend, Inventory, Payments:
		return r, nil
	}
	return "", fmt.Errorf("unknown shop role %q: want frontend, inventory or payments", s)
}

// Resilience is how hard the frontend tries to survive its dependencies'
// failures. See policy.go for the parameters of each level.
type Resilience string

// The resilience levels.
const (
	None     Resilience = "none"     // no timeouts, no retries, no breaker; a full queue makes checkouts wait
	Basic    Resilience = "basic"    // timeouts and retries with backoff and jitter; failed payments retried later
	Hardened Resilience = "hardened" // plus deadline budgets, breakers, fallback, a queue sized for an outage, load shedding
)

// ParseResilience returns the resilience level named s.
func ParseResilience(s string) (Resilience, error) {
	switch r := Resilience(strings.ToLower(strings.TrimSpace(s))); r {
	case None, Basic, Hardened:
		return r, nil
	}
	return "", fmt.Errorf("unknown resilience %q: want none, basic or hardened", s)
}

// Config describes one service to run.
type Config struct {
	Role         Role
	Addr         string       // listen address, e.g. "127.0.0.1:0"
	InventoryURL string       // frontend only: base URL of inventory (through a proxy)
	PaymentsURL  string       // frontend only: base URL of payments (through a proxy)
	Resilience   Resilience   // frontend only; "" means None
	Workers      int          // frontend only: payment workers; <= 0 means 8
	Queue        int          // frontend only: the order queue's capacity; <= 0: the level's (250; hardened 3,000)
	Logger       *slog.Logger // nil discards
}

// DefaultWorkers is the frontend's number of payment workers when
// Config.Workers is not set.
const DefaultWorkers = 8

// shutdownGrace bounds how long Run waits for requests in flight once its
// context is done; after it, connections are closed and outgoing calls
// cancelled.
const shutdownGrace = 2 * time.Second

// service is what a role serves: its HTTP handler and, optionally, work
// that runs beside the server until its context is done.
type service struct {
	handler    http.Handler
	background func(ctx context.Context)
}

// Run serves one service until ctx is done, then shuts down gracefully
// within about two seconds and returns nil. ready, when not nil, is called
// once with the address the service listens on (host:port) as soon as it
// accepts connections. A bad Config or a listen error is returned at once.
func Run(ctx context.Context, cfg Config, ready func(addr string)) error {
	cfg, err := cfg.normalize()
	if err != nil {
		return err
	}
	log := cfg.Logger.With("service", string(cfg.Role))

	var svc service
	switch cfg.Role {
	case Inventory:
		svc = service{handler: newInventory()}
	case Payments:
		svc = service{handler: newPayments()}
	case Frontend:
		f := newFrontend(cfg, log)
		svc = service{handler: f.routes(), background: f.runWorkers}
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("shop %s on %s: %w", cfg.Role, cfg.Addr, err)
	}
	addr := ln.Addr().String()

	// Requests' contexts derive from baseCtx, so cancelling it aborts the
	// outgoing calls of handlers that outlive the grace period.
	baseCtx, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	srv := &http.Server{
		Handler:           svc.handler,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}

	bgCtx, stopBackground := context.WithCancel(baseCtx)
	defer stopBackground()
	var bg sync.WaitGroup
	if svc.background != nil {
		bg.Go(func() { svc.background(bgCtx) })
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if cfg.Role == Frontend {
		log.Info("serving", "addr", addr, "resilience", string(cfg.Resilience), "workers", cfg.Workers, "queue", cfg.Queue)
	} else {
		log.Info("serving", "addr", addr)
	}
	if ready != nil {
		ready(addr)
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("requests still in flight after the grace period; closing", "grace", shutdownGrace)
		cancelBase()
		_ = srv.Close()
	}
	stopBackground()
	bg.Wait()
	log.Info("stopped")

	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("shop %s on %s: %w", cfg.Role, addr, serveErr)
	}
	return nil
}

// normalize checks cfg and fills in its defaults.
func (cfg Config) normalize() (Config, error) {
	role, err := ParseRole(string(cfg.Role))
	if err != nil {
		return cfg, fmt.Errorf("shop: %w", err)
	}
	cfg.Role = role
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Role != Frontend {
		return cfg, nil
	}
	if cfg.Resilience == "" {
		cfg.Resilience = None
	}
	res, err := ParseResilience(string(cfg.Resilience))
	if err != nil {
		return cfg, fmt.Errorf("shop frontend: %w", err)
	}
	cfg.Resilience = res
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.Queue <= 0 {
		cfg.Queue = policyFor(cfg.Resilience).queueCap
	}
	var errs []error
	for _, u := range []struct{ name, value string }{
		{"InventoryURL", cfg.InventoryURL},
		{"PaymentsURL", cfg.PaymentsURL},
	} {
		if err := checkBaseURL(u.value); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", u.name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return cfg, fmt.Errorf("shop frontend: %w", err)
	}
	return cfg, nil
}

func checkBaseURL(s string) error {
	if s == "" {
		return errors.New("is required (an http:// base URL)")
	}
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("%q is not an http:// base URL", s)
	}
	return nil
}
