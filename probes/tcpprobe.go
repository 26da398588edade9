package probes

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// TCPProbe connects to an address each sample and closes the connection at
// once; the value is the connect time in milliseconds. A failed connect, or
// none within the timeout, is an error. TCPProbe is safe for concurrent use.
type TCPProbe struct {
	name, addr string
	timeout    time.Duration
	dialer     net.Dialer
}

var _ Probe = (*TCPProbe)(nil)

// NewTCPProbe returns a probe named name that connects to addr (host:port)
// within timeout (0 for DefaultProbeTimeout).
func NewTCPProbe(name, addr string, timeout time.Duration) (*TCPProbe, error) {
	if err := checkTCPProbe(addr, timeout); err != nil {
		return nil, fmt.Errorf("tcp probe %s: %w", name, err)
	}
	if timeout == 0 {
		timeout = DefaultProbeTimeout
	}
	return &TCPProbe{name: name, addr: addr, timeout: timeout}, nil
}

func checkTCPProbe(addr string, timeout time.Duration) error {
	host, port, err := net.SplitHostPort(addr)
	switch {
	case addr == "":
		return errors.New("no address: want host:port")
	case err != nil:
		return fmt.Errorf("address %q: want host:port: %w", addr, err)
	case host == "" || port == "":
		return fmt.Errorf("address %q: want host:port, both given", addr)
	case timeout < 0:
		return fmt.Errorf("timeout %v: want a duration >= 0 (0 for the default)", timeout)
	}
	return nil
}

// Name returns the probe's name.
func (p *TCPProbe) Name() string { return p.name }

// Sample connects, closes, and returns the connect time in milliseconds.
func (p *TCPProbe) Sample(ctx context.Context) (float64, error) {
	ctx, cancel := withSampleTimeout(ctx, p.timeout)
	defer cancel()
	start := time.Now()
	conn, err := p.dialer.DialContext(ctx, "tcp", p.addr)
	took := time.Since(start)
	if err != nil {
		if timedOut(ctx) {
			return 0, fmt.Errorf("tcp probe %s: no connection within %v: %w", p.name, p.timeout, err)
		}
		return 0, fmt.Errorf("tcp probe %s: %w", p.name, err) // "dial tcp ADDR: ..."
	}
	conn.Close()
	return float64(took) / float64(time.Millisecond), nil
}
