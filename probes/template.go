package probes

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
	"time"
)

// Body templates make each request of a load carry its own body
// (LoadConfig.BodyTemplate). A template is Go's text/template, parsed once;
// each request executes it into a pooled buffer and sends a copy of the
// result. What it can use:
//
//	{{.N}}              the request's number: 1 for the first body, then 2, 3...
//	{{.Now}}            the time the body is made, RFC 3339 in UTC
//	{{rand MIN MAX}}    a random integer from MIN to MAX, both included
//	{{randString N}}    N random letters (a-z, A-Z)
//	{{uuid}}            a random (version 4) UUID
//	{{pick "a" "b" "c"}} one of its arguments, at random
//
// For example `{"order":{{.N}},"sku":"{{pick "gd-1" "gd-2"}}","qty":{{rand 1 5}}}`.
// Values are written as they are: a template that makes JSON quotes its
// strings itself.

// maxRandString is the longest string randString makes.
const maxRandString = 1 << 20

// maxPooledBody is the largest buffer kept for reuse; a bigger one (a
// template that printed a lot once) goes to the garbage collector.
const maxPooledBody = 64 << 10

// bodyFuncs are the functions a body template can call.
var bodyFuncs = template.FuncMap{
	"rand":       randBetween,
	"randString": randString,
	"uuid":       uuidV4,
	"pick":       pick,
}

// CheckBodyTemplate reports whether src is a valid body template: it
// parses, and executing it once (as request 1) fails on nothing. The error
// says where and what, as text/template does.
func CheckBodyTemplate(src string) error {
	_, err := newBodyTemplate(src)
	return err
}

// bodyTemplate is a parsed body template with its request counter. It is
// safe for concurrent use.
type bodyTemplate struct {
	tmpl *template.Template
	n    atomic.Int64 // bodies made so far
	bufs sync.Pool    // of *bytes.Buffer
}

func newBodyTemplate(src string) (*bodyTemplate, error) {
	tmpl, err := template.New("body").Funcs(bodyFuncs).Parse(src)
	if err != nil {
		return nil, fmt.Errorf("body template: %w", err)
	}
	// A trial run catches what parsing cannot: a function given the wrong
	// number or type of arguments, a field that does not exist.
	if err := tmpl.Execute(io.Discard, bodyData{n: 1}); err != nil {
		return nil, fmt.Errorf("body template: %w", err)
	}
	return &bodyTemplate{tmpl: tmpl, bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }}}, nil
}

// loadBodyTemplate returns cfg's body template, nil when it has none.
func loadBodyTemplate(cfg LoadConfig) (*bodyTemplate, error) {
	if cfg.BodyTemplate == "" {
		return nil, nil
	}
	if len(cfg.Body) > 0 {
		return nil, errors.New("both a body and a body template: give one or the other")
	}
	return newBodyTemplate(cfg.BodyTemplate)
}

// render makes the next request's body. The result is the caller's: the
// transport may read it after the request returns, so it is a copy, not
// the pooled buffer.
func (b *bodyTemplate) render() ([]byte, error) {
	buf := b.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	err := b.tmpl.Execute(buf, bodyData{n: b.n.Add(1)})
	var body []byte
	if err == nil {
		body = bytes.Clone(buf.Bytes())
	}
	if buf.Cap() <= maxPooledBody {
		b.bufs.Put(buf)
	}
	if err != nil {
		return nil, fmt.Errorf("body template: %w", err)
	}
	return body, nil
}

// bodyData is dot in a body template. Its fields are methods, so a
// template pays only for what it uses (formatting the time costs more than
// all the rest).
type bodyData struct{ n int64 }

// N returns the request's number, from 1.
func (d bodyData) N() int64 { return d.n }

// Now returns the current time in RFC 3339, UTC.
func (d bodyData) Now() string { return time.Now().UTC().Format(time.RFC3339) }

func randBetween(lo, hi int64) (int64, error) {
	if lo > hi {
		return 0, fmt.Errorf("rand %d %d: want MIN <= MAX", lo, hi)
	}
	span := uint64(hi - lo) // hi-lo wraps into the right uint64 even when it overflows int64
	if span == ^uint64(0) {
		return int64(rand.Uint64()), nil
	}
	return lo + int64(rand.Uint64N(span+1)), nil
}

const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

func randString(n int) (string, error) {
	if n < 0 || n > maxRandString {
		return "", fmt.Errorf("randString %d: want a length from 0 to %d", n, maxRandString)
	}
	var sb strings.Builder
	sb.Grow(n)
	for n > 0 {
		// One random number gives ten letters (52^10 < 2^64).
		r := rand.Uint64()
		for i := 0; i < 10 && n > 0; i++ {
			sb.WriteByte(letters[r%uint64(len(letters))])
			r /= uint64(len(letters))
			n--
		}
	}
	return sb.String(), nil
}

// uuidV4 returns a random UUID (RFC 9562 version 4) in its usual form.
func uuidV4() string {
	var u [16]byte
	hi, lo := rand.Uint64(), rand.Uint64()
	for i := range 8 {
		u[i], u[8+i] = byte(hi>>(56-8*i)), byte(lo>>(56-8*i))
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // variant 10
	const hex = "0123456789abcdef"
	var out [36]byte
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hex[c>>4], hex[c&0x0f]
		j += 2
	}
	return string(out[:])
}

func pick(choices ...any) (any, error) {
	if len(choices) == 0 {
		return nil, errors.New("pick: want at least one choice")
	}
	return choices[rand.IntN(len(choices))], nil
}
