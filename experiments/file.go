package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// LoadOption configures LoadFile.
type LoadOption func(*loadOptions)

type loadOptions struct {
	vars map[string]string
	env  func(string) (string, bool)
}

// WithVars gives values for ${NAME} that come before the environment's
// (gameday demo passes the addresses of the shop this way).
func WithVars(vars map[string]string) LoadOption {
	return func(o *loadOptions) { o.vars = vars }
}

// WithEnv replaces the environment that ${NAME} reads (tests use a map).
func WithEnv(lookup func(string) (string, bool)) LoadOption {
	return func(o *loadOptions) { o.env = lookup }
}

func newLoadOptions(opts []LoadOption) loadOptions {
	o := loadOptions{env: os.LookupEnv}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// maxCases bounds a matrix's expansion.
const maxCases = 256

// fileDoc is one file being decoded.
type fileDoc struct {
	exp      *Experiment
	includes []include
}

type include struct {
	path string
	pos  Pos
}

// LoadFile reads an experiment file: one experiment per case of its
// matrix, or one when it has none. Every problem is reported, each as
// FILE:LINE:COLUMN and what was expected, in a FileErrors.
func LoadFile(path string, opts ...LoadOption) ([]*Experiment, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if st.Size() > maxFileSize {
		return nil, FileErrors{{Pos: Pos{File: path, Line: 1, Col: 1},
			Msg: fmt.Sprintf("too large: %d MB; an experiment file may have at most %d MB", st.Size()>>20, maxFileSize>>20)}}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	exps, err := Parse(path, data, opts...)
	for _, e := range exps {
		e.origin.onDisk = true // composed blocks may be written back to it
	}
	return exps, err
}

// Parse reads an experiment from data, named path (includes are found
// relative to it).
func Parse(path string, data []byte, opts ...LoadOption) ([]*Experiment, error) {
	o := newLoadOptions(opts)
	var errs FileErrors
	if len(data) > maxFileSize {
		errs = append(errs, FileError{Pos: Pos{File: path, Line: 1, Col: 1},
			Msg: fmt.Sprintf("too large: %d MB; an experiment file may have at most %d MB", len(data)>>20, maxFileSize>>20)})
		return nil, errs
	}
	root := parseYAML(path, data, &errs)
	if root == nil {
		return nil, errs.sorted()
	}
	exps, err := parseRoot(path, root, o, errs)
	for i, e := range exps {
		e.origin = &origin{path: path, data: data, opts: opts, index: i}
	}
	return exps, err
}

// parseRoot decodes and checks the root node of a file (Parse's, or one
// with composed blocks added: see Compose).
func parseRoot(path string, root *yaml.Node, o loadOptions, errs FileErrors) ([]*Experiment, error) {
	// One budget for the whole file: every case of its matrix, every
	// include.
	budget := newBudget()
	pre := &decoder{file: path, errs: &errs, budget: budget,
		sub: &substituter{vars: o.vars, env: o.env, params: map[string]bool{}, used: map[string]bool{}, hint: budget}}
	secrets := secretNames(pre, root)
	pre.sub.secrets = secrets // a matrix value may come from a secret
	params, cases := matrixCases(pre, root)
	if len(errs) > 0 {
		return nil, errs.sorted()
	}
	used := map[string]bool{}
	catalogs := map[string]*catalogFile{} // read once for every case
	var out []*Experiment
	var secretValues []string
	for _, c := range cases {
		if budget.nodes <= 0 {
			break // said once; the other cases would only say it again
		}
		sub := &substituter{vars: o.vars, env: o.env, matrix: c.values, params: params,
			secrets: secrets, used: used, hint: budget}
		d := &decoder{file: path, errs: &errs, sub: sub, budget: budget}
		doc := &fileDoc{exp: &Experiment{File: path, Case: c.name, Matrix: c.list}}
		doc.exp.src = d.source(root, rootTable.decode(d, root, doc))
		readIncludes(d, doc, map[string]bool{abs(path): true}, catalogs)
		doc.exp.Secrets = append(slices.Clone(pre.sub.values), sub.values...)
		secretValues = append(secretValues, doc.exp.Secrets...)
		check(doc.exp, &errs, budget)
		hideSecrets(doc.exp)
		out = append(out, doc.exp)
	}
	for name, n := range params {
		if !used[name] && n {
			errs = append(errs, FileError{Pos: matrixPos(path, root, name),
				Msg: fmt.Sprintf("matrix parameter %q is never used: refer to it as ${matrix.%s}", name, name)})
		}
	}
	if len(errs) > 0 {
		// An error may quote a value that came from a secret.
		hide := &Experiment{Secrets: secretValues}
		for i := range errs {
			errs[i].Msg = hide.Redact(errs[i].Msg)
		}
		return nil, errs.sorted()
	}
	return out, nil
}

// hideSecrets redacts the texts of an experiment that are only shown
// (its name, matrix case, hypothesis, descriptions, chart titles and
// labels, the schedule's notes), so no display, journal or report prints
// a secret that came into them.
func hideSecrets(e *Experiment) {
	if len(e.Secrets) == 0 {
		return
	}
	e.Name, e.Description, e.Case = e.Redact(e.Name), e.Redact(e.Description), e.Redact(e.Case)
	for i := range e.Matrix {
		e.Matrix[i].Value = e.Redact(e.Matrix[i].Value)
	}
	e.Hypothesis = e.Redact(e.Hypothesis)
	for i := range e.Blocks {
		e.Blocks[i].Description = e.Redact(e.Blocks[i].Description)
	}
	for i := range e.Charts {
		c := &e.Charts[i]
		c.Title = e.Redact(c.Title)
		for j := range c.Series {
			c.Series[j].Label = e.Redact(c.Series[j].Label)
		}
	}
	if e.Schedule != nil {
		for i := range e.Schedule.Steps {
			e.Schedule.Steps[i].Note = e.Redact(e.Schedule.Steps[i].Note)
		}
	}
}

// nearRef reports whether line (1-based) or the next one holds a ${.
func nearRef(data []byte, line int) bool {
	lines := strings.Split(string(data), "\n")
	for i := line - 1; i <= line && i < len(lines); i++ {
		if i >= 0 && strings.Contains(lines[i], "${") {
			return true
		}
	}
	return false
}

// flowIPv6RE finds a plain value that starts with :: inside a flow
// collection.
var flowIPv6RE = regexp.MustCompile(`[\[{,]\s*(::)`)

// flowIPv6 finds the first such value from line on, 1-based.
func flowIPv6(data []byte, from int) (line, col int, ok bool) {
	for i, l := range strings.Split(string(data), "\n") {
		if m := flowIPv6RE.FindStringSubmatchIndex(l); m != nil && i+1 >= from {
			return i + 1, m[2] + 1, true
		}
	}
	return 0, 0, false
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

var unknownAnchorRE = regexp.MustCompile(`unknown anchor '(.*)' referenced`)

// parseYAML parses data into its root mapping node, or reports why not.
// A file holds one document: a second one is an error, not ignored.
func parseYAML(path string, data []byte, errs *FileErrors) *yaml.Node {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) {
		err = nil // an empty file: said below
	}
	if err == nil {
		var next yaml.Node
		if derr := dec.Decode(&next); derr == nil {
			*errs = append(*errs, FileError{Pos: Pos{File: path, Line: next.Line, Col: next.Column},
				Msg: "a second YAML document: a file holds one experiment (use matrix: for variants, include: for shared blocks)"})
			return nil
		}
	}
	if err != nil {
		msg := err.Error()
		line, col := 1, 1
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		msg = excerpt(msg) // yaml.v3 may quote the input
		if m := unknownAnchorRE.FindStringSubmatch(msg); m != nil {
			// yaml.v3 does not say where: the first use of the alias does.
			line, col = aliasUse(data, m[1])
			msg = fmt.Sprintf("unknown anchor %q referenced: define it (&%s) before its use (*%s)", excerpt(m[1]), excerpt(m[1]), excerpt(m[1]))
		}
		// yaml.v3 reports flow collections where they started; a ${NAME}
		// unquoted inside one is the usual cause.
		if strings.Contains(msg, "did not find expected") && nearRef(data, line) {
			msg += ` (a ${NAME} inside {...} or [...] must be quoted: "${NAME}")`
		}
		// An IPv6 address that starts with :: (allow: [::1]) cannot be a
		// plain value inside a flow collection; yaml.v3 reports a line at
		// or before it.
		if strings.Contains(msg, "did not find expected node content") {
			if l, c, ok := flowIPv6(data, line); ok {
				line, col = l, c
				msg += ` (an IPv6 address inside [...] or {...} must be quoted: "::1")`
			}
		}
		*errs = append(*errs, FileError{Pos: Pos{File: path, Line: line, Col: col}, Msg: "not valid YAML: " + msg})
		return nil
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		*errs = append(*errs, FileError{Pos: Pos{File: path, Line: 1, Col: 1}, Msg: "the file is empty: want an experiment (a mapping with at least name:)"})
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		// Never quote it: it may be any file (a path given by mistake).
		got := map[yaml.Kind]string{yaml.SequenceNode: "a list", yaml.ScalarNode: "text that is not YAML keys"}[root.Kind]
		if got == "" {
			got = "something else"
		}
		*errs = append(*errs, FileError{Pos: Pos{File: path, Line: root.Line, Col: root.Column},
			Msg: "want a mapping of keys (name:, load:, blocks: ...) at the top of the file, got " + got})
		return nil
	}
	return root
}

// aliasUse finds where *name is first used in data, 1-based; 1:1 if not
// found.
func aliasUse(data []byte, name string) (line, col int) {
	for i, l := range strings.Split(string(data), "\n") {
		if c := strings.Index(l, "*"+name); c >= 0 {
			return i + 1, c + 1
		}
	}
	return 1, 1
}

// rootKey returns the value node of a top-level key.
func rootKey(root *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == key {
			return root.Content[i+1]
		}
	}
	return nil
}

func secretNames(d *decoder, root *yaml.Node) map[string]bool {
	out := map[string]bool{}
	if n := rootKey(root, "secrets"); n != nil {
		d.each(n, "names of environment variables", func(it *yaml.Node) {
			if it.Kind == yaml.ScalarNode {
				out[it.Value] = true
			} else {
				d.errf(it, "want the name of an environment variable, got %s", kindName(it))
			}
		})
	}
	return out
}

type matrixCase struct {
	name   string
	values map[string]string
	list   []MatrixValue // values, in the matrix's order
}

// matrixCases expands the matrix: every combination of its parameters'
// values, in the order they are written.
func matrixCases(d *decoder, root *yaml.Node) (map[string]bool, []matrixCase) {
	params := map[string]bool{}
	n := rootKey(root, "matrix")
	if n == nil {
		return params, []matrixCase{{values: map[string]string{}}}
	}
	n = d.resolve(n)
	if n.Kind != yaml.MappingNode {
		d.errf(n, "matrix: want a mapping of parameter names to lists of values, got %s", kindName(n))
		return params, nil
	}
	cases := []matrixCase{{values: map[string]string{}}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], d.resolve(n.Content[i+1])
		if params[k.Value] {
			d.errf(k, "matrix: parameter %q appears twice", k.Value)
			continue
		}
		params[k.Value] = true
		var values []string
		d.each(v, "values", func(it *yaml.Node) {
			if s, ok := d.scalar(it, "a value"); ok {
				values = append(values, s)
			}
		})
		if len(values) == 0 && v.Kind == yaml.SequenceNode {
			d.errf(v, "matrix: parameter %q has no values", k.Value)
			continue
		}
		if len(cases)*len(values) > maxCases {
			d.errf(k, "matrix: more than %d combinations; split the experiment", maxCases)
			return params, nil
		}
		var next []matrixCase
		for _, c := range cases {
			for _, val := range values {
				vs := map[string]string{k.Value: val}
				maps.Copy(vs, c.values)
				name := strings.TrimSpace(c.name + " " + k.Value + "=" + val)
				list := append(slices.Clone(c.list), MatrixValue{Name: k.Value, Value: val})
				next = append(next, matrixCase{name: name, values: vs, list: list})
			}
		}
		cases = next
	}
	return params, cases
}

