package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// A block composed during a game day (the cockpit's form) is checked by
// the file's own decoder and validator, as if it were written at the end
// of the file's blocks:
//
//	Draft (the form's text) ──node──▶ yaml.Node ──appended to──▶ the file's tree, as loaded
//	                                                                   │ parseRoot: decode + check
//	Block ◀── the block decoded from the Draft's node ◀────────────────┘
//	DraftErrors ◀── the file's errors, each named by the field it is about
//
// So a composed block passes exactly what a block written in the file
// passes, and fails with the file's messages.

// origin is what an experiment was read from.
type origin struct {
	path   string
	data   []byte
	opts   []LoadOption
	index  int  // the case of the file's matrix
	onDisk bool // read by LoadFile from path: composed blocks may be written back
}

// Draft is a block composed during a game day, as the user typed it.
// Every value is YAML, as it would be written in the file ("300ms",
// "50%", "[touch, /tmp/flag]", "{shape: ramp, over: 1m}"), but Name,
// which is taken as it is; an empty value is not written.
type Draft struct {
	Name     string
	Kind     string
	Target   string
	Params   []DraftParam // the fault's parameters, in the form's order
	Curve    string
	Duration string
}

// DraftParam is one parameter of a draft's fault.
type DraftParam struct{ Key, Value string }

// DraftError is what is wrong with a draft: the file's message, and the
// field it is about ("name", "kind", "target", a parameter, "curve",
// "duration"; "fault" for the fault as a whole).
type DraftError struct {
	Field string
	Msg   string
}

func (e DraftError) Error() string { return e.Field + ": " + e.Msg }

// DraftErrors is every problem of a draft, in the form's order.
type DraftErrors []DraftError

func (es DraftErrors) Error() string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Error()
	}
	return strings.Join(out, "; ")
}

// ErrNoFile says an experiment has no file that blocks could be
// composed for (one built in code).
var ErrNoFile = errors.New("this experiment was not read from a file: no block can be composed for it")

// linesPerDraft is the room each composed block has in the line numbers
// of the tree checked (after the file's own lines), so that an error's
// line says which block and which field it is about.
const linesPerDraft = 1000

// Compose checks d as the next block of the experiment's file, after the
// blocks composed before it (prior), with the file's decoder and
// validator, and returns it as decoded. Its errors are DraftErrors: the
// file's messages, each with the field it is about.
func (e *Experiment) Compose(prior []Draft, d Draft) (Block, error) {
	o := e.origin
	if o == nil {
		return Block{}, ErrNoFile
	}
	lo := newLoadOptions(o.opts)
	var ferrs FileErrors
	root := parseYAML(o.path, o.data, &ferrs) // a tree of its own: each check starts from the file as loaded
	if root == nil {
		return Block{}, ferrs.sorted()
	}
	seq, err := blocksOf(root)
	if err != nil {
		return Block{}, DraftErrors{{Field: "block", Msg: err.Error()}}
	}
	fileLines := bytes.Count(o.data, []byte("\n")) + 1
	ranges := make([]draftRange, 0, len(prior)+1)
	var mine *yaml.Node
	for i, dr := range append(slices.Clone(prior), d) {
		base := (fileLines/linesPerDraft + 1 + i) * linesPerDraft
		n, fields, derrs := dr.node(base)
		if i == len(prior) {
			if len(derrs) > 0 {
				return Block{}, derrs
			}
			mine = n
		}
		ranges = append(ranges, draftRange{name: dr.Name, base: base, fields: fields})
		seq.Content = append(seq.Content, n)
	}
	exps, err := parseRoot(o.path, root, lo, nil)
	if err != nil {
		var fe FileErrors
		if errors.As(err, &fe) {
			return Block{}, attribute(fe, ranges, o.path)
		}
		return Block{}, err
	}
	got := exps[min(o.index, len(exps)-1)]
	// A secret the file declares but used nowhere was never learnt, so it
	// could not be masked in what the block says of itself: refuse it.
	for _, v := range got.Secrets {
		if !slices.Contains(e.Secrets, v) {
			return Block{}, DraftErrors{{Field: "block", Msg: "it uses a secret the file's blocks do not: gameday could not mask it in the timeline and the journal; write this block in the file instead"}}
		}
	}
	for _, b := range got.Blocks {
		if b.src != nil && b.src.node == mine {
			return b, nil
		}
	}
	return Block{}, errors.New("the composed block is missing after decoding") // cannot happen
}

