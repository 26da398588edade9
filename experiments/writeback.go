package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Writing composed blocks back into the experiment file:
//
//	the file on disk ══ what gameday loaded (or last wrote)?  no ──▶ ErrFileChanged, nothing written
//	      │ yes
//	      ▼
//	its yaml.v3 tree ──▶ where its blocks: list ends, how its items are indented
//	      │
//	      ▼
//	the file's text with the blocks' text inserted there (nothing else touched)
//	      │ the same tree as the old one with the blocks appended, and it validates?
//	      ▼
//	FILE.bak ◀── the old text;  a temporary file ──rename──▶ FILE
//
// Where the text cannot be placed (a blocks: list written [in, flow]), the
// tree itself is edited and encoded again: comments and order stay, the
// layout of the rest may not.

// ErrFileChanged says the experiment file no longer holds what gameday
// loaded: someone else wrote to it.
var ErrFileChanged = errors.New("changed on disk since gameday loaded it")

// ErrReadOnly says the experiment file may not be written.
var ErrReadOnly = errors.New("read-only")

// WriteResult says what WriteBlocks did.
type WriteResult struct {
	Path   string // the file written (a symbolic link's target)
	Backup string // where its former content is kept
	// Content is what the file holds now: what the next write expects.
	Content []byte
	// Reformatted is set when the blocks could not be inserted as text
	// and the whole file was encoded again from its tree.
	Reformatted bool
}

// Loaded is the file's content as gameday read it (nil for an experiment
// not read from a file): what WriteBlocks expects the first time.
func (e *Experiment) Loaded() []byte {
	if e == nil || e.origin == nil {
		return nil
	}
	return e.origin.data
}

// WriteBlocks adds drafts at the end of the blocks of the experiment's
// file, which must still hold loaded (what gameday read, or last wrote):
// every comment, the order and the formatting of the rest stay as they
// are. The new content must validate, with every case of the file's
// matrix, before anything is written; the former content is kept beside
// the file (FILE.bak, or FILE.bak.N when that exists), and the new one
// replaces it at once (a temporary file renamed over it). On any error
// the file is as it was.
func (e *Experiment) WriteBlocks(loaded []byte, drafts []Draft, now time.Time) (WriteResult, error) {
	o := e.origin
	switch {
	case o == nil:
		return WriteResult{}, ErrNoFile
	case !o.onDisk:
		return WriteResult{}, fmt.Errorf("%s is built into gameday: there is no file to write the blocks to", o.path)
	case len(drafts) == 0:
		return WriteResult{}, errors.New("no composed block to write")
	}
	path, err := filepath.EvalSymlinks(o.path)
	if err != nil {
		return WriteResult{}, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return WriteResult{}, err
	}
	if st.Mode().Perm()&0o222 == 0 {
		return WriteResult{}, fmt.Errorf("%s is %w (mode %v): make it writable and write again", o.path, ErrReadOnly, st.Mode().Perm())
	}
	current, err := os.ReadFile(path)
	if err != nil {
		return WriteResult{}, err
	}
	if !bytes.Equal(current, loaded) {
		return WriteResult{}, fmt.Errorf("%s %w: not written, so as not to overwrite that change", o.path, ErrFileChanged)
	}
	content, reformatted, err := withBlocks(current, drafts, now)
	if err != nil {
		return WriteResult{}, fmt.Errorf("%s: %w", o.path, err)
	}
	if _, err := Parse(o.path, content, o.opts...); err != nil {
		return WriteResult{}, fmt.Errorf("%s would not validate with the blocks, so it was not written:\n%w", o.path, err)
	}
	backup, err := writeBackup(path, current, st.Mode().Perm())
	if err != nil {
		return WriteResult{}, fmt.Errorf("the backup of %s: %w", o.path, err)
	}
	if err := replaceFile(path, content, loaded, st.Mode().Perm()); err != nil {
		_ = os.Remove(backup)
		return WriteResult{}, fmt.Errorf("%s: %w", o.path, err)
	}
	return WriteResult{Path: path, Backup: backup, Content: content, Reformatted: reformatted}, nil
}

// withBlocks returns data with the drafts at the end of its blocks.
func withBlocks(data []byte, drafts []Draft, now time.Time) ([]byte, bool, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, false, errors.New("not an experiment's YAML any more")
	}
	want, err := appended(&doc, drafts)
	if err != nil {
		return nil, false, err
	}
	if out, ok := spliced(data, doc.Content[0], drafts, now); ok && sameTree(out, want) {
		return out, false, nil
	}
	// Edit the tree and encode it all again.
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(want); err != nil {
		return nil, false, err
	}
	_ = enc.Close()
	return b.Bytes(), true, nil
}

