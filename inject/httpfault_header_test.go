package inject_test

import (
	"net/http"
	"testing"

	"github.com/gameday-dev/gameday/inject"
)

func TestHTTPMatchHeader(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up)
	c := newClient(t)
	h := startFault(t, p, inject.HTTPFault{ErrorStatus: 503, ErrorProbability: 1,
		Header: http.Header{"x-tenant": {"beta", "gamma"}, "X-Canary": nil}})
	defer stop(t, h)
	cases := []struct {
		name   string
		header http.Header
		want   int
	}{
		{"both headers, a listed value", http.Header{"X-Tenant": {"gamma"}, "X-Canary": {"1"}}, 503},
		{"a value not listed", http.Header{"X-Tenant": {"alpha"}, "X-Canary": {"1"}}, 200},
		{"a header missing", http.Header{"X-Tenant": {"beta"}}, 200},
		{"no headers", nil, 200},
	}
	for _, tc := range cases {
		req, _ := http.NewRequest("GET", p.URL()+"/x", nil)
		for k, vs := range tc.header {
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
}
