package experiments

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// previewWidth is the width WritePreview wraps its lines at.
const previewWidth = 80

// WritePreview writes the pre-flight as text for a terminal of 80
// columns or more: the hypothesis, then the targets, the load and the
// probes, the guardrails, the room (when known), every block with what
// it touches and the longest it stays on, and the schedule.
//
//	hypothesis  Checkout keeps its p99 under 250 ms while inventory is slow.
//	proxies     inventory  http 127.0.0.1:18081 → http://127.0.0.1:8081
//	…
//	blocks: what each one touches, and the longest it stays on once triggered
//	  1 slow inventory: 300 ms delay on inventory · up to 10m00s (guardrail)
//	      latency on proxy inventory: http 127.0.0.1:18081 → http://127.0.0.1:8081
//
// Control characters in what the file says are written as �, so that no
// value can move the terminal's cursor.
func WritePreview(w io.Writer, p Preflight) error {
	t := &textWriter{w: w}
	if p.Hypothesis != "" {
		t.field("hypothesis", p.Hypothesis)
	}
	if p.File != "" {
		t.field("file", p.File)
	}
	if p.Case != "" {
		t.field("case", p.Case)
	}
	if p.Allow != nil {
		allow := strings.Join(p.Allow, ", ")
		if len(p.Allow) == 0 {
			allow = "nothing (allow: is empty)"
		}
		t.field("allow", allow+"; every target below is inside it")
	}
	t.blank()

	t.table("proxies", rowsOf(p.Proxies, func(x *PreflightProxy) row { return row{x.Name, proxyText(x)} }), "none")
	t.table("toxiproxy", rowsOf(p.Toxiproxy, func(x *PreflightToxiproxy) row { return row{x.Name, toxiproxyText(x)} }), "")
	t.table("kubernetes", rowsOf(p.Kubernetes, func(x *PreflightKubernetes) row { return row{x.Name, kubernetesText(x)} }), "")
	t.table("processes", rowsOf(p.Processes, func(x *PreflightProcess) row { return row{x.Name, processText(x)} }), "none")
	t.table("load", rowsOf(p.Loads, func(x *PreflightLoad) row { return row{x.Name, loadText(x)} }), "none")
	t.table("probes", rowsOf(p.Probes, func(x *PreflightProbe) row {
		return row{x.Name, fmt.Sprintf("%s: %s, every %s", x.Kind, x.Target, dur(x.Every))}
	}), "none")
	g := p.Guardrails
	limit := "a block stays on at most " + FormatDuration(g.MaxFaultDuration.Seconds())
	if g.Default {
		limit += " (the default max_fault_duration)"
	}
	rows := []row{{"", limit}}
	for _, a := range g.Abort {
		text := "abort when " + a.Condition
		if a.For > 0 {
			text += " for " + FormatDuration(a.For.Seconds())
		}
		if a.Name != "" {
			text = strconv.Quote(a.Name) + ": " + text
		}
		rows = append(rows, row{"", text})
	}
	t.table("guardrails", rows, "")
	t.table("room", rowsOf(p.Room, func(r *string) row { return row{"", *r} }), "")
	t.blank()
	t.blocks(p.Blocks)
	t.plan(p)
	return t.err
}

type row struct{ name, text string }

func rowsOf[T any](xs []T, f func(*T) row) []row {
	out := make([]row, len(xs))
	for i := range xs {
		out[i] = f(&xs[i])
	}
	return out
}

func proxyText(x *PreflightProxy) string {
	s := fmt.Sprintf("%s %s → %s", x.Protocol, x.Listen, x.Upstream)
	if x.Exposed {
		s += " (listens beyond loopback: others can reach it)"
	}
	return s
}

func toxiproxyText(x *PreflightToxiproxy) string {
	return fmt.Sprintf("proxy %s on the Toxiproxy server %s", strconv.Quote(x.Proxy), x.Server)
}

func processText(x *PreflightProcess) string {
	switch {
	case x.Command != "":
		return "started by gameday: " + x.Command
	case x.PIDFile != "":
		return "found by its pid file " + x.PIDFile
	}
	return fmt.Sprintf("pid %d", x.PID)
}

func kubernetesText(x *PreflightKubernetes) string {
	s := fmt.Sprintf("%s (mode %s), %s", x.Selector, x.Mode, x.Cluster)
	if x.Namespace != "" && !strings.HasSuffix(x.Selector, " in "+x.Namespace) {
		s += ", its Chaos Mesh objects in " + x.Namespace
	}
	switch {
	case x.Checked && len(x.Pods) > 6:
		s += fmt.Sprintf(": %d pods: %s, …", len(x.Pods), strings.Join(x.Pods[:6], ", "))
	case x.Checked:
		s += fmt.Sprintf(": %s: %s", Count(len(x.Pods), "pod", "pods"), strings.Join(x.Pods, ", "))
	case x.Note != "":
		s += " (" + x.Note + ")"
	}
	return s
}

func loadText(x *PreflightLoad) string {
	s := fmt.Sprintf("%s %s at %s/s", x.Method, x.URL, trim(x.Rate, 3))
	if x.Curve != "" {
		s += ", " + x.Curve
	}
	return s
}

