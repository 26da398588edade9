package inject_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/inject"
)

// tcpRecord is one timed record of TestTCPFaultReachesStream: a sequence
// number, the time it was sent, and bytes that depend on the number.
const tcpRecord = 64

func tcpMakeRecord(seq uint64, sent time.Time) []byte {
	b := make([]byte, tcpRecord)
	binary.BigEndian.PutUint64(b, seq)
	binary.BigEndian.PutUint64(b[8:], uint64(sent.UnixNano()))
	for i := 16; i < tcpRecord; i++ {
		b[i] = byte(seq*7 + uint64(i))
	}
	return b
}

type tcpSample struct {
	sent time.Time
	rtt  time.Duration
}

// TestTCPFaultReachesStream sends a record every 5 ms on an echo
// connection while a latency fault starts, changes intensity and stops,
// and checks each record's round trip against the phase it was sent in.
// Every record must come back, in order and unchanged, on the same
// connection.
func TestTCPFaultReachesStream(t *testing.T) {
	srv := newTCPServer(t, tcpEcho)
	p := newTCPProxy(t, srv.Addr())
	c := tcpDial(t, p.Addr())
	c.SetDeadline(time.Now().Add(30 * time.Second))

	stop := make(chan struct{})
	sent := make(chan uint64, 1)
	go func() {
		var seq uint64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		defer func() { c.CloseWrite(); sent <- seq }()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := c.Write(tcpMakeRecord(seq, time.Now())); err != nil {
				return
			}
			seq++
		}
	}()
	type result struct {
		samples []tcpSample
		err     error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		b := make([]byte, tcpRecord)
		for seq := uint64(0); ; seq++ {
			if _, err := io.ReadFull(c, b); err != nil {
				if err != io.EOF {
					r.err = fmt.Errorf("record %d: %w", seq, err)
				}
				break
			}
			sentAt := time.Unix(0, int64(binary.BigEndian.Uint64(b[8:])))
			if want := tcpMakeRecord(seq, sentAt); !bytes.Equal(b, want) {
				r.err = fmt.Errorf("record %d: got % x, want % x", seq, b, want)
				break
			}
			r.samples = append(r.samples, tcpSample{sentAt, time.Since(sentAt)})
		}
		done <- r
	}()

	const latency, pickup = 100 * time.Millisecond, 500 * time.Millisecond
	h := inject.NewTCPFault(p, inject.TCPFault{Kind: inject.TCPLatency, Latency: latency})
	time.Sleep(300 * time.Millisecond)
	t1 := time.Now()
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(800 * time.Millisecond)
	t2 := time.Now()
	if err := h.Update(context.Background(), 0.5); err != nil {
		t.Fatal(err)
	}
	time.Sleep(800 * time.Millisecond)
	t3 := time.Now()
	if err := h.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(800 * time.Millisecond)
	if n := p.Conns(); n != 1 {
		t.Errorf("%d connections, want the one", n)
	}
	close(stop)
	n := <-sent
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if uint64(len(r.samples)) != n {
		t.Fatalf("got %d records back, sent %d", len(r.samples), n)
	}

	// A change acts on the records in flight too, so each phase is checked
	// from pickup after its start to one latency before the next change.
	// Every record of a phase carries at least its latency; the median
	// carries about that much, with room for a busy machine.
	phases := []struct {
		name     string
		from, to time.Time
		lo, med  time.Duration // each at least lo, the median at most med
		rtts     []time.Duration
	}{
		{"on", t1.Add(pickup), t2.Add(-latency), latency * 19 / 20, latency + 25*time.Millisecond, nil},
		{"at 0.5", t2.Add(pickup), t3.Add(-latency / 2), latency / 2 * 19 / 20, latency/2 + 25*time.Millisecond, nil},
		{"stopped", t3.Add(pickup), time.Now(), 0, 25 * time.Millisecond, nil},
	}
	var picked time.Duration = -1
	for _, s := range r.samples {
		if picked < 0 && !s.sent.Before(t1) && s.rtt >= latency*19/20 {
			picked = s.sent.Sub(t1)
		}
		for i := range phases {
			ph := &phases[i]
			if s.sent.Before(ph.from) || !s.sent.Before(ph.to) {
				continue
			}
			ph.rtts = append(ph.rtts, s.rtt)
			if s.rtt < ph.lo {
				t.Errorf("%s: record sent %v after the start: round trip %v, want at least %v",
					ph.name, s.sent.Sub(t1).Round(time.Millisecond), s.rtt, ph.lo)
			}
		}
	}
	for _, ph := range phases {
		if len(ph.rtts) < 10 {
			t.Errorf("%s: %d records", ph.name, len(ph.rtts))
			continue
		}
		slices.Sort(ph.rtts)
		if med := ph.rtts[len(ph.rtts)/2]; med > ph.med {
			t.Errorf("%s: median round trip %v, want at most %v", ph.name, med, ph.med)
		}
	}
	t.Logf("%d records; the first delayed one was sent %v after Start", n, picked)
	if picked < 0 || picked > pickup {
		t.Errorf("the fault reached the connection after %v, want within %v", picked, pickup)
	}
}

