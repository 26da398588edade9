package inject_test

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

func init() {
	// The capacity tests' proxy child prints what OnError hears as
	// "error OP ERRNO SUPPRESSED MESSAGE".
	tcpCapacityHook = func(p *inject.TCPProxy, println func(string)) {
		p.OnError(func(err error) {
			var pe *inject.ProxyError
			errno := syscall.Errno(0)
			if errors.As(err, &pe) && errors.As(err, &errno) {
				println(fmt.Sprintf("error %s %d %d %v", pe.Op, int(errno), pe.Suppressed, err))
				return
			}
			println(fmt.Sprintf("error ? 0 0 %v", err))
		})
	}
}

// TestTCPProxyFDLimit runs the proxy in a child process limited to 400
// file descriptors and opens more connections through it than fit: the
// proxy reports EMFILE through OnError, the connections it holds keep
// echoing, and it takes new ones again once some close.
func TestTCPProxyFDLimit(t *testing.T) {
	const nofile, tries = 400, 300
	srv := newTCPServer(t, tcpEcho)
	proxy := startTCPChild(t, "proxy", fmt.Sprintf("%s=%d", tcpNofileEnv, nofile), tcpUpEnv+"="+srv.Addr())
	fds0, _ := proxy.stat(t)

	conns, fails := tcpOpenEchoing(proxy.addr, tries, 40, 2*time.Second)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	fds1, _ := proxy.stat(t)
	t.Logf("limit %d: %d connections echo, failures %v; proxy fds %d before, %d after", nofile, len(conns), fails, fds0, fds1)
	if len(fails) == 0 {
		t.Fatalf("all %d connections fit under a limit of %d fds: the test needs more", tries, nofile)
	}
	// Two sockets per connection, and a few descriptors of the process's
	// own: about (400 - 10) / 2 connections fit. A proxy that held pipes
	// per connection, as io.Copy's splice does, held 70.
	if len(conns) < (nofile-40)/2 {
		t.Errorf("%d connections held under a limit of %d fds; want at least %d (2 fds a connection)", len(conns), nofile, (nofile-40)/2)
	}

	var reported []string
	deadline := time.After(10 * time.Second)
	for len(reported) == 0 || !strings.Contains(strings.Join(reported, "\n"), fmt.Sprintf(" %d ", int(syscall.EMFILE))) {
		select {
		case e := <-proxy.errs:
			reported = append(reported, e)
		case <-deadline:
			t.Fatalf("no EMFILE reported through OnError within 10 s; reports: %q", reported)
		}
	}
	t.Logf("reported: %q", reported)

	if n := tcpCountEchoing(conns, 5*time.Second); n != len(conns) {
		t.Errorf("at the limit, %d of the %d connections held still echo", n, len(conns))
	}

	// Close a quarter of them: the proxy takes new connections again
	// (after its backoff, at most 1 s).
	quarter := len(conns) / 4
	for _, c := range conns[:quarter] {
		c.Close()
	}
	conns = conns[quarter:]
	var fresh []net.Conn
	for range 10 {
		more, _ := tcpOpenEchoing(proxy.addr, 20-len(fresh), 20, 3*time.Second)
		fresh = append(fresh, more...)
		if len(fresh) >= 20 {
			break
		}
	}
	conns = append(conns, fresh...)
	if len(fresh) < 20 {
		t.Fatalf("after %d connections closed, %d of 20 new ones echo", quarter, len(fresh))
	}
	if n := tcpCountEchoing(conns, 5*time.Second); n != len(conns) {
		t.Errorf("after recovery, %d of the %d connections echo", n, len(conns))
	}
}