// draftRange is where a draft's nodes are in the tree checked.
type draftRange struct {
	name   string
	base   int
	fields map[int]string // line → field
}

// attribute turns the file's errors into a draft's: each error on the
// last draft's lines names its field; one on an earlier draft's names
// that block; the rest are the file's, as they are.
func attribute(fe FileErrors, ranges []draftRange, path string) DraftErrors {
	mine := ranges[len(ranges)-1]
	// A message may say where something else is ("first at FILE:L:C"):
	// a composed block is not anywhere in the file.
	posRE := regexp.MustCompile(regexp.QuoteMeta(path) + `:(\d+):\d+`)
	where := func(msg string) string {
		return posRE.ReplaceAllStringFunc(msg, func(m string) string {
			l, _ := strconv.Atoi(posRE.FindStringSubmatch(m)[1])
			for _, r := range ranges {
				if l >= r.base && l < r.base+linesPerDraft {
					return fmt.Sprintf("the composed block %q", r.name)
				}
			}
			return m
		})
	}
	var out DraftErrors
	for _, e := range fe {
		msg := where(e.Msg)
		switch {
		case e.File == path && e.Line >= mine.base && e.Line < mine.base+linesPerDraft:
			field, ok := mine.fields[e.Line]
			if !ok {
				field = "block"
			}
			out = append(out, DraftError{Field: field, Msg: msg})
		case e.File == path && e.Line >= ranges[0].base:
			name := "a composed block"
			for _, r := range ranges {
				if e.Line >= r.base && e.Line < r.base+linesPerDraft {
					name = fmt.Sprintf("composed block %q", r.name)
				}
			}
			out = append(out, DraftError{Field: name, Msg: msg})
		default:
			out = append(out, DraftError{Field: "file", Msg: where(e.Error())})
		}
	}
	return out
}

// blocksOf finds the blocks: list of a file's root mapping, adding an
// empty one when the file has none.
func blocksOf(root *yaml.Node) (*yaml.Node, error) {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "blocks" {
			continue
		}
		v := root.Content[i+1]
		if v.Kind == yaml.AliasNode {
			v = v.Alias
		}
		if v != nil && v.Kind == yaml.SequenceNode {
			return v, nil
		}
		return nil, errors.New("the file's blocks: is not a list: a block can only be added to a list")
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "blocks"}, seq)
	return seq, nil
}

// node builds the draft as a block of the file: a mapping of name, fault
// (kind, target, parameters), curve and duration, each field on a line
// of its own from base on (fields says which), so that an error's line
// names its field. A value that is not YAML is an error of its field.
func (d Draft) node(base int) (*yaml.Node, map[int]string, DraftErrors) {
	fields := map[int]string{}
	var errs DraftErrors
	line := base
	next := func(field string) int {
		line++
		fields[line] = field
		return line
	}
	str := func(s string, at int) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Line: at, Column: 1}
	}
	// value reads a field's text as YAML; nil when empty.
	value := func(field, text string) *yaml.Node {
		at := next(field)
		if strings.TrimSpace(text) == "" {
			return nil
		}
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
			msg := yamlLineRE.ReplaceAllString(err.Error(), "$2")
			errs = append(errs, DraftError{Field: field, Msg: "not valid YAML: " + excerpt(strings.TrimPrefix(msg, "yaml: "))})
			return nil
		}
		if len(doc.Content) == 0 {
			return nil // a comment only
		}
		n := doc.Content[0]
		place(n, at)
		return n
	}
	fields[base] = "name" // the block's own errors: a name missing, twice...
	block := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: base, Column: 1}
	add := func(m *yaml.Node, key string, v *yaml.Node) {
		if v != nil {
			m.Content = append(m.Content, str(key, v.Line), v)
		}
	}
	at := next("name")
	if !utf8.ValidString(d.Name) {
		errs = append(errs, DraftError{Field: "name", Msg: "not valid YAML: the name is not UTF-8 text"})
	} else if d.Name != "" {
		add(block, "name", str(d.Name, at))
	}
	fault := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle, Line: next("fault"), Column: 1}
	add(fault, "kind", value("kind", d.Kind))
	add(fault, "target", value("target", d.Target))
	for _, p := range d.Params {
		if !utf8.ValidString(p.Key) {
			errs = append(errs, DraftError{Field: "fault", Msg: "not valid YAML: a parameter's name is not UTF-8 text"})
			continue
		}
		add(fault, p.Key, value(p.Key, p.Value))
	}
	add(block, "fault", fault)
	add(block, "curve", value("curve", d.Curve))
	add(block, "duration", value("duration", d.Duration))
	return block, fields, errs
}

