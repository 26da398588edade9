package probes

import (
	"slices"
	"sort"
	"time"
)

// Point is one per-interval sample of a series.
type Point struct {
	T time.Time
	V float64
}

// Ring is a fixed-capacity ring of points, oldest first: once full, each
// Append overwrites the oldest point. Points are expected in time order (T
// not decreasing), as a session appends them once per interval; Since relies
// on it. Not safe for concurrent use.
type Ring struct {
	buf   []Point
	start int // index of the oldest point
	n     int // number of points held
}

// NewRing returns an empty ring that holds at most capacity points. It
// panics if capacity is less than 1.
func NewRing(capacity int) *Ring {
	if capacity < 1 {
		panic("probes: ring capacity must be at least 1")
	}
	return &Ring{buf: make([]Point, capacity)}
}

// Append adds p as the newest point, dropping the oldest one when the ring
// is full.
func (r *Ring) Append(p Point) {
	if r.n < len(r.buf) {
		r.buf[(r.start+r.n)%len(r.buf)] = p
		r.n++
		return
	}
	r.buf[r.start] = p
	r.start = (r.start + 1) % len(r.buf)
}

// Len returns the number of points held.
func (r *Ring) Len() int { return r.n }

// Cap returns the capacity the ring was made with.
func (r *Ring) Cap() int { return len(r.buf) }

// Last returns the newest point, and false when the ring is empty.
func (r *Ring) Last() (Point, bool) {
	if r.n == 0 {
		return Point{}, false
	}
	return r.at(r.n - 1), true
}

// Since returns a copy of the points with T at or after t (T >= t), oldest
// first; nil when there are none.
func (r *Ring) Since(t time.Time) []Point {
	// First logical index whose time is not before t.
	i := sort.Search(r.n, func(i int) bool { return !r.at(i).T.Before(t) })
	return r.copyFrom(i)
}

// All returns a copy of every point held, oldest first; nil when empty.
func (r *Ring) All() []Point { return r.copyFrom(0) }

// at returns the i-th point in logical order (0 is the oldest).
func (r *Ring) at(i int) Point { return r.buf[(r.start+i)%len(r.buf)] }

// copyFrom copies the logical points [i, n) into a new slice.
func (r *Ring) copyFrom(i int) []Point {
	if i >= r.n {
		return nil
	}
	out := make([]Point, 0, r.n-i)
	// The logical range is at most two contiguous runs of buf.
	first := (r.start + i) % len(r.buf)
	count := r.n - i
	end := min(first+count, len(r.buf))
	out = append(out, r.buf[first:end]...)
	return append(out, r.buf[:count-(end-first)]...)
}

// Store keeps one Ring per series name, all of the same capacity, so memory
// does not grow with the length of a game day. A series is created by its
// first Append. Not safe for concurrent use (the session goroutine owns it).
type Store struct {
	capacity int
	rings    map[string]*Ring
	names    []string // sorted
}

// NewStore returns an empty store whose rings hold capacity points each. It
// panics if capacity is less than 1.
func NewStore(capacity int) *Store {
	if capacity < 1 {
		panic("probes: store capacity must be at least 1")
	}
	return &Store{capacity: capacity, rings: make(map[string]*Ring)}
}

// Append adds p to the series name, creating the series if needed.
func (s *Store) Append(name string, p Point) {
	r, ok := s.rings[name]
	if !ok {
		r = NewRing(s.capacity)
		s.rings[name] = r
		i, _ := slices.BinarySearch(s.names, name)
		s.names = slices.Insert(s.names, i, name)
	}
	r.Append(p)
}

// Window returns a copy of the points of series name with T at or after
// since, oldest first; nil for an unknown series.
func (s *Store) Window(name string, since time.Time) []Point {
	r, ok := s.rings[name]
	if !ok {
		return nil
	}
	return r.Since(since)
}

// Last returns the newest point of series name, and false when the series
// is unknown or empty.
func (s *Store) Last(name string) (Point, bool) {
	r, ok := s.rings[name]
	if !ok {
		return Point{}, false
	}
	return r.Last()
}

// Names returns the names of the series, sorted. The slice is a copy.
func (s *Store) Names() []string { return slices.Clone(s.names) }
