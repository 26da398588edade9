package probes_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/probes"
)

// pt is the point appended i-th in these tests: one a second, value i.
func pt(i int) probes.Point {
	return probes.Point{T: t0.Add(time.Duration(i) * time.Second), V: float64(i)}
}

// values returns the V of each point.
func values(ps []probes.Point) []float64 {
	var out []float64
	for _, p := range ps {
		out = append(out, p.V)
	}
	return out
}

func TestRingKeepsNewest(t *testing.T) {
	tests := []struct {
		name     string
		capacity int
		appended int
		want     []float64
	}{
		{"empty", 3, 0, nil},
		{"partly full", 3, 2, []float64{0, 1}},
		{"exactly full", 3, 3, []float64{0, 1, 2}},
		{"wrapped once", 3, 4, []float64{1, 2, 3}},
		{"wrapped many times", 3, 11, []float64{8, 9, 10}},
		{"capacity one", 1, 5, []float64{4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := probes.NewRing(tt.capacity)
			for i := range tt.appended {
				r.Append(pt(i))
			}
			if got := values(r.All()); !slices.Equal(got, tt.want) {
				t.Errorf("All() = %v, want %v", got, tt.want)
			}
			if r.Len() != len(tt.want) {
				t.Errorf("Len() = %d, want %d", r.Len(), len(tt.want))
			}
			last, ok := r.Last()
			if ok != (len(tt.want) > 0) {
				t.Fatalf("Last() ok = %v with %d points", ok, len(tt.want))
			}
			if ok && last != pt(tt.appended-1) {
				t.Errorf("Last() = %v, want %v", last, pt(tt.appended-1))
			}
		})
	}
}

func TestRingSince(t *testing.T) {
	r := probes.NewRing(5)
	for i := range 8 { // holds points 3..7
		r.Append(pt(i))
	}
	tests := []struct {
		name  string
		since time.Time
		want  []float64
	}{
		{"before all", t0, []float64{3, 4, 5, 6, 7}},
		{"exactly the oldest", pt(3).T, []float64{3, 4, 5, 6, 7}},
		{"exactly a middle point is included", pt(5).T, []float64{5, 6, 7}},
		{"between points", pt(5).T.Add(time.Millisecond), []float64{6, 7}},
		{"exactly the newest", pt(7).T, []float64{7}},
		{"after all", pt(7).T.Add(time.Nanosecond), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := values(r.Since(tt.since)); !slices.Equal(got, tt.want) {
				t.Errorf("Since(%v) = %v, want %v", tt.since.Sub(t0), got, tt.want)
			}
		})
	}
}

func TestRingCopiesAreIndependent(t *testing.T) {
	r := probes.NewRing(3)
	for i := range 3 {
		r.Append(pt(i))
	}
	all, since := r.All(), r.Since(t0)
	all[0].V, since[1].V = -1, -1
	r.Append(pt(3)) // overwrites the slot that held point 0
	if got := values(r.All()); !slices.Equal(got, []float64{1, 2, 3}) {
		t.Errorf("after editing copies, All() = %v", got)
	}
	if all[1].V != 1 || all[2].V != 2 {
		t.Errorf("an Append changed an earlier copy: %v", values(all))
	}
}

func TestNewRingPanicsOnNoCapacity(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewRing(0) did not panic")
		}
	}()
	probes.NewRing(0)
}

func TestStore(t *testing.T) {
	s := probes.NewStore(3)
	for i := range 5 {
		s.Append("latency", pt(i))
		if i%2 == 0 {
			s.Append("errors", pt(i))
		}
	}
	s.Append("a-first", pt(9))

	if got, want := s.Names(), []string{"a-first", "errors", "latency"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	names := s.Names()
	names[0] = "changed"
	if s.Names()[0] != "a-first" {
		t.Error("editing the result of Names changed the store")
	}

	tests := []struct {
		name   string
		series string
		since  time.Time
		want   []float64
	}{
		{"wrapped series keeps capacity", "latency", t0, []float64{2, 3, 4}},
		{"window boundary included", "latency", pt(3).T, []float64{3, 4}},
		{"other series is separate", "errors", t0, []float64{0, 2, 4}},
		{"window after all", "errors", pt(5).T, nil},
		{"unknown series", "nope", t0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := values(s.Window(tt.series, tt.since)); !slices.Equal(got, tt.want) {
				t.Errorf("Window(%q, %v) = %v, want %v", tt.series, tt.since.Sub(t0), got, tt.want)
			}
		})
	}

	if p, ok := s.Last("latency"); !ok || p != pt(4) {
		t.Errorf("Last(latency) = %v, %v; want %v, true", p, ok, pt(4))
	}
	if _, ok := s.Last("nope"); ok {
		t.Error("Last of an unknown series reported a point")
	}
	w := s.Window("latency", t0)
	w[0].V = -1
	if got := values(s.Window("latency", t0)); got[0] != 2 {
		t.Errorf("editing a Window copy changed the store: %v", got)
	}
}
