package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/gameday-dev/gameday/inject"
)

// runRole runs one part of the benchmark in this process: the upstream
// ("serve"), or a proxy ("tcp", "http", "toxiproxy" to UPSTREAM). It
// prints "ready ADDR" once it listens and runs until SIGTERM.
func runRole(args []string) error {
	if len(args) < 1 {
		return errors.New("want a role: serve, tcp, http or toxiproxy")
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	var addr string
	var closeFn func()
	switch args[0] {
	case "serve":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		body := []byte(`{"ok":true,"sku":"gd-42","available":7}`)
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		})}
		go func() { _ = srv.Serve(ln) }()
		addr, closeFn = ln.Addr().String(), func() { _ = srv.Close() }
	case "tcp", "http", "toxiproxy":
		if len(args) < 2 {
			return errors.New("want the upstream address")
		}
		up := args[1]
		switch args[0] {
		case "tcp":
			p, err := inject.NewTCPProxy("bench", "127.0.0.1:0", up)
			if err != nil {
				return err
			}
			addr, closeFn = p.Addr(), func() { _ = p.Close() }
		case "http":
			p, err := inject.NewHTTPProxy("bench", "127.0.0.1:0", "http://"+up)
			if err != nil {
				return err
			}
			addr, closeFn = p.Addr(), func() { _ = p.Close() }
		case "toxiproxy":
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			listen := ln.Addr().String()
			ln.Close()
			server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
			p := toxiproxy.NewProxy(server, "bench", listen, up)
			if err := p.Start(); err != nil {
				return err
			}
			addr, closeFn = p.Listen, p.Stop
		}
	default:
		return fmt.Errorf("unknown role %q", args[0])
	}
	fmt.Println("ready " + addr)
	<-stop
	closeFn()
	return nil
}
