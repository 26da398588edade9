package journal

import (
	"strconv"
	"unicode/utf8"

	"github.com/gameday-dev/gameday/experiments/assume"
)

// Samples are most of a journal, and encoding/json spends most of a
// report's time on their maps. fastSample decodes a sample line as the
// Writer writes it: the known fields once each, strings without escapes,
// numbers, no nulls. Anything else it leaves to encoding/json (it returns
// false), so what it accepts it decodes exactly as encoding/json would;
// FuzzFastSample holds it to that.

// fastSample decodes line b into the reused sample.
func (r *Reader) fastSample(b []byte) bool {
	r.resetSample()
	s := &r.smp
	sc := scanner{b: b}
	var seen [6]bool
	ok := sc.object(func(key []byte) bool {
		var f int
		switch string(key) {
		case "type":
			v, ok := sc.str()
			if !ok || string(v) != "sample" {
				return false
			}
			s.Type = "sample"
		case "t":
			f = 1
			sc.ws()
			start := sc.i
			if _, ok := sc.str(); !ok {
				return false
			}
			if s.T.UnmarshalJSON(b[start:sc.i]) != nil {
				return false
			}
		case "series":
			f = 2
			if !sc.numbers(s.Series, r.name) {
				return false
			}
		case "active":
			f = 3
			if !sc.numbers(s.Active, r.name) {
				return false
			}
		case "loads":
			f = 4
			if !sc.numbers(s.Loads, r.name) {
				return false
			}
		case "assumptions":
			f = 5
			if !sc.object(func(name []byte) bool {
				c, ok := r.check(&sc)
				if ok {
					s.Assumptions[r.name(name)] = c
				}
				return ok
			}) {
				return false
			}
		default:
			return false
		}
		if seen[f] {
			return false // encoding/json would merge a repeated map
		}
		seen[f] = true
		return true
	})
	if !ok {
		r.resetSample()
		return false
	}
	sc.ws()
	if sc.i != len(b) || !seen[0] {
		r.resetSample()
		return false
	}
	return true
}

// check decodes an assumption's state: {"status":"holding","value":1.5}.
func (r *Reader) check(sc *scanner) (SampleCheck, bool) {
	var c SampleCheck
	ok := sc.object(func(key []byte) bool {
		switch string(key) {
		case "status":
			v, ok := sc.str()
			c.Status = assume.Status(r.name(v))
			return ok
		case "value":
			v, ok := sc.number()
			if ok {
				c.Value = r.value(v)
			}
			return ok
		}
		return false
	})
	return c, ok
}

// name returns the string of a name, the same one each time it comes
// back (up to maxInterned names), so that samples do not allocate them.
func (r *Reader) name(b []byte) string {
	if s, ok := r.intern[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(r.intern) < maxInterned {
		r.intern[s] = s
	}
	return s
}

// value stores v in the sample's slabs of values, reused from one sample
// to the next.
func (r *Reader) value(v float64) *float64 {
	if len(r.values) == 0 || len(r.values[len(r.values)-1]) == cap(r.values[len(r.values)-1]) {
		size := 64
		if n := len(r.values); n > 0 {
			size = 2 * cap(r.values[n-1])
		}
		r.values = append(r.values, make([]float64, 0, size))
	}
	slab := &r.values[len(r.values)-1]
	*slab = append(*slab, v)
	return &(*slab)[len(*slab)-1]
}

// scanner reads the JSON of one line, strictly.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next skips space and takes byte c.
func (s *scanner) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// object reads {"key": value, ...}, calling member for each key with the
// scanner at its value.
func (s *scanner) object(member func(key []byte) bool) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	for {
		key, ok := s.str()
		if !ok || !s.next(':') || !member(key) {
			return false
		}
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// numbers reads an object of numbers into m.
func (s *scanner) numbers(m map[string]float64, name func([]byte) string) bool {
	return s.object(func(key []byte) bool {
		v, ok := s.number()
		if ok {
			m[name(key)] = v
		}
		return ok
	})
}

// str reads a string without escapes, control characters or invalid
// UTF-8 (encoding/json takes those; fastSample leaves them to it).
func (s *scanner) str() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	start, ascii := s.i, true
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			v := s.b[start:s.i]
			s.i++
			return v, ascii || utf8.Valid(v)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
		s.i++
	}
	return nil, false
}

// number reads a number of JSON's grammar that a float64 holds.
func (s *scanner) number() (float64, bool) {
	s.ws()
	b, start := s.b, s.i
	i := s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return 0, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return 0, false
		}
	}
	v, err := strconv.ParseFloat(string(b[start:i]), 64)
	if err != nil {
		return 0, false
	}
	s.i = i
	return v, true
}
