package experiments

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// substituter replaces ${NAME}, ${NAME:-default} and ${matrix.NAME} in
// scalar values; $$ is a literal $. Host variables come before the
// environment.
type substituter struct {
	vars    map[string]string
	env     func(string) (string, bool)
	matrix  map[string]string // the current matrix case
	params  map[string]bool   // matrix parameters declared (for suggestions)
	secrets map[string]bool   // names whose values are secret
	used    map[string]bool   // matrix parameters referenced
	values  []string          // secret values substituted so far
	hint    *budget           // for suggestions
}

// expand substitutes s; the error says which reference failed.
func (sb *substituter) expand(s string) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		if i+1 >= len(s) || s[i+1] != '{' {
			b.WriteByte('$')
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("unclosed ${ in %q: write ${NAME}, or $$ for a literal $", excerpt(s))
		}
		ref := s[i+2 : i+end]
		v, err := sb.lookup(ref)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
		i += end
	}
	return b.String(), nil
}

func (sb *substituter) lookup(ref string) (string, error) {
	name, def, hasDef := strings.Cut(ref, ":-")
	name = strings.TrimSpace(name)
	if name == "" {
		return "", fmt.Errorf("empty ${}: want ${NAME}")
	}
	if p, ok := strings.CutPrefix(name, "matrix."); ok {
		if !sb.params[p] {
			var names []string
			for n := range sb.params {
				names = append(names, n)
			}
			if len(names) == 0 {
				return "", fmt.Errorf("${%s}: the file has no matrix", name)
			}
			return "", fmt.Errorf("${%s}: no matrix parameter %q%s", excerpt(name), excerpt(p), sb.hint.suggest(p, names))
		}
		sb.used[p] = true
		return sb.matrix[p], nil
	}
	v, ok := sb.vars[name]
	if !ok && sb.env != nil {
		v, ok = sb.env(name)
	}
	if !ok {
		if hasDef {
			return def, nil
		}
		name = excerpt(name)
		return "", fmt.Errorf("${%s}: the environment variable %s is not set (set it, or give a default: ${%s:-value})", name, name, name)
	}
	if sb.secrets[name] && v != "" {
		sb.values = append(sb.values, v)
	}
	return v, nil
}

// Redact replaces every secret value in s, in every form it may take
// once written somewhere: as it is, quoted as Go or JSON quote it,
// escaped for a URL, for HTML or XML.
func (e *Experiment) Redact(s string) string {
	if len(e.Secrets) == 0 || s == "" {
		return s
	}
	for _, v := range secretForms(e.Secrets) {
		s = strings.ReplaceAll(s, v, "••••••")
	}
	return s
}

// secretForms are the secrets in every form Redact looks for, longest
// first, so that a form is replaced whole before a shorter one inside it.
func secretForms(secrets []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(v string) {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for _, v := range secrets {
		add(v)
		add(strings.Trim(strconv.Quote(v), `"`))
		if b, err := json.Marshal(v); err == nil {
			add(strings.Trim(string(b), `"`))
		}
		add(url.QueryEscape(v))
		add(url.PathEscape(v))
		add(html.EscapeString(v))
		var x strings.Builder
		_ = xml.EscapeText(&x, []byte(v))
		add(x.String())
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}
