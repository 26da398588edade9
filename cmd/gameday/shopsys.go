package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/gameday-dev/gameday/experiments/session"
	"github.com/gameday-dev/gameday/inject"
)

// shopSystem is the demo shop running: three child processes of this
// binary, and the fault proxies between the frontend and its
// dependencies.
//
//	load ──▶ frontend ──▶ proxy "inventory" ──▶ inventory
//	            │
//	          queue ──▶ workers ──▶ proxy "payments" ──▶ payments
type shopSystem struct {
	procs        []*inject.Process // started so far, in start order
	logs         []io.Closer       // the pipes that turn the children's stderr into log records
	proxies      []*inject.HTTPProxy
	frontendURL  string
	frontendAddr string
	stopOnce     sync.Once
}

type shopOptions struct {
	exe          string
	resilience   string
	frontendAddr string
	log          *slog.Logger
}

// startShop starts the demo shop. On error, whatever it started is
// stopped again before it returns.
func startShop(ctx context.Context, o shopOptions) (_ *shopSystem, err error) {
	sys := &shopSystem{}
	defer func() {
		if err != nil {
			sys.Stop()
		}
	}()
	// Inventory and payments start together; each prints its address.
	var (
		wg         sync.WaitGroup
		inv, pay   *inject.Process
		logI, logP io.Closer
		errI, errP error
	)
	wg.Add(2)
	go func() { defer wg.Done(); inv, logI, errI = o.startService(ctx, "inventory") }()
	go func() { defer wg.Done(); pay, logP, errP = o.startService(ctx, "payments") }()
	wg.Wait()
	for i, p := range []*inject.Process{inv, pay} {
		if p != nil {
			sys.procs = append(sys.procs, p)
			sys.logs = append(sys.logs, []io.Closer{logI, logP}[i])
		}
	}
	if err := errors.Join(errI, errP); err != nil {
		return nil, err
	}
	invProxy, err := inject.NewHTTPProxy("inventory", "127.0.0.1:0", "http://"+inv.ReadyLine())
	if err != nil {
		return nil, err
	}
	sys.proxies = append(sys.proxies, invProxy)
	payProxy, err := inject.NewHTTPProxy("payments", "127.0.0.1:0", "http://"+pay.ReadyLine())
	if err != nil {
		return nil, err
	}
	sys.proxies = append(sys.proxies, payProxy)
	fe, feLog, err := o.startService(ctx, "frontend",
		"--addr", o.frontendAddr,
		"--inventory", invProxy.URL(), "--payments", payProxy.URL(),
		"--resilience", o.resilience)
	if err != nil {
		return nil, err
	}
	sys.procs = append(sys.procs, fe)
	sys.logs = append(sys.logs, feLog)
	sys.frontendAddr = fe.ReadyLine()
	sys.frontendURL = "http://" + sys.frontendAddr
	o.log.Info("demo shop up", "frontend", sys.frontendURL,
		"inventory_proxy", invProxy.Addr(), "payments_proxy", payProxy.Addr(),
		"pids", fmt.Sprint(sys.pids()))
	return sys, nil
}

func (o shopOptions) startService(ctx context.Context, role string, args ...string) (*inject.Process, io.Closer, error) {
	w := logWriter(o.log.With("child", role))
	p, err := inject.StartProcess(ctx, inject.ProcessSpec{
		Name:         role,
		Path:         o.exe,
		Args:         append([]string{"shop", "--role", role}, args...),
		Stderr:       w,
		ReadyPrefix:  shopReady,
		ReadyTimeout: 10 * time.Second,
	})
	if err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("demo shop: %w", err)
	}
	return p, w, nil
}

// env is the shop's proxies and processes, as the demo's session acts on
// them.
func (s *shopSystem) env() session.Env {
	env := session.Env{Proxies: map[string]*inject.HTTPProxy{}, Processes: map[string]*inject.Process{}}
	for _, p := range s.proxies {
		env.Proxies[p.Name()] = p
	}
	for _, p := range s.procs {
		env.Processes[p.Name()] = p
	}
	return env
}

// proxy returns the named proxy of the shop.
func (s *shopSystem) proxy(name string) *inject.HTTPProxy {
	for _, p := range s.proxies {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

// process returns the named process of the shop.
func (s *shopSystem) process(name string) *inject.Process {
	for _, p := range s.procs {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

func (s *shopSystem) pids() []int {
	var out []int
	for _, p := range s.procs {
		out = append(out, p.PID())
	}
	return out
}

// Stop stops every process (all at once) and closes the proxies and the
// children's log pipes. It is safe to call more than once.
func (s *shopSystem) Stop() {
	s.stopOnce.Do(func() {
		var wg sync.WaitGroup
		for _, p := range s.procs {
			wg.Add(1)
			go func(p *inject.Process) { defer wg.Done(); _ = p.Stop(3 * time.Second) }(p)
		}
		wg.Wait()
		for _, p := range s.proxies {
			_ = p.Close()
		}
		for _, l := range s.logs {
			_ = l.Close()
		}
	})
}

// logWriter turns a child's stderr into log records, a line each, until
// it is closed.
func logWriter(l *slog.Logger) io.WriteCloser {
	r, w := io.Pipe()
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			l.Info("child output", "line", sc.Text())
		}
		_, _ = io.Copy(io.Discard, r)
	}()
	return w
}