// touchText says what a block touches, in a line.
func touchText(t *Touch) string {
	switch {
	case t.Proxy != nil:
		return fmt.Sprintf("%s on proxy %s: %s", t.Fault, t.Proxy.Name, proxyText(t.Proxy))
	case t.Toxiproxy != nil:
		return fmt.Sprintf("%s on %s: %s", t.Fault, t.Toxiproxy.Name, toxiproxyText(t.Toxiproxy))
	case t.Kube != nil:
		return fmt.Sprintf("%s on %s: Chaos Mesh on %s", t.Fault, t.Kube.Name, kubernetesText(t.Kube))
	case t.Process != nil:
		return fmt.Sprintf("%s process %s: %s", t.Fault, t.Process.Name, processText(t.Process))
	case t.Load != nil:
		return fmt.Sprintf("load %s ×%g: %s", t.Load.Name, t.Factor, loadText(t.Load))
	}
	return string(t.Fault)
}

func (t *textWriter) blocks(bs []PreflightBlock) {
	if len(bs) == 0 {
		t.line("blocks      none", "")
		return
	}
	t.line("blocks: what each one touches, and the longest it stays on once triggered", "")
	for i, b := range bs {
		longest := "up to " + FormatDuration(b.Longest.Seconds())
		if b.Guarded {
			longest += " (guardrail)"
		}
		t.line(fmt.Sprintf("  %d %s: %s · %s", i+1, b.Name, b.Summary, longest), "      ")
		if b.Curve != "" {
			t.line("      curve: "+b.Curve, "        ")
		}
		for j := range b.Touches {
			x := &b.Touches[j]
			by := ""
			if x.Block != b.Name {
				by = x.Block + ": "
			}
			if c := x.Command; c != nil {
				t.line("      "+by+"runs   "+c.Start, "        ")
				t.line("      "+strings.Repeat(" ", len(by))+"revert "+c.Revert, "        ")
				continue
			}
			t.line("      "+by+touchText(x), "        ")
		}
	}
}

// plan writes the schedule, step by step, as `gameday run` will play it.
func (t *textWriter) plan(p Preflight) {
	if p.Plan == nil {
		return
	}
	t.blank()
	t.line(fmt.Sprintf("schedule: %s in all", FormatDuration(p.Plan.End().Seconds())), "")
	summaries := map[string]string{}
	for _, b := range p.Blocks {
		summaries[b.Name] = b.Summary
	}
	for _, st := range p.Plan {
		at := FormatDuration(st.At.Seconds())
		if len(st.Blocks) == 0 {
			t.line(fmt.Sprintf("  at %-6s %s: watch for %s", at, st.Label, FormatDuration(st.For.Seconds())), "           ")
			continue
		}
		t.line(fmt.Sprintf("  at %-6s %s: for %s", at, st.Label, FormatDuration(st.For.Seconds())), "           ")
		for _, b := range st.Blocks {
			t.line(fmt.Sprintf("           switch on %s: %s", b, summaries[b]), "             ")
		}
	}
	t.line("  then judge "+Count(p.Assumptions, "assumption", "assumptions"), "")
}

// textWriter writes wrapped lines and keeps the first error.
type textWriter struct {
	w   io.Writer
	err error
}

const labelWidth = 12 // "guardrails" and a space

// field writes "label       text", wrapped under the text.
func (t *textWriter) field(label, text string) {
	t.line(pad(label, labelWidth)+text, strings.Repeat(" ", labelWidth))
}

// table writes a section: its label, then a row per item, the names in a
// column; none is written when there are no rows ("" writes nothing).
func (t *textWriter) table(label string, rows []row, none string) {
	if len(rows) == 0 {
		if none != "" {
			t.field(label, none)
		}
		return
	}
	nameW := 0
	for _, r := range rows {
		nameW = max(nameW, min(utf8.RuneCountInString(r.name), 18))
	}
	for i, r := range rows {
		head := strings.Repeat(" ", labelWidth)
		if i == 0 {
			head = pad(label, labelWidth)
		}
		name := ""
		if nameW > 0 {
			name = pad(r.name, nameW+2)
		}
		t.line(head+name+r.text, strings.Repeat(" ", labelWidth+utf8.RuneCountInString(name)))
	}
}

func pad(s string, w int) string {
	if n := utf8.RuneCountInString(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s + " "
}

func (t *textWriter) blank() { t.write("\n") }

// line writes s wrapped at previewWidth, continuation lines indented by
// hang; a word longer than a line is left whole.
func (t *textWriter) line(s, hang string) {
	const nbsp = "\u00a0"
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return utf8.RuneError
		}
		return r
	}, s)
	s = numberUnitRE.ReplaceAllString(s, "${1}"+nbsp+"${2}${3}")
	var b strings.Builder
	col := 0
	for i, word := range strings.Split(s, " ") {
		n := utf8.RuneCountInString(word)
		switch {
		case i == 0:
		case col+1+n > previewWidth && col > utf8.RuneCountInString(hang) && word != "":
			b.WriteString("\n" + hang)
			col = utf8.RuneCountInString(hang)
		default:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += n
	}
	t.write(strings.ReplaceAll(b.String(), nbsp, " ") + "\n")
}

// numberUnitRE finds a number and its unit ("20 %", "300 ms"), which a
// line keeps together.
var numberUnitRE = regexp.MustCompile(`(\d) (%|ms)(\W|$)`)

// dur renders a duration: 250ms, 5s, 1m30s.
func dur(d time.Duration) string {
	if d > 0 && d < time.Second {
		return d.String()
	}
	return FormatDuration(d.Seconds())
}

func (t *textWriter) write(s string) {
	if t.err == nil {
		_, t.err = io.WriteString(t.w, s)
	}
}
