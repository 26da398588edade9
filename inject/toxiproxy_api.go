package inject

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
)

// deleteToxic deletes the toxic; gone reports that it was not there (nor,
// perhaps, its proxy). It stops waiting for the server when ctx ends. Its
// errors name the toxic.
func deleteToxic(ctx context.Context, ref ToxicRef) (gone bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("%s: not deleted: %w", ref, err)
	}
	c := toxiclient.NewClient(ref.Server)
	c.UserAgent = "gameday"
	p := c.NewProxy()
	p.Name = ref.Proxy
	done := make(chan error, 1)
	go func() { done <- p.RemoveToxic(ref.Name) }() // bounded by the client's timeout
	select {
	case err = <-done:
	case <-ctx.Done():
		return false, fmt.Errorf("%s: no answer to its deletion yet: %w", ref, ctx.Err())
	}
	var api *toxiclient.ApiError
	if errors.As(err, &api) && api.Status == 404 { // toxic or proxy not found
		return true, nil
	}
	if err != nil {
		return false, toxicError(c, ref, err)
	}
	return false, nil
}

// toxicError says what went wrong with ref in words an operator can act on.
func toxicError(c *toxiclient.Client, ref ToxicRef, err error) error {
	var api *toxiclient.ApiError
	if !errors.As(err, &api) {
		if uerr := (*url.Error)(nil); errors.As(err, &uerr) {
			return fmt.Errorf("%s: cannot reach the Toxiproxy server (is it running, and is %s its API address?): %w", ref, ref.Server, uerr.Err)
		}
		return fmt.Errorf("%s: the server did not answer as a Toxiproxy server does: %w", ref, err)
	}
	switch {
	case api.Status == 404 && strings.Contains(api.Message, "proxy"):
		return fmt.Errorf("%s: the server has no proxy %q%s", ref, ref.Proxy, proxyList(c))
	case api.Status == 404:
		return fmt.Errorf("%s: the toxic is gone (deleted by someone else?)", ref)
	case api.Status == 409:
		return fmt.Errorf("%s: the toxic exists already, left by a gameday that died or put by someone else; "+
			"run `gameday recover` to delete what gameday left, or delete it yourself: curl -X DELETE %s/proxies/%s/toxics/%s",
			ref, ref.Server, ref.Proxy, ref.Name)
	}
	return fmt.Errorf("%s: the Toxiproxy server answered %d: %s", ref, api.Status, api.Message)
}

// proxyList returns " (its proxies: a, b)" to end an error, or "" if the
// server does not say.
func proxyList(c *toxiclient.Client) string {
	ps, err := c.Proxies()
	if err != nil {
		return ""
	}
	if len(ps) == 0 {
		return " (it has no proxies)"
	}
	return " (its proxies: " + strings.Join(slices.Sorted(maps.Keys(ps)), ", ") + ")"
}
