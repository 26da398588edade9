package experiments

import "gopkg.in/yaml.v3"

// source remembers where a part of an experiment was written, so that the
// checks made after decoding (references, kinds) can say where.
type source struct {
	file string
	node *yaml.Node
	keys map[string]*yaml.Node
}

// at returns the position of key's value, or of the whole part.
func (s *source) at(key string) Pos {
	if s == nil {
		return Pos{}
	}
	n := s.node
	if v, ok := s.keys[key]; ok {
		n = v
	}
	if n == nil {
		return Pos{File: s.file}
	}
	return Pos{File: s.file, Line: n.Line, Col: n.Column}
}

// has reports whether key was written.
func (s *source) has(key string) bool {
	if s == nil {
		return false
	}
	_, ok := s.keys[key]
	return ok
}

func (d *decoder) source(n *yaml.Node, keys map[string]*yaml.Node) *source {
	return &source{file: d.file, node: n, keys: keys}
}
