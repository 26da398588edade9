package probes

import (
	"bytes"
	"context"
	"io"
	"net/http"
)

// requestTemplate is a request made once, its URL parsed and its method
// checked, and copied for each send: a load's hits and an HTTP probe's
// samples do not parse the same URL again every time.
type requestTemplate struct {
	req *http.Request // no context, no Body; ContentLength and GetBody of the fixed body
	// shareHeader: copies share req.Header rather than each getting their
	// own. Only for a client known to write no request's header: an
	// http.Client adds its Jar's cookies to the header of the request
	// it is given, and a RoundTripper must not change it.
	shareHeader bool
}

// newRequestTemplate makes the request. It keeps header (whose Host, if
// any, sets the request's Host) and body, which must not change after. The
// error is http.NewRequest's: a bad method, say.
func newRequestTemplate(method, rawURL string, header http.Header, body []byte, shareHeader bool) (*requestTemplate, error) {
	var r io.Reader
	if len(body) > 0 {
		r = bytes.NewReader(body) // NewRequest sets ContentLength and GetBody from it
	}
	req, err := http.NewRequest(method, rawURL, r)
	if err != nil {
		return nil, err
	}
	req.Body = nil // each copy gets its own from GetBody
	if header != nil {
		req.Header = header
		if h := req.Header.Get("Host"); h != "" {
			req.Host = h
		}
	}
	return &requestTemplate{req: req, shareHeader: shareHeader}, nil
}

// new returns a copy of the request for ctx, with the fixed body.
func (t *requestTemplate) new(ctx context.Context) *http.Request {
	req := t.copy(ctx)
	if req.GetBody != nil {
		req.Body, _ = req.GetBody() // a new reader over the fixed body; never fails
	}
	return req
}

// newWithBody returns a copy of the request for ctx, with body instead of
// the fixed one.
func (t *requestTemplate) newWithBody(ctx context.Context, body []byte) *http.Request {
	req := t.copy(ctx)
	req.ContentLength, req.GetBody = int64(len(body)), nil
	if len(body) > 0 {
		// A *bytes.Reader in io.NopCloser, as http.NewRequest makes it:
		// the transport sends a body it knows is in memory with the
		// headers, in one write.
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.Body, _ = req.GetBody()
	}
	return req
}

// copy returns a shallow copy of the request for ctx, with its own header
// unless copies share it.
func (t *requestTemplate) copy(ctx context.Context) *http.Request {
	req := t.req.WithContext(ctx)
	if !t.shareHeader {
		req.Header = req.Header.Clone()
	}
	return req
}
