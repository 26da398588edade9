package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// signalContext is done when SIGINT, SIGTERM or SIGHUP arrives; caught
// then returns the error that maps it to its exit code (128+n).
func signalContext() (ctx context.Context, stop func(), caught func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	var (
		mu  sync.Mutex
		got syscall.Signal
	)
	go func() {
		select {
		case s := <-sigs:
			mu.Lock()
			got, _ = s.(syscall.Signal)
			mu.Unlock()
			cancel()
		case <-ctx.Done():
		}
	}()
	stop = func() { signal.Stop(sigs); cancel() }
	caught = func() error {
		mu.Lock()
		defer mu.Unlock()
		if got == 0 {
			return nil
		}
		return signalError{got}
	}
	return ctx, stop, caught
}
