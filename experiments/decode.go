package experiments

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
	"gopkg.in/yaml.v3"
)

// decoder walks yaml.v3 nodes into the experiment's structs, so that every
// error carries the file, line and column of the node it is about. It
// collects every error rather than stopping at the first.
type decoder struct {
	file   string
	errs   *FileErrors
	sub    *substituter
	budget *budget // nodes left to visit (aliases cannot blow it up), hints
}

func (d *decoder) pos(n *yaml.Node) Pos { return Pos{File: d.file, Line: n.Line, Col: n.Column} }

func (d *decoder) errf(n *yaml.Node, format string, args ...any) {
	if len(*d.errs) >= maxErrors {
		return // a file this wrong has said enough
	}
	*d.errs = append(*d.errs, FileError{Pos: d.pos(n), Msg: fmt.Sprintf(format, shortArgs(args)...)})
}

// resolve follows an alias to its anchor and spends the node budget. Once
// the budget is spent (a file too large, or aliases that expand too far,
// or refer to themselves), every node reads as empty and decoding stops.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	if n == nil || n.Kind == yaml.AliasNode {
		return exhausted
	}
	if d.budget.nodes--; d.budget.nodes == 0 {
		d.errf(n, "too large: the file and its aliases expand to more than %d nodes (across every case of its matrix and every include)", maxNodes)
	}
	if d.budget.nodes <= 0 {
		return exhausted
	}
	return n
}

// skip spends the budget on a subtree that is not decoded (an unknown
// key's value), so that aliases there cannot expand without bound either.
func (d *decoder) skip(n *yaml.Node) {
	n = d.resolve(n)
	for _, c := range n.Content {
		if d.over() {
			return
		}
		d.skip(c)
	}
}

// exhausted stands for every node once the budget is spent.
var exhausted = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!exhausted"}

// over reports whether decoding has stopped.
func (d *decoder) over() bool { return d.budget.nodes <= 0 }

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", excerpt(n.Value))
	}
	return "something else"
}

// field is one key of a mapping and how to decode its value into a T.
type field[T any] struct {
	key      string
	required bool
	set      func(d *decoder, n *yaml.Node, v *T)
}

// table is the keys a mapping may have at a place of the schema.
type table[T any] struct {
	path   string // as documented: "blocks[].fault"
	fields []field[T]
	// src is where a T remembers where it was written (its source), for
	// the checks made after decoding; one and list need it.
	src func(*T) **source
}

// one decodes mapping n into a new T, with its source.
func (t *table[T]) one(d *decoder, n *yaml.Node) T {
	var v T
	keys := t.decode(d, n, &v)
	*t.src(&v) = d.source(n, keys)
	return v
}

// list decodes a list of mappings, each with one.
func (t *table[T]) list(d *decoder, n *yaml.Node, what string) []T {
	var out []T
	d.each(n, what, func(it *yaml.Node) { out = append(out, t.one(d, it)) })
	return out
}

func (t *table[T]) keys() (string, []string) {
	ks := make([]string, len(t.fields))
	for i, f := range t.fields {
		ks[i] = f.key
	}
	return t.path, ks
}

// decode walks mapping n into v. It returns the value node of each key
// present, for the checks that need them later.
func (t *table[T]) decode(d *decoder, n *yaml.Node, v *T) map[string]*yaml.Node {
	n = d.resolve(n)
	present := map[string]*yaml.Node{}
	if d.over() {
		return present
	}
	if n.Kind != yaml.MappingNode {
		d.errf(n, "%s: want a mapping of keys (%s), got %s", t.where(), strings.Join(t.names(), ", "), kindName(n))
		return present
	}
	pairs, merged := d.mergePairs(n)
	for i := 0; i+1 < len(pairs); i += 2 {
		k, val := pairs[i], pairs[i+1]
		if merged[i] && present[k.Value] != nil {
			continue // a key written in the mapping wins over a merged one
		}
		f := t.field(k.Value)
		if f == nil {
			d.skip(val)
			if t.path == "" && strings.HasPrefix(k.Value, "x-") {
				continue // an extension key: a place for anchors (x-defaults: &defaults ...)
			}
			d.errf(k, "%s: unknown key %q%s; valid keys: %s", t.where(), k.Value, d.budget.suggest(k.Value, t.names()), listText(strings.Join(t.names(), ", ")))
			continue
		}
		if _, dup := present[k.Value]; dup {
			d.errf(k, "%s: key %q appears twice", t.where(), k.Value)
			continue
		}
		present[k.Value] = val
		f.set(d, d.resolve(val), v)
	}
	for _, f := range t.fields {
		if _, ok := present[f.key]; f.required && !ok {
			d.errf(n, "%s: missing key %q", t.where(), f.key)
		}
	}
	return present
}

