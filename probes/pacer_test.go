package probes_test

import (
	"math"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/probes"
)

// dueTimes returns when hits 0..n-1 are due: elapsed plus the wait that
// Pace returns, asked at time zero.
func dueTimes(p probes.Pacer, n int) []time.Duration {
	var out []time.Duration
	for i := range n {
		wait, stop := p.Pace(0, uint64(i))
		if stop {
			break
		}
		out = append(out, wait)
	}
	return out
}

type rateChange struct {
	at   time.Duration
	rate float64
}

func TestRatePacerDueTimes(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name    string
		rate    float64
		changes []rateChange
		want    []time.Duration
	}{
		{
			name: "constant rate, hit 0 at once",
			rate: 10,
			want: []time.Duration{0, 100 * ms, 200 * ms, 300 * ms},
		},
		{
			name:    "doubling mid-way moves only later hits",
			rate:    10,
			changes: []rateChange{{250 * ms, 20}},
			// 2.5 hits due by 250 ms; hit 3 is 0.5 hit later at 20/s.
			want: []time.Duration{0, 100 * ms, 200 * ms, 275 * ms, 325 * ms, 375 * ms},
		},
		{
			name:    "a pause at zero rate, then resume",
			rate:    10,
			changes: []rateChange{{150 * ms, 0}, {1000 * ms, 10}},
			// 1.5 hits by 150 ms; hit 2 needs 0.5 more after resuming.
			want: []time.Duration{0, 100 * ms, 1050 * ms, 1150 * ms},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := probes.NewRatePacer(tt.rate)
			for _, c := range tt.changes {
				p.SetRate(c.at, c.rate)
			}
			got := dueTimes(p, len(tt.want))
			if len(got) != len(tt.want) {
				t.Fatalf("due times %v, want %v", got, tt.want)
			}
			for i := range got {
				if d := got[i] - tt.want[i]; d < -time.Microsecond || d > time.Microsecond {
					t.Errorf("hit %d due at %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestRatePacerZeroRateWaitsForever(t *testing.T) {
	p := probes.NewRatePacer(0)
	if wait, stop := p.Pace(0, 0); stop || wait < time.Hour {
		t.Errorf("Pace at rate 0 = %v, %v; want a very long wait", wait, stop)
	}
	p.SetRate(2*time.Second, 4)
	if wait, _ := p.Pace(2*time.Second, 0); wait != 0 {
		t.Errorf("after SetRate, hit 0 is due in %v, want at once", wait)
	}
}

func TestRatePacerHits(t *testing.T) {
	p := probes.NewRatePacer(100)
	p.SetRate(time.Second, 300)
	for _, tc := range []struct {
		at   time.Duration
		want float64
	}{{0, 0}, {500 * time.Millisecond, 50}, {time.Second, 100}, {2 * time.Second, 400}} {
		if got := p.Hits(tc.at); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("Hits(%v) = %v, want %v", tc.at, got, tc.want)
		}
	}
	if p.Rate() != 300 {
		t.Errorf("Rate() = %v, want 300", p.Rate())
	}
}

func TestPacerFunc(t *testing.T) {
	var p probes.Pacer = probes.PacerFunc(func(_ time.Duration, hits uint64) (time.Duration, bool) {
		return 0, hits >= 3
	})
	if got := len(dueTimes(p, 10)); got != 3 {
		t.Errorf("a PacerFunc that stops after 3 hits paced %d", got)
	}
}
