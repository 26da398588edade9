package experiments

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Pos is a place in an experiment file.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// FileError is one problem in an experiment file, where it is and what was
// expected.
type FileError struct {
	Pos
	Msg string
}

func (e FileError) Error() string { return e.Pos.String() + ": " + e.Msg }

// FileErrors is every problem found in a file, in file order.
type FileErrors []FileError

func (es FileErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func (es FileErrors) sorted() FileErrors {
	out := append(FileErrors(nil), es...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	// The same error at the same place once (a matrix repeats them).
	uniq := slices.Compact(out)
	const most = 100
	if len(uniq) > most {
		more := FileError{Pos: Pos{File: uniq[most].File}, Msg: fmt.Sprintf("… and %d more problems", len(uniq)-most)}
		uniq = append(uniq[:most], more)
	}
	return uniq
}

// suggest returns " (did you mean "x"?)" for the candidate closest to s,
// or "" when none is close, or when the file's budget for suggestions
// is spent (a file with thousands of unknown names gets its errors, not
// a quadratic search).
func (b *budget) suggest(s string, candidates []string) string {
	const longest = 64 // runes: longer names get no suggestion
	if b == nil || b.hints <= 0 || len(s) > 4*longest {
		return ""
	}
	ls := strings.ToLower(s)
	rs := len([]rune(ls))
	if rs > longest {
		return ""
	}
	limit := max(2, len(s)/3)
	best, bestD := "", limit+1
	for _, c := range candidates {
		if len(c) > 4*longest {
			continue
		}
		lc := strings.ToLower(c)
		rc := len([]rune(lc))
		if rc > longest || rc-rs > limit || rs-rc > limit {
			continue // too far apart in length to be close
		}
		if b.hints -= (rs + 1) * (rc + 1); b.hints < 0 {
			break
		}
		if d := editDistance(ls, lc); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// excerpt shortens a piece of input for an error message: at most
// maxQuote characters, and a count of what was left out.
func excerpt(s string) string {
	r := []rune(s)
	if len(r) <= maxQuote {
		return s
	}
	return fmt.Sprintf("%s… (%d more characters)", string(r[:maxQuote-1]), len(r)-maxQuote+1)
}

// listText is a list that an error message says (valid keys, declared
// names): made by gameday, not quoted input, so shortArgs leaves it whole.
type listText string

// shortArgs shortens the string arguments of an error message (see
// excerpt), so that no error echoes a huge value. Lists gameday makes
// (listText) are left whole.
func shortArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = excerpt(v)
		case []string:
			if len(v) > 20 {
				v = append(v[:20:20], fmt.Sprintf("… (%d more)", len(v)-20))
			}
			short := make([]string, len(v))
			for j, s := range v {
				short[j] = excerpt(s)
			}
			out[i] = short
		default:
			out[i] = a
		}
	}
	return out
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// quoteList renders names for a message: "a", "b" or "c" (the first 20).
func quoteList(names []string) listText {
	if len(names) > 20 {
		names = append(names[:20:20], fmt.Sprintf("… %d more", len(names)-20))
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", excerpt(n))
	}
	switch len(q) {
	case 0:
		return listText("(none)")
	case 1:
		return listText(q[0])
	}
	return listText(strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1])
}
