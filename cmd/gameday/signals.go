package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// signalWatch is a context that is done when SIGINT, SIGTERM or SIGHUP
// arrives (SIGHUP comes when the terminal closes). The signals stay
// caught until stop, so a second one cannot kill gameday while it halts
// its faults.
type signalWatch struct {
	ctx    context.Context
	cancel context.CancelFunc
	sigs   chan os.Signal
	mu     sync.Mutex
	got    syscall.Signal
}

// watchSignals starts watching; onSignal, if set, hears the first signal.
func watchSignals(onSignal func(os.Signal)) *signalWatch {
	w := &signalWatch{sigs: make(chan os.Signal, 4)}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	signal.Notify(w.sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		select {
		case s := <-w.sigs:
			w.mu.Lock()
			w.got, _ = s.(syscall.Signal)
			w.mu.Unlock()
			if onSignal != nil {
				onSignal(s)
			}
			w.cancel()
		case <-w.ctx.Done():
		}
	}()
	return w
}

// caught returns the error that maps the signal that arrived, if one did,
// to its exit code (128+n).
func (w *signalWatch) caught() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.got == 0 {
		return nil
	}
	return signalError{w.got}
}

// stop stops watching and cancels the context.
func (w *signalWatch) stop() {
	signal.Stop(w.sigs)
	w.cancel()
}
