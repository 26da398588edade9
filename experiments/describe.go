package experiments

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// Describe renders what a fault does, for the catalog and the timeline.
func (f Fault) Describe() string {
	scope := ""
	if f.Method != "" || f.PathPrefix != "" || len(f.Header) > 0 {
		var parts []string
		for _, s := range []string{f.Method, f.PathPrefix} {
			if s != "" {
				parts = append(parts, s)
			}
		}
		for _, h := range slices.Sorted(maps.Keys(f.Header)) {
			parts = append(parts, h+": "+f.Header[h])
		}
		scope = " (" + strings.Join(parts, " ") + ")"
	}
	dir := ""
	if f.Direction != "" {
		dir = " " + f.Direction
	}
	pct := UnitPercent.Format(f.EffectiveProbability() * 100)
	switch f.Kind {
	case FaultLatency:
		d := UnitMillis.Format(Millis(f.Delay))
		if f.Jitter > 0 {
			d += " ± " + UnitMillis.Format(Millis(f.Jitter))
		}
		return fmt.Sprintf("%s delay on %s%s%s", d, f.Target, dir, scope)
	case FaultError:
		return fmt.Sprintf("%s answered %d on %s%s", pct, f.StatusCode(), f.Target, scope)
	case FaultAbort:
		return fmt.Sprintf("%s of requests to %s reset%s", pct, f.Target, scope)
	case FaultBlackhole:
		return fmt.Sprintf("traffic to %s held%s%s", f.Target, dir, scope)
	case FaultBandwidth:
		return fmt.Sprintf("%s limited to %s/s%s", f.Target, formatBytes(f.Rate), dir)
	case FaultReset:
		return fmt.Sprintf("connections to %s reset after %s", f.Target, FormatDuration(f.Delay.Seconds()))
	case FaultSlowClose:
		return fmt.Sprintf("closes on %s delayed by %s", f.Target, FormatDuration(f.Delay.Seconds()))
	case FaultDataLimit:
		return fmt.Sprintf("connections to %s closed after %s%s", f.Target, formatBytes(f.Bytes), dir)
	case FaultSlicing:
		return fmt.Sprintf("data to %s cut into %s pieces%s", f.Target, formatBytes(f.SliceSize), dir)
	case FaultPause:
		return fmt.Sprintf("process %s paused (SIGSTOP)", f.Target)
	case FaultKill:
		if f.Restart {
			return fmt.Sprintf("process %s killed, restarted on halt", f.Target)
		}
		return fmt.Sprintf("process %s killed", f.Target)
	case FaultCommand:
		if f.Start != nil {
			return "runs " + strings.Join(f.Start.Argv, " ")
		}
	}
	return string(f.Kind) + " on " + f.Target
}

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