func matrixPos(file string, root *yaml.Node, name string) Pos {
	if n := rootKey(root, "matrix"); n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				return Pos{File: file, Line: n.Content[i].Line, Col: n.Content[i].Column}
			}
		}
	}
	return Pos{File: file}
}

func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// catalogFile is an included file, read and parsed once for all the
// cases of a matrix.
type catalogFile struct {
	root *yaml.Node // nil when it is not valid YAML (reported when parsed)
	err  error      // why it could not be read
}

// readIncludes decodes the catalog files doc includes, recursively, adding
// their blocks to the experiment. files holds those already read.
func readIncludes(d *decoder, doc *fileDoc, seen map[string]bool, files map[string]*catalogFile) {
	for _, inc := range doc.includes {
		p := inc.path
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(d.file), p)
		}
		key := abs(p)
		if seen[key] {
			*d.errs = append(*d.errs, FileError{Pos: inc.pos, Msg: fmt.Sprintf("include %s: it includes itself (a cycle)", inc.path)})
			continue
		}
		f := files[p]
		if f == nil {
			f = &catalogFile{}
			var data []byte
			if data, f.err = readSmallFile(p); f.err == nil {
				f.root = parseYAML(p, data, d.errs)
			}
			files[p] = f
		}
		if f.err != nil {
			msg := f.err.Error()
			if errors.Is(f.err, os.ErrNotExist) {
				msg = "no such file"
			}
			*d.errs = append(*d.errs, FileError{Pos: inc.pos, Msg: fmt.Sprintf("include %s: %s", inc.path, msg)})
			continue
		}
		if f.root == nil {
			continue
		}
		sub := &decoder{file: p, errs: d.errs, sub: d.sub, budget: d.budget}
		cat := &fileDoc{exp: &Experiment{}}
		catalogTable.decode(sub, f.root, cat)
		seen[key] = true
		readIncludes(sub, cat, seen, files)
		delete(seen, key)
		doc.exp.Blocks = append(doc.exp.Blocks, cat.exp.Blocks...)
	}
}
