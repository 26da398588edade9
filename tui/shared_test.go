package tui

import (
	"sync"
	"testing"
)

// TestSharedDrawsOnce: the seats of one size and look draw a chart once
// per snapshot; another size, look or snapshot draws again; a seat behind
// draws its own without disturbing the cache.
func TestSharedDrawsOnce(t *testing.T) {
	s := NewShared()
	draws := 0
	var mu sync.Mutex
	draw := func(tag string) func() []string {
		return func() []string { mu.Lock(); draws++; mu.Unlock(); return []string{tag} }
	}
	k := sharedKey{chart: 0, w: 100, h: 12, look: "1/true"}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() { defer wg.Done(); s.lines(7, k, draw("seq7")) }()
	}
	wg.Wait()
	if draws != 1 {
		t.Fatalf("20 seats of one size drew %d times, want once", draws)
	}
	other := k
	other.w = 80
	if got := s.lines(7, other, draw("narrow")); got[0] != "narrow" || draws != 2 {
		t.Fatalf("another size: %v after %d draws", got, draws)
	}
	if got := s.lines(8, k, draw("seq8")); got[0] != "seq8" || draws != 3 {
		t.Fatalf("a new snapshot: %v after %d draws", got, draws)
	}
	if got := s.lines(7, k, draw("late")); got[0] != "late" || draws != 4 {
		t.Fatalf("a seat behind: %v after %d draws", got, draws)
	}
	if got := s.lines(8, k, draw("again")); got[0] != "seq8" || draws != 4 {
		t.Fatalf("the newest snapshot after a late seat: %v after %d draws", got, draws)
	}
}
