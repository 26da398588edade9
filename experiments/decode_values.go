package experiments

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// hostPort reads host:port (a port of 0 picks a free one).
func (d *decoder) hostPort(n *yaml.Node) string {
	s, ok := d.scalar(n, "an address like 127.0.0.1:8080")
	if !ok {
		return ""
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		d.errf(n, "want an address host:port, like 127.0.0.1:8080, got %q", s)
		return s
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		d.errf(n, "port %q: want a number from 0 to 65535", port)
	}
	if host != "" && net.ParseIP(host) == nil && !validHostname(host) {
		d.errf(n, "host %q: want an IP address or a host name", host)
	}
	return s
}

// listenAddr reads where a proxy listens: host:port, where a missing host
// means loopback (127.0.0.1), as --metrics-addr does; any other host must
// be written out, and the cockpit shows it.
func (d *decoder) listenAddr(n *yaml.Node) string {
	s := d.hostPort(n)
	if host, port, err := net.SplitHostPort(s); err == nil && host == "" {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return s
}

// validHostname reports whether h is a DNS name: labels of letters,
// digits and hyphens.
func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// hypothesis reads the experiment's hypothesis: one or two sentences of
// plain text, shown on one line (its line breaks and runs of spaces
// become one space), of at most maxHypothesis characters.
func (d *decoder) hypothesis(n *yaml.Node) string {
	s, ok := d.scalar(n, "one or two sentences")
	if !ok {
		return ""
	}
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		d.errf(n, "hypothesis: empty; want one or two sentences on what should stay true, or no hypothesis: key")
		return ""
	}
	if l := utf8.RuneCountInString(s); l > maxHypothesis {
		d.errf(n, "hypothesis: %d characters; at most %d: state it in one or two sentences (description: can say more)", l, maxHypothesis)
		return ""
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		d.errf(n, "hypothesis: a control character (%U) at character %d; want plain text", r, utf8.RuneCountInString(s[:i])+1)
		return ""
	}
	return s
}

// httpURL reads an http(s) URL.
func (d *decoder) httpURL(n *yaml.Node) string {
	s, ok := d.scalar(n, "a URL like http://127.0.0.1:8080/path")
	if !ok {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		d.errf(n, "want an http:// or https:// URL with a host, got %q", redactURL(s))
	}
	return s
}

// redactURL hides the user information of a URL (a password, a token),
// whether it parses or not, and shortens it for an error.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		if u.User == nil {
			return excerpt(s)
		}
		u.User = url.User("xxxxx")
		return excerpt(u.String())
	}
	return excerpt(userinfoRE.ReplaceAllString(s, "${1}xxxxx@"))
}

// userinfoRE finds the user information of a URL that may not parse.
var userinfoRE = regexp.MustCompile(`^([^:/?#]*://)[^/?#]*@`)

var methods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

func (d *decoder) method(n *yaml.Node) string {
	s, ok := d.scalar(n, "an HTTP method")
	if !ok {
		return ""
	}
	up := strings.ToUpper(s)
	for _, m := range methods {
		if up == m {
			return m
		}
	}
	d.errf(n, "%q is not an HTTP method: want %s%s", s, quoteList(methods), d.budget.suggest(up, methods))
	return ""
}

// argv reads a command as a list of arguments, or as one string: a
// script when shell is set, else split on spaces (see splitCommand).
func (d *decoder) argv(n *yaml.Node) []string {
	n = d.resolve(n)
	if n.Kind == yaml.ScalarNode {
		s, ok := d.scalar(n, "a command")
		if !ok {
			return nil
		}
		if strings.TrimSpace(s) == "" {
			d.errf(n, "want a command, got an empty string")
			return nil
		}
		return []string{s}
	}
	out := d.strList(n, "command arguments")
	if len(out) == 0 && n.Kind == yaml.SequenceNode {
		d.errf(n, "want a command, got an empty list")
	}
	return out
}

// splitCommand turns a command written as one string into arguments when
// it is not a shell script: split on spaces, refusing quotes, which would
// not be honoured.
func splitCommand(src *source, key string, argv []string, shell bool) ([]string, *FileError) {
	n, ok := src.keys[key]
	if shell || !ok || n.Kind != yaml.ScalarNode || len(argv) != 1 {
		return argv, nil
	}
	if strings.ContainsAny(argv[0], `"'\|&;<>$`+"`") {
		return argv, &FileError{Pos: src.at(key), Msg: "a command with quotes or shell syntax must be a list of arguments, like [sh, -c, \"...\"], or set shell: true"}
	}
	return strings.Fields(argv[0]), nil
}

// readFile reads a file named relative to the experiment file.
func (d *decoder) readFile(n *yaml.Node) string {
	s, ok := d.scalar(n, "a file path")
	if !ok {
		return ""
	}
	p := s
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(d.file), p)
	}
	b, err := readSmallFile(p)
	if err != nil {
		d.errf(n, "cannot read %s: %v", s, err)
		return ""
	}
	return string(b)
}

// readSmallFile reads a regular file of at most maxFileSize bytes.
func readSmallFile(p string) ([]byte, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	if st.Size() == 0 {
		// Also keeps away from /proc files, which report no size and may
		// block when read.
		return nil, fmt.Errorf("the file is empty")
	}
	if st.Size() > maxFileSize {
		return nil, fmt.Errorf("too large: %d MB; at most %d MB", st.Size()>>20, maxFileSize>>20)
	}
	return os.ReadFile(p)
}