// place puts every node of a value on one line.
func place(n *yaml.Node, line int) {
	n.Line, n.Column = line, 1
	for _, c := range n.Content {
		place(c, line)
	}
}

// YAML is the block as it is written in the file: a list item.
func (d Draft) YAML() string {
	n, _, _ := d.node(1)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{n}}); err != nil {
		return ""
	}
	_ = enc.Close()
	return b.String()
}

// FaultChoice is a fault kind a block composed for this experiment may
// have, with the experiment's targets it acts on.
type FaultChoice struct {
	Kind    FaultKind
	About   string
	Targets []TargetChoice // one with Name "" for a kind without a target
}

// TargetChoice is a target and the parameters a fault of the kind takes
// on it.
type TargetChoice struct {
	Name   string
	On     string // "http proxy", "tcp proxy", "toxiproxy proxy", "process", "Kubernetes pods", or "" for no target
	Params []ParamChoice
	// Typed: the form does not know this kind's targets (a kind newer
	// than it): the user types the target's name, which the validator
	// checks.
	Typed bool
}

// ParamChoice is one parameter: what it means, its default and unit.
type ParamChoice struct {
	Name     string
	About    string
	Required bool
}

// FaultChoices lists the fault kinds of the fault-kind table that have a
// target in this experiment (or need none), each with those targets and
// its parameters on each.
func (e *Experiment) FaultChoices() []FaultChoice {
	var out []FaultChoice
	for _, info := range FaultKinds() {
		row := faultKinds[info.Kind]
		about := map[string]string{}
		for _, p := range info.Params {
			about[p.Name] = p.About
		}
		params := func(proto string) []ParamChoice {
			var ps []ParamChoice
			for _, name := range row.params[proto] {
				ps = append(ps, ParamChoice{Name: name, About: about[name], Required: slices.Contains(row.required, name)})
			}
			// The required first, then in the table's order.
			slices.SortStableFunc(ps, func(a, b ParamChoice) int {
				switch {
				case a.Required && !b.Required:
					return -1
				case b.Required && !a.Required:
					return 1
				}
				return 0
			})
			return ps
		}
		c := FaultChoice{Kind: info.Kind, About: info.About}
		switch row.target {
		case "":
			c.Targets = []TargetChoice{{Params: params("")}}
		case "kubernetes":
			for _, k := range e.Targets.Kubernetes {
				c.Targets = append(c.Targets, TargetChoice{Name: k.Name, On: "Kubernetes pods", Params: params("")})
			}
		case "process":
			for _, p := range e.Targets.Processes {
				c.Targets = append(c.Targets, TargetChoice{Name: p.Name, On: "process", Params: params("")})
			}
		case "proxy":
			for _, p := range e.Targets.Proxies {
				proto := p.Protocol
				if proto == "" {
					proto = ProtoHTTP
				}
				if _, ok := row.params[proto]; ok {
					c.Targets = append(c.Targets, TargetChoice{Name: p.Name, On: proto + " proxy", Params: params(proto)})
				}
			}
			if _, ok := row.params[ProtoToxiproxy]; ok {
				for _, t := range e.Targets.Toxiproxy {
					c.Targets = append(c.Targets, TargetChoice{Name: t.Name, On: "toxiproxy proxy", Params: params(ProtoToxiproxy)})
				}
			}
		default: // a kind of target this function does not know yet
			var all []ParamChoice
			for _, p := range info.Params {
				all = append(all, ParamChoice{Name: p.Name, About: p.About, Required: slices.Contains(row.required, p.Name)})
			}
			c.Targets = []TargetChoice{{On: info.On, Params: all, Typed: true}}
		}
		if len(c.Targets) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// CanCompose reports whether blocks can be composed for the experiment
// (it was read from a file), and written back to it (that file is on
// disk, not built into gameday).
func (e *Experiment) CanCompose() (compose, write bool) {
	if e == nil || e.origin == nil {
		return false, false
	}
	return true, e.origin.onDisk
}
