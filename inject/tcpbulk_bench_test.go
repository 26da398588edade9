package inject_test

import (
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// BenchmarkTCPProxyBulk measures bulk transfers through the proxy's fast
// path against the same transfers straight to the server: one way into a
// sink ("upload") and both ways through an echo server ("echo"), on one
// connection and on 8 at once. Client, proxy and server share the CPUs;
// read the MB/s of the proxy against direct in the same run:
//
//	go test -run xxx -bench TCPProxyBulk -benchtime 2s ./inject/
func BenchmarkTCPProxyBulk(b *testing.B) {
	sink := newTCPServer(b, func(c *net.TCPConn) {
		n, _ := io.Copy(io.Discard, c)
		fmt.Fprintf(c, "%d", n)
	})
	echo := newTCPServer(b, tcpEcho)
	proxies := map[string]string{"direct": sink.Addr(), "proxy": newTCPProxy(b, sink.Addr()).Addr()}
	echoes := map[string]string{"direct": echo.Addr(), "proxy": newTCPProxy(b, echo.Addr()).Addr()}
	const piece = 1 << 20
	data := tcpPattern(9, piece)
	for _, mode := range []string{"upload", "echo"} {
		for _, conns := range []int{1, 8} {
			for _, path := range []string{"direct", "proxy"} {
				addr := proxies[path]
				if mode == "echo" {
					addr = echoes[path]
				}
				b.Run(fmt.Sprintf("%s/conns=%d/%s", mode, conns, path), func(b *testing.B) {
					b.SetBytes(piece)
					var wg sync.WaitGroup
					errs := make(chan error, conns)
					b.ResetTimer()
					for i := range conns {
						n := b.N / conns
						if i < b.N%conns {
							n++
						}
						wg.Go(func() { errs <- tcpBulk(addr, mode, data, n) })
					}
					wg.Wait()
					close(errs)
					for err := range errs {
						if err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// tcpBulk sends n copies of data on a new connection to addr and waits
// until they have all arrived: the sink's count, or the echo read back.
func tcpBulk(addr, mode string, data []byte, n int) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	tc := c.(*net.TCPConn)
	tc.SetDeadline(time.Now().Add(5 * time.Minute))
	read := make(chan error, 1)
	want := int64(n) * int64(len(data))
	go func() {
		if mode == "echo" {
			got, err := io.Copy(io.Discard, tc)
			if err == nil && got != want {
				err = fmt.Errorf("echoed %d bytes, want %d", got, want)
			}
			read <- err
			return
		}
		b, err := io.ReadAll(tc)
		if err == nil && string(b) != fmt.Sprint(want) {
			err = fmt.Errorf("the sink got %s bytes, want %d", b, want)
		}
		read <- err
	}()
	for range n {
		if _, err := tc.Write(data); err != nil {
			return err
		}
	}
	if err := tc.CloseWrite(); err != nil {
		return err
	}
	return <-read
}
