package probes

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// redactURL returns rawURL fit for an error text or a log: without its user
// name and password, and with its query (which may carry a token) and
// fragment replaced by "?…". An unparsable URL, or one without "//" that
// parses as opaque, is cut the same way by hand.
//
//	http://user:secret@host:9090/api?token=x  →  http://host:9090/api?…
func redactURL(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil && u.Opaque == "" { // "user:pw@host" parses as opaque
		hidden := u.RawQuery != "" || u.ForceQuery || u.Fragment != ""
		u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
		if hidden {
			return u.String() + "?…"
		}
		return u.String()
	}
	scheme, rest := "", rawURL
	if i := strings.Index(rest, "://"); i >= 0 {
		scheme, rest = rest[:i+3], rest[i+3:]
	}
	tail := ""
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest, tail = rest[:i], "?…"
	}
	host, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	return scheme + host + path + tail
}

// checkHTTPURL checks that rawURL is an absolute http or https URL with a
// host. Its errors show the URL redacted.
func checkHTTPURL(rawURL string) error {
	if rawURL == "" {
		return errors.New("no URL")
	}
	u, err := url.Parse(rawURL)
	switch {
	case err != nil:
		return fmt.Errorf("URL %q: %w", redactURL(rawURL), urlErrorCause(err))
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("URL %q: want an http or https URL", redactURL(rawURL))
	case u.Host == "":
		return fmt.Errorf("URL %q: no host", redactURL(rawURL))
	}
	return nil
}

// urlErrorCause returns the cause inside a *url.Error, whose text names the
// URL (net/http masks the password, not the user name), or err itself.
func urlErrorCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// excerpt returns at most the last n bytes of s, trimmed, for an error text;
// "…" marks a cut.
func excerpt(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	for len(s) > 0 && !utf8.RuneStart(s[0]) { // do not start inside a UTF-8 sequence
		s = s[1:]
	}
	return "…" + s
}
