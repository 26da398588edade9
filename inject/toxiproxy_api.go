package inject

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// toxiRequestTimeout bounds every request to a Toxiproxy server, also
// under a ctx with a later deadline (or none).
const toxiRequestTimeout = 30 * time.Second

// toxiHTTP makes every request to Toxiproxy servers. It has no timeout of
// its own: each request's ctx bounds it (see toxiAPI.do).
var toxiHTTP = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}

// toxiAPI is the little of Toxiproxy's HTTP API that gameday uses, every
// request under a context (Toxiproxy's own client takes none):
//
//	POST   /proxies/{proxy}/toxics           create a toxic
//	POST   /proxies/{proxy}/toxics/{toxic}   change its attributes
//	DELETE /proxies/{proxy}/toxics/{toxic}   delete it
//	GET    /proxies                          the proxies, for error messages
type toxiAPI struct{ server string }

// toxiAnswer is an answer other than 2xx: the server's own error text.
type toxiAnswer struct {
	Status  int
	Message string
}

func (e *toxiAnswer) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message) }

// toxicBody is a toxic as the API takes it.
type toxicBody struct {
	Name       string           `json:"name,omitempty"`
	Type       string           `json:"type,omitempty"`
	Stream     string           `json:"stream,omitempty"`
	Toxicity   float64          `json:"toxicity,omitempty"`
	Attributes map[string]int64 `json:"attributes"`
}

func (a toxiAPI) create(ctx context.Context, proxy string, t toxicBody) error {
	_, err := a.do(ctx, http.MethodPost, "/proxies/"+proxy+"/toxics", t)
	return err
}

func (a toxiAPI) update(ctx context.Context, proxy, name string, attrs map[string]int64) error {
	_, err := a.do(ctx, http.MethodPost, "/proxies/"+proxy+"/toxics/"+name, toxicBody{Attributes: attrs})
	return err
}

func (a toxiAPI) remove(ctx context.Context, proxy, name string) error {
	_, err := a.do(ctx, http.MethodDelete, "/proxies/"+proxy+"/toxics/"+name, nil)
	return err
}

// proxies returns the names of the server's proxies, sorted.
func (a toxiAPI) proxies(ctx context.Context) ([]string, error) {
	b, err := a.do(ctx, http.MethodGet, "/proxies", nil)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(m)), nil
}

// do sends one request and returns the answer's body, or a *toxiAnswer
// for an answer other than 2xx. ctx bounds it, and toxiRequestTimeout.
func (a toxiAPI) do(ctx context.Context, method, path string, body any) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, toxiRequestTimeout)
	defer cancel()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.server+path, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "gameday")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := toxiHTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 == 2 {
		return b, nil
	}
	ans := &toxiAnswer{Status: resp.StatusCode}
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil && e.Error != "" {
		ans.Message = e.Error
	} else {
		ans.Message = strings.TrimSpace(string(b))
	}
	return nil, ans
}

// notSent reports whether err says the request never reached the server
// (it could not connect), so that it did nothing there.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// answered reports whether the server answered the request (with an
// error): it did not do it.
func answered(err error) bool {
	var ans *toxiAnswer
	return errors.As(err, &ans)
}

// deleteToxic deletes the toxic; gone reports that it was not there (nor,
// perhaps, its proxy). ctx bounds it. Its errors name the toxic.
func deleteToxic(ctx context.Context, ref ToxicRef) (gone bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("%s: not deleted: %w", ref, err)
	}
	a := toxiAPI{server: ref.Server}
	err = a.remove(ctx, ref.Proxy, ref.Name)
	var ans *toxiAnswer
	if errors.As(err, &ans) && ans.Status == http.StatusNotFound { // toxic or proxy not found
		return true, nil
	}
	if err != nil {
		return false, toxicError(ctx, ref, "delete", err)
	}
	return false, nil
}

// toxicError says what went wrong with op ("create", "update", "delete")
// on ref, in words an operator can act on.
func toxicError(ctx context.Context, ref ToxicRef, op string, err error) error {
	var ans *toxiAnswer
	if !errors.As(err, &ans) {
		switch {
		case notSent(err):
			var uerr *url.Error
			if errors.As(err, &uerr) {
				err = uerr.Err
			}
			return fmt.Errorf("%s: cannot reach the Toxiproxy server (is it running, and is %s its API address?): %w", ref, ref.Server, err)
		case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
			msg, cause := fmt.Sprintf("%s: the Toxiproxy server at %s did not answer the %s in time", ref, ref.Server, op), context.DeadlineExceeded
			if !errors.Is(err, context.DeadlineExceeded) {
				msg, cause = fmt.Sprintf("%s: the %s was cancelled before the Toxiproxy server at %s answered", ref, op, ref.Server), context.Canceled
			}
			switch op {
			case "create":
				msg += "; the toxic may exist all the same: a Stop, or `gameday recover`, deletes it"
			case "delete":
				msg += "; the toxic may still be on: halt again, or run `gameday recover`"
			}
			return fmt.Errorf("%s: %w", msg, cause)
		}
		return fmt.Errorf("%s: the server did not answer as a Toxiproxy server does: %w", ref, err)
	}
	switch {
	case ans.Status == http.StatusNotFound && strings.Contains(ans.Message, "proxy"):
		return fmt.Errorf("%s: the server has no proxy %q%s", ref, ref.Proxy, proxyList(ctx, ref.Server))
	case ans.Status == http.StatusNotFound:
		return fmt.Errorf("%s: the toxic is gone (deleted by someone else?)", ref)
	case ans.Status == http.StatusConflict:
		return fmt.Errorf("%s: the toxic exists already, left by a gameday that died or put by someone else; "+
			"run `gameday recover` to delete what gameday left, or delete it yourself: curl -X DELETE %s/proxies/%s/toxics/%s",
			ref, ref.Server, ref.Proxy, ref.Name)
	}
	return fmt.Errorf("%s: the Toxiproxy server answered %d: %s", ref, ans.Status, ans.Message)
}

// proxyList returns " (its proxies: a, b)" to end an error, or "" if the
// server does not say within ctx (and a second).
func proxyList(ctx context.Context, server string) string {
	if ctx.Err() != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	ps, err := toxiAPI{server: server}.proxies(ctx)
	if err != nil {
		return ""
	}
	if len(ps) == 0 {
		return " (it has no proxies)"
	}
	return " (its proxies: " + strings.Join(ps, ", ") + ")"
}