func (t *table[T]) where() string {
	if t.path == "" {
		return "experiment"
	}
	return t.path
}

func (t *table[T]) field(key string) *field[T] {
	for i := range t.fields {
		if t.fields[i].key == key {
			return &t.fields[i]
		}
	}
	return nil
}

func (t *table[T]) names() []string {
	_, ks := t.keys()
	return ks
}

// mergePairs returns the key/value pairs of mapping n with those of its
// merge keys (<<: *anchor, or <<: [*a, *b]) after them, as YAML 1.1
// merges them: keys written in n win, then earlier merged mappings over
// later ones. merged marks the pairs that came from a merge.
func (d *decoder) mergePairs(n *yaml.Node) ([]*yaml.Node, map[int]bool) {
	var own, from []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Tag != "!!merge" && k.Value != "<<" {
			own = append(own, k, n.Content[i+1])
			continue
		}
		v := d.resolve(n.Content[i+1])
		srcs := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			srcs = v.Content
		}
		for _, m := range srcs {
			m = d.resolve(m)
			if m.Kind != yaml.MappingNode {
				d.errf(m, "<< merges mappings: want an alias of a mapping (<<: *defaults) or a list of them, got %s", kindName(m))
				continue
			}
			mp, _ := d.mergePairs(m)
			from = append(from, mp...)
		}
	}
	if len(from) == 0 {
		return own, nil
	}
	merged := map[int]bool{}
	seen := map[string]bool{}
	for i := 0; i+1 < len(own); i += 2 {
		seen[own[i].Value] = true
	}
	for i := 0; i+1 < len(from); i += 2 {
		if seen[from[i].Value] {
			continue
		}
		seen[from[i].Value] = true
		merged[len(own)] = true
		own = append(own, from[i], from[i+1])
	}
	return own, merged
}

// scalar returns n's value after substitution, or false with an error.
func (d *decoder) scalar(n *yaml.Node, want string) (string, bool) {
	n = d.resolve(n)
	if d.over() {
		return "", false
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.errf(n, "want %s, got %s", want, kindName(n))
		return "", false
	}
	s, err := d.sub.expand(n.Value)
	if err != nil {
		d.errf(n, "%v", err)
		return "", false
	}
	return s, true
}

func (d *decoder) str(n *yaml.Node) string {
	s, _ := d.scalar(n, "a string")
	return s
}

// name reads a name: not empty, no surrounding spaces.
func (d *decoder) name(n *yaml.Node) string {
	s, ok := d.scalar(n, "a name")
	if ok && (strings.TrimSpace(s) == "" || strings.TrimSpace(s) != s) {
		d.errf(n, "want a name without leading or trailing spaces, got %q", s)
	}
	return s
}

// parsed reads a scalar with parse, whose error says what was expected;
// want names what the scalar should be when it is not one.
func parsed[T any](d *decoder, n *yaml.Node, want string, parse func(string) (T, error)) T {
	s, ok := d.scalar(n, want)
	if !ok {
		var zero T
		return zero
	}
	if len(s) > maxQuote {
		// No number, duration, size or rate is this long: say so without
		// quoting it.
		d.errf(n, "want %s, got %d characters", want, len(s))
		var zero T
		return zero
	}
	v, err := parse(s)
	if err != nil {
		d.errf(n, "%v", err)
	}
	return v
}

func (d *decoder) duration(n *yaml.Node) time.Duration {
	return parsed(d, n, "a duration like 300ms or 5s", parseDuration)
}

// positiveDuration is a duration that must be above zero.
func (d *decoder) positiveDuration(n *yaml.Node) time.Duration {
	return parsed(d, n, "a duration like 300ms or 5s", func(s string) (time.Duration, error) {
		v, err := parseDuration(s)
		if err == nil && v == 0 {
			err = errors.New("want a duration above zero, like 1s")
		}
		return v, err
	})
}

