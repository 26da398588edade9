package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// rawTransport is a minimal HTTP/1.1 keep-alive client, for the benchmark
// only (-transport raw): it shows what gameday's Load would cost without
// net/http's Transport, everything else in the Load unchanged (its pacer,
// a goroutine per hit, a context per request, its histograms). It writes
// the request and reads the response on the caller's goroutine, on a
// connection from a pool, so a request costs one write and one read
// system call and no hand-off to the Transport's reader and writer
// goroutines. It understands only what the benchmark's server answers: a
// status line, headers and a Content-Length body.
type rawTransport struct {
	idle chan *rawConn
}

func newRawTransport(maxIdle int) *rawTransport {
	return &rawTransport{idle: make(chan *rawConn, maxIdle)}
}

type rawConn struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

func (t *rawTransport) get(addr string) (*rawConn, error) {
	select {
	case c := <-t.idle:
		return c, nil
	default:
	}
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &rawConn{c: c, r: bufio.NewReaderSize(c, 4096), w: bufio.NewWriterSize(c, 4096)}, nil
}

// closeIdle closes the pooled connections.
func (t *rawTransport) closeIdle() {
	for {
		select {
		case c := <-t.idle:
			c.c.Close()
		default:
			return
		}
	}
}

func (t *rawTransport) put(c *rawConn) {
	select {
	case t.idle <- c:
	default:
		c.c.Close()
	}
}

var errRawResponse = errors.New("raw transport: a response it does not understand")

// RoundTrip implements http.RoundTripper.
func (t *rawTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	c, err := t.get(req.URL.Host)
	if err != nil {
		return nil, err
	}
	if dl, ok := req.Context().Deadline(); ok {
		_ = c.c.SetDeadline(dl)
	}
	w := c.w
	w.WriteString(req.Method)
	w.WriteByte(' ')
	w.WriteString(req.URL.RequestURI())
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(req.URL.Host)
	w.WriteString("\r\nUser-Agent: loadbench\r\n")
	for k, vs := range req.Header {
		for _, v := range vs {
			w.WriteString(k)
			w.WriteString(": ")
			w.WriteString(v)
			w.WriteString("\r\n")
		}
	}
	if req.Body != nil && req.ContentLength > 0 {
		w.WriteString("Content-Length: ")
		w.WriteString(strconv.FormatInt(req.ContentLength, 10))
		w.WriteString("\r\n\r\n")
		if _, err := io.Copy(w, req.Body); err != nil {
			c.c.Close()
			return nil, err
		}
	} else {
		w.WriteString("\r\n")
	}
	if err := w.Flush(); err != nil {
		c.c.Close()
		return nil, err
	}
	resp, err := readRawResponse(c)
	if err != nil {
		c.c.Close()
		return nil, err
	}
	resp.Request = req
	resp.Body = &rawBody{t: t, c: c, left: resp.ContentLength}
	return resp, nil
}

// readRawResponse reads a status line and headers, keeping only the
// status and the Content-Length.
func readRawResponse(c *rawConn) (*http.Response, error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return nil, errRawResponse
	}
	code, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return nil, errRawResponse
	}
	resp := &http.Response{StatusCode: code, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, ContentLength: -1}
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		if len(line) <= 2 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && len(k) == len("Content-Length") && bytes.EqualFold(k, []byte("Content-Length")) {
			if resp.ContentLength, err = strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64); err != nil {
				return nil, errRawResponse
			}
		}
	}
	if resp.ContentLength < 0 {
		return nil, fmt.Errorf("%w: no Content-Length", errRawResponse)
	}
	return resp, nil
}

// rawBody is a response body; once read to its end and closed, its
// connection goes back to the pool.
type rawBody struct {
	t    *rawTransport
	c    *rawConn
	left int64
	done bool
}

func (b *rawBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.c.r.Read(p)
	b.left -= int64(n)
	if err == io.EOF && b.left > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *rawBody) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	if b.left == 0 {
		b.t.put(b.c)
	} else {
		b.c.c.Close()
	}
	return nil
}