// appended is a copy of doc's tree with the drafts' nodes at the end of
// its blocks: what the written file must read as.
func appended(doc *yaml.Node, drafts []Draft) (*yaml.Node, error) {
	var cp yaml.Node
	b, err := yaml.Marshal(doc)
	if err == nil {
		err = yaml.Unmarshal(b, &cp)
	}
	if err != nil {
		return nil, err
	}
	seq, err := blocksOf(cp.Content[0])
	if err != nil {
		return nil, err
	}
	if seq.Style&yaml.FlowStyle == 0 {
		for _, c := range seq.Content {
			c.Style &^= yaml.FlowStyle // [] written as a list: block style from now on
		}
	}
	for _, d := range drafts {
		n, _, errs := d.node(1)
		if len(errs) > 0 {
			return nil, errs
		}
		seq.Content = append(seq.Content, n)
	}
	return &cp, nil
}

// spliced inserts the drafts' text where the file's blocks: list ends,
// indented as its items are; false when the list is not one it can
// write into as text (written [in, flow], or as an alias).
func spliced(data []byte, root *yaml.Node, drafts []Draft, now time.Time) ([]byte, bool) {
	eol := "\n"
	if bytes.Contains(data, []byte("\r\n")) {
		eol = "\r\n"
	}
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	item := func(indent int) string {
		var b strings.Builder
		pad := strings.Repeat(" ", indent)
		b.WriteString(pad + "# composed in gameday's cockpit, " + now.Format("2006-01-02 15:04") + eol)
		for _, d := range drafts {
			for _, l := range strings.SplitAfter(d.YAML(), "\n") {
				if l != "" {
					b.WriteString(pad + strings.TrimSuffix(l, "\n") + eol)
				}
			}
		}
		return b.String()
	}
	join := func(head []string, mid string, tail []string) []byte {
		out := strings.Join(head, "")
		if out != "" && !strings.HasSuffix(out, "\n") {
			out += eol
		}
		return []byte(out + mid + strings.Join(tail, ""))
	}
	keyAt := -1
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "blocks" {
			keyAt = i
		}
	}
	if keyAt < 0 { // no blocks yet: a list at the end
		return join(lines, eol+"blocks:"+eol+item(2), nil), true
	}
	key, seq := root.Content[keyAt], root.Content[keyAt+1]
	if seq.Kind != yaml.SequenceNode || seq.Style&yaml.FlowStyle != 0 || len(seq.Content) == 0 {
		return nil, false
	}
	dash := seq.Column - 1
	// The list ends before the next key of the file (or at its end),
	// less what belongs to that key: the blank lines and comments less
	// indented than the list's items.
	end := len(lines)
	if keyAt+2 < len(root.Content) {
		end = root.Content[keyAt+2].Line - 1
	}
	for end > key.Line {
		l := strings.TrimRight(lines[end-1], "\r\n")
		t := strings.TrimLeft(l, " ")
		if t != "" && !(strings.HasPrefix(t, "#") && len(l)-len(t) < dash) {
			break
		}
		end--
	}
	return join(lines[:end], item(dash), lines[end:]), true
}

// sameTree reports whether data reads as the tree want, comments aside.
func sameTree(data []byte, want *yaml.Node) bool {
	var got yaml.Node
	if err := yaml.Unmarshal(data, &got); err != nil {
		return false
	}
	a, errA := bare(&got)
	b, errB := bare(want)
	return errA == nil && errB == nil && bytes.Equal(a, b)
}

// bare encodes a tree without its comments and styles: its data only.
func bare(n *yaml.Node) ([]byte, error) {
	var cp yaml.Node
	b, err := yaml.Marshal(n)
	if err == nil {
		err = yaml.Unmarshal(b, &cp)
	}
	if err != nil {
		return nil, err
	}
	var strip func(*yaml.Node)
	strip = func(n *yaml.Node) {
		n.HeadComment, n.LineComment, n.FootComment, n.Style = "", "", "", 0
		for _, c := range n.Content {
			strip(c)
		}
	}
	strip(&cp)
	return yaml.Marshal(&cp)
}

// writeBackup keeps data beside path, in FILE.bak or the first free
// FILE.bak.N; it never replaces a file.
func writeBackup(path string, data []byte, mode fs.FileMode) (string, error) {
	for i := 0; i < 1000; i++ {
		name := path + ".bak"
		if i > 0 {
			name = fmt.Sprintf("%s.bak.%d", path, i)
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		_, err = f.Write(data)
		if serr := f.Sync(); err == nil {
			err = serr
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(name)
			return "", err
		}
		return name, nil
	}
	return "", fmt.Errorf("%s.bak and 999 more backups exist: remove some", path)
}

// replaceFile writes data to a temporary file beside path and renames it
// over path, unless path no longer holds was.
func replaceFile(path string, data, was []byte, mode fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() { _ = os.Remove(tmp) }() // gone once renamed
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = f.Chmod(mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if now, err := os.ReadFile(path); err != nil || !bytes.Equal(now, was) {
		return ErrFileChanged // written to in the meantime
	}
	return os.Rename(tmp, path)
}
