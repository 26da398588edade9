package inject_test

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// benchTCPEcho runs request-response exchanges of 64 bytes each way on an
// echo server at addr, one connection per parallel client.
func benchTCPEcho(b *testing.B, addr string) {
	msg := bytes.Repeat([]byte("0123456789abcdef"), 4)
	b.SetBytes(int64(2 * len(msg)))
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		got := make([]byte, len(msg))
		for pb.Next() {
			if _, err := c.Write(msg); err != nil {
				b.Error(err)
				return
			}
			if _, err := io.ReadFull(c, got); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
