package experiments

import (
	"fmt"
	"net/http"
	"strings"
)

// EffectiveProbability is the share of requests or connections the
// fault acts on: Probability, or 1 when the file does not say.
func (f Fault) EffectiveProbability() float64 {
	if f.Probability == 0 && !f.src.has("probability") {
		return 1
	}
	return f.Probability
}

// StatusCode is the status an error fault answers: Status, or 503.
func (f Fault) StatusCode() int {
	if f.Status > 0 {
		return f.Status
	}
	return http.StatusServiceUnavailable
}

func formatBytes(n int64) string {
	switch {
	case n >= 1e9:
		return trim(float64(n)/1e9, 1) + "GB"
	case n >= 1e6:
		return trim(float64(n)/1e6, 1) + "MB"
	case n >= 1e3:
		return trim(float64(n)/1e3, 1) + "KB"
	}
	return fmt.Sprintf("%dB", n)
}

// Summary says what a block does, in a line: its fault and load change,
// or what it composes.
func (b Block) Summary() string {
	switch {
	case len(b.Parallel) > 0:
		return "together: " + strings.Join(b.Parallel, ", ")
	case len(b.Sequence) > 0:
		var steps []string
		for _, s := range b.Sequence {
			steps = append(steps, fmt.Sprintf("%s for %s", s.Block, FormatDuration(s.For.Seconds())))
		}
		return "in turn: " + strings.Join(steps, ", then ")
	}
	var parts []string
	if b.Fault != nil {
		parts = append(parts, b.Fault.Describe())
	}
	if b.Load != nil {
		parts = append(parts, fmt.Sprintf("load %s ×%g", b.Load.Target, b.Load.Factor))
	}
	return strings.Join(parts, ", ")
}