func (d *decoder) number(n *yaml.Node) float64 {
	return parsed(d, n, "a number", func(s string) (float64, error) {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("want a finite number, got %q", s)
		}
		return v, err
	})
}

func (d *decoder) integer(n *yaml.Node) int64 {
	return parsed(d, n, "a whole number", func(s string) (int64, error) {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			err = fmt.Errorf("want a whole number, got %q", s)
		}
		return v, err
	})
}

func (d *decoder) boolean(n *yaml.Node) bool {
	return parsed(d, n, "true or false", func(s string) (bool, error) {
		switch s {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return false, fmt.Errorf("want true or false, got %q", s)
	})
}

func (d *decoder) probability(n *yaml.Node) float64 {
	return parsed(d, n, "a probability like 25%", parseProbability)
}

func (d *decoder) bytes(n *yaml.Node) int64 {
	return parsed(d, n, "a size like 64KB", parseBytes)
}

// rate reads a load's rate: above 0, at most 100000/s.
func (d *decoder) rate(n *yaml.Node) float64 {
	return parsed(d, n, "a rate like 50/s", func(s string) (float64, error) {
		v, err := parseRate(s)
		if err == nil && (v <= 0 || v > 100000) {
			err = fmt.Errorf("want a rate above 0 and at most 100000/s, got %s", s)
		}
		return v, err
	})
}

// bandwidth reads bytes per second, above 0.
func (d *decoder) bandwidth(n *yaml.Node) int64 {
	return parsed(d, n, "a bandwidth like 100KB/s", func(s string) (int64, error) {
		v, err := parseBandwidth(s)
		switch {
		case err == nil && v <= 0:
			err = errors.New("want a bandwidth above 0, like 100KB/s")
		case err == nil && v > maxBandwidth:
			err = errors.New("want a bandwidth of at most 1024GiB/s")
		}
		return v, err
	})
}

// oneOf reads a word from a fixed set.
func (d *decoder) oneOf(n *yaml.Node, words ...string) string {
	s, ok := d.scalar(n, "one of "+string(quoteList(words)))
	if !ok {
		return ""
	}
	for _, w := range words {
		if s == w {
			return s
		}
	}
	d.errf(n, "%q is not valid here: want %s%s", s, quoteList(words), d.budget.suggest(s, words))
	return ""
}

// each calls f on every item of list n.
func (d *decoder) each(n *yaml.Node, what string, f func(item *yaml.Node)) {
	n = d.resolve(n)
	if d.over() {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errf(n, "want a list of %s, got %s", what, kindName(n))
		return
	}
	items := n.Content
	if len(items) > maxItems {
		d.errf(n, "a list of %d items: at most %d here; split the experiment", len(items), maxItems)
		items = items[:maxItems]
	}
	for _, it := range items {
		if d.over() {
			return
		}
		f(d.resolve(it))
	}
}

func (d *decoder) strList(n *yaml.Node, what string) []string {
	var out []string
	d.each(n, what, func(it *yaml.Node) {
		if s, ok := d.scalar(it, what); ok {
			out = append(out, s)
		}
	})
	return out
}

// headers reads HTTP headers: names that are HTTP tokens, values without
// control characters (a CR or LF would split the request).
func (d *decoder) headers(n *yaml.Node) map[string]string {
	out := d.strMap(n, "header names to values")
	n = d.resolve(n)
	if n.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !httpguts.ValidHeaderFieldName(k.Value) {
			d.errf(k, "header name %q: want an HTTP token (letters, digits and !#$%%&'*+-.^_`|~, no spaces or colons)", k.Value)
		}
		if val, ok := out[k.Value]; ok && !httpguts.ValidHeaderFieldValue(val) {
			d.errf(v, "header %q: the value holds a control character (CR, LF, NUL...): HTTP cannot carry it", k.Value)
		}
	}
	return out
}

// strMap reads a mapping of strings to strings.
func (d *decoder) strMap(n *yaml.Node, what string) map[string]string {
	n = d.resolve(n)
	if d.over() {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errf(n, "want a mapping of %s, got %s", what, kindName(n))
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if _, dup := out[k.Value]; dup {
			d.errf(k, "%q appears twice", k.Value)
		}
		out[k.Value] = d.str(n.Content[i+1])
	}
	return out
}
