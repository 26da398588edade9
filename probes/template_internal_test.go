package probes

import (
	"math"
	"strconv"
	"sync"
	"testing"
)

// TestBodyTemplateConcurrent renders from many goroutines at once, as the
// load's hits do: every number from 1 to n comes out exactly once.
func TestBodyTemplateConcurrent(t *testing.T) {
	b, err := newBodyTemplate(`{{.N}}`)
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 500
	seen := make([]bool, workers*each+1)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				body, err := b.render()
				if err != nil {
					t.Error(err)
					return
				}
				n, err := strconv.Atoi(string(body))
				mu.Lock()
				if err != nil || n < 1 || n >= len(seen) || seen[n] {
					t.Errorf("body %q: not a new number from 1 to %d", body, len(seen)-1)
				} else {
					seen[n] = true
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestBodyTemplateBodiesAreOwned: a body stays as it was when later bodies
// reuse the pooled buffer.
func TestBodyTemplateBodiesAreOwned(t *testing.T) {
	b, err := newBodyTemplate(`body {{.N}}`)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := b.render()
	for range 10 {
		_, _ = b.render()
	}
	if string(first) != "body 1" {
		t.Fatalf("the first body became %q", first)
	}
}

func TestRandBetween(t *testing.T) {
	for _, tc := range []struct{ lo, hi int64 }{{0, 0}, {-1, 1}, {5, 6}, {math.MinInt64, math.MaxInt64}, {math.MaxInt64 - 1, math.MaxInt64}} {
		seen := map[int64]bool{}
		for range 200 {
			v, err := randBetween(tc.lo, tc.hi)
			if err != nil || v < tc.lo || v > tc.hi {
				t.Fatalf("rand %d %d = %d, %v", tc.lo, tc.hi, v, err)
			}
			seen[v] = true
		}
		if span := uint64(tc.hi - tc.lo); span < 3 && len(seen) != int(span)+1 {
			t.Errorf("rand %d %d gave only %v; want every value", tc.lo, tc.hi, seen)
		}
	}
}

// BenchmarkBodyTemplate: what a templated body costs per request.
func BenchmarkBodyTemplate(b *testing.B) {
	for _, tc := range []struct{ name, src string }{
		{"counter", `{"order":{{.N}}}`},
		{"everything", `{"order":{{.N}},"qty":{{rand 1 5}},"sku":"{{pick "gd-1" "gd-2"}}","id":"{{uuid}}","tag":"{{randString 8}}","at":"{{.Now}}"}`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			t, err := newBodyTemplate(tc.src)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := t.render(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
