package probes_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/probes"
)

// TestTCPProbe connects to a real loopback listener: each sample is one
// connection, which the probe closes at once.
func TestTCPProbe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	closed := make(chan error, 3)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, err = c.Read(make([]byte, 1)) // the probe sends nothing and closes
			c.Close()
			closed <- err
		}
	}()

	p, err := probes.NewTCPProbe("db", ln.Addr().String(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		v, err := p.Sample(context.Background())
		if err != nil || v <= 0 {
			t.Fatalf("sample %d = %v ms, %v; want a connect time", i, v, err)
		}
		if err := <-closed; !errors.Is(err, io.EOF) {
			t.Errorf("sample %d: the server read %v, want EOF (the probe closes)", i, err)
		}
	}
}

func TestTCPProbeRefused(t *testing.T) {
	addr := closedAddr(t)
	p, err := probes.NewTCPProbe("db", addr, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Sample(context.Background())
	if err == nil || !strings.Contains(err.Error(), "connection refused") ||
		!strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "tcp probe db") {
		t.Errorf("Sample error %v, want connection refused that names the probe and %s", err, addr)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Sample(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Sample with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestNewTCPProbe(t *testing.T) {
	tests := []struct {
		addr    string
		timeout time.Duration
		ok      bool
	}{
		{"127.0.0.1:5432", 0, true},
		{"localhost:80", time.Second, true},
		{"[::1]:80", 0, true},
		{"", 0, false},
		{"127.0.0.1", 0, false},
		{":80", 0, false},
		{"127.0.0.1:", 0, false},
		{"127.0.0.1:80", -time.Second, false},
	}
	for _, tt := range tests {
		_, err := probes.NewTCPProbe("db", tt.addr, tt.timeout)
		if (err == nil) != tt.ok {
			t.Errorf("NewTCPProbe(%q, %v) error %v, want ok %v", tt.addr, tt.timeout, err, tt.ok)
		}
	}
}