// TestTCPFaultCycles streams data both ways through an echo server while
// faults start, change intensity, go to 0 and stop, alone and together,
// and compares what comes back byte for byte.
func TestTCPFaultCycles(t *testing.T) {
	srv := newTCPServer(t, tcpEcho)
	p := newTCPProxy(t, srv.Addr())
	c := tcpDial(t, p.Addr())
	c.SetDeadline(time.Now().Add(60 * time.Second))
	var seed [32]byte
	copy(seed[:], "gameday tcp fault cycles")

	stop := make(chan struct{})
	sent := make(chan int64, 1)
	go func() {
		var total int64
		defer func() { c.CloseWrite(); sent <- total }()
		gen := rand.NewChaCha8(seed)
		buf := make([]byte, 24<<10)
		for {
			select {
			case <-stop:
				return
			default:
			}
			gen.Read(buf)
			n, err := c.Write(buf)
			total += int64(n)
			if err != nil {
				return
			}
			time.Sleep(500 * time.Microsecond)
		}
	}()
	done := make(chan error, 1)
	var received int64
	go func() {
		gen := rand.NewChaCha8(seed)
		buf, want := make([]byte, 64<<10), make([]byte, 64<<10)
		for {
			n, err := c.Read(buf)
			gen.Read(want[:n])
			if !bytes.Equal(buf[:n], want[:n]) {
				done <- fmt.Errorf("bytes %d..%d differ", received, received+int64(n))
				return
			}
			received += int64(n)
			if err != nil {
				if err == io.EOF {
					err = nil
				}
				done <- err
				return
			}
		}
	}()

	both := func(f inject.TCPFault) inject.TCPFault { f.Direction = inject.Both; return f }
	faults := []inject.TCPFault{
		both(inject.TCPFault{Kind: inject.TCPLatency, Latency: 2 * time.Millisecond, Jitter: time.Millisecond}),
		both(inject.TCPFault{Kind: inject.TCPBandwidth, Rate: 100 << 20}),
		both(inject.TCPFault{Kind: inject.TCPSlicing, SliceSize: 1500, SliceVariation: 500}),
		{Kind: inject.TCPLatency, Direction: inject.Upstream},
		both(inject.TCPFault{Kind: inject.TCPSlowClose, Delay: time.Second}),
		both(inject.TCPFault{Kind: inject.TCPDataLimit, Bytes: 1 << 40}),
		both(inject.TCPFault{Kind: inject.TCPBlackhole}), // holds: nothing lost
	}
	step := func() { time.Sleep(40 * time.Millisecond) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	for _, f := range faults {
		h := inject.NewTCPFault(p, f)
		must(h.Start(ctx))
		step()
		must(h.Update(context.Background(), 0.3))
		step()
		must(h.Update(context.Background(), 0))
		step()
		must(h.Update(context.Background(), 1))
		step()
		must(h.Stop(ctx))
		step()
	}
	a, b := inject.NewTCPFault(p, faults[0]), inject.NewTCPFault(p, faults[2])
	must(a.Start(ctx))
	must(b.Start(ctx))
	step()
	must(a.Stop(ctx))
	step()
	must(b.Stop(ctx))
	step()
	if n := p.Conns(); n != 1 {
		t.Errorf("%d connections, want the one", n)
	}
	close(stop)
	total := <-sent
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if received != total {
		t.Fatalf("received %d bytes, sent %d", received, total)
	}
	t.Logf("%d MiB through %d fault cycles", total>>20, len(faults)+1)
}

// TestTCPUpdateLive changes a latency's intensity on one live connection
// and measures the round trip at each level.
func TestTCPUpdateLive(t *testing.T) {
	srv := newTCPServer(t, tcpEcho)
	p := newTCPProxy(t, srv.Addr())
	c := tcpDial(t, p.Addr())
	base := tcpMedianRoundTrip(t, c, 9)
	const latency = 40 * time.Millisecond
	h := startTCPFault(t, p, inject.TCPFault{Kind: inject.TCPLatency, Latency: latency})
	for _, intensity := range []float64{1, 0.25, 0, 0.5, 1} {
		if err := h.Update(context.Background(), intensity); err != nil {
			t.Fatal(err)
		}
		want := time.Duration(float64(latency) * intensity)
		added := tcpMedianRoundTrip(t, c, 7) - base
		if tol := max(4*time.Millisecond, want/10); added < want-tol || added > want+tol {
			t.Errorf("intensity %v: round trip %v above the baseline, want %v ± %v", intensity, added, want, tol)
		}
	}
	if n := p.Conns(); n != 1 {
		t.Errorf("%d connections, want the one", n)
	}
	tcpRoundTrip(t, c, []byte("still the same connection"))
}
