package experiments

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// parseDuration reads a duration that must have a unit: 300ms, 5s, 1m30s.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("want a duration with a unit, like 300ms or 5s")
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		if s == "0" {
			return 0, nil
		}
		return 0, fmt.Errorf("%q has no unit: write it as %sms or %ss", s, s, s)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: want a number and a unit (ms, s, m, h), like 300ms or 1m30s", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative: want a duration of 0 or more", s)
	}
	if d > maxDuration {
		return 0, fmt.Errorf("%q is longer than a day: want at most 24h", s)
	}
	return d, nil
}

var rateRE = regexp.MustCompile(`^\s*([0-9]*\.?[0-9]+)\s*/\s*(s|sec|second|m|min|minute|h|hour)\s*$`)

// parseRate reads a rate with its unit: 50/s, 600/min, 10/h.
func parseRate(s string) (float64, error) {
	m := rateRE.FindStringSubmatch(s)
	if m == nil {
		if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			return 0, fmt.Errorf("%q has no unit: write it as %s/s (per second) or %s/min", s, strings.TrimSpace(s), strings.TrimSpace(s))
		}
		return 0, fmt.Errorf("%q is not a rate: want a number per unit, like 50/s or 600/min", s)
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	switch m[2][0] {
	case 'm':
		v /= 60
	case 'h':
		v /= 3600
	}
	return v, nil
}

// parseProbability reads a probability as a percentage (25%) or a fraction
// from 0 to 1 (0.25).
func parseProbability(s string) (float64, error) {
	t := strings.TrimSpace(s)
	if strings.HasSuffix(t, "%") {
		v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(t, "%")), 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a percentage: want a number from 0%% to 100%%", s)
		}
		if v < 0 || v > 100 || math.IsNaN(v) {
			return 0, fmt.Errorf("%q is out of range: want 0%% to 100%%", s)
		}
		return v / 100, nil
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a probability: want a percentage like 25%% or a fraction like 0.25", s)
	}
	if v < 0 || v > 1 || math.IsNaN(v) {
		return 0, fmt.Errorf("%q is out of range: a fraction is 0 to 1; write percentages with %%, like 25%%", s)
	}
	return v, nil
}

var bytesRE = regexp.MustCompile(`^\s*([0-9]*\.?[0-9]+)\s*([KMG]i?B|B)\s*$`)

// parseBytes reads a size: 512B, 64KB, 1.5MiB (KB = 1000 bytes, KiB = 1024).
func parseBytes(s string) (int64, error) {
	m := bytesRE.FindStringSubmatch(s)
	if m == nil {
		if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			return 0, fmt.Errorf("%q has no unit: write it as %sB, %sKB or %sMB", s, s, s, s)
		}
		return 0, fmt.Errorf("%q is not a size: want a number and B, KB, MB, GB (or KiB, MiB, GiB)", s)
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	mult := map[string]float64{"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[m[2]]
	if b := v * mult; b > maxBytes || math.IsInf(b, 0) {
		return 0, fmt.Errorf("%q is too large: want at most 1024GiB", s)
	}
	return int64(v * mult), nil
}

// parseBandwidth reads bytes per second: 100KB/s, 1MiB/s.
func parseBandwidth(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if !strings.HasSuffix(t, "/s") {
		return 0, fmt.Errorf("%q is not a bandwidth: want a size per second, like 100KB/s", s)
	}
	return parseBytes(strings.TrimSuffix(t, "/s"))
}

// relativeFactor reads a threshold relative to the baseline: "1.5x" or
// "1.5x baseline".
func relativeFactor(s string) (float64, bool) {
	t := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "baseline"))
	if !strings.HasSuffix(t, "x") {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(t, "x")), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// parseThreshold reads a threshold and its unit: 250ms (→ 250 ms), 1.5s
// (→ 1500 ms), 1% (→ 1 %), 50/s (→ req/s), 100 (no unit).
func parseThreshold(s string) (float64, Unit, error) {
	t := strings.TrimSpace(s)
	switch {
	case strings.HasSuffix(t, "%"):
		v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(t, "%")), 64)
		if err != nil || math.IsNaN(v) {
			return 0, "", fmt.Errorf("%q is not a percentage", s)
		}
		if v < 0 || v > 100 {
			return 0, "", fmt.Errorf("%q is out of range: want 0%% to 100%%", s)
		}
		return v, UnitPercent, nil
	case strings.Contains(t, "/"):
		v, err := parseRate(t)
		return v, UnitPerSec, err
	}
	if v, err := strconv.ParseFloat(t, 64); err == nil {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, "", fmt.Errorf("%q is not a finite number", s)
		}
		return v, UnitNone, nil
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return 0, "", fmt.Errorf("%q is not a threshold: want a number, a duration (250ms), a percentage (1%%) or a rate (50/s)", s)
	}
	return float64(d) / float64(time.Millisecond), UnitMillis, nil
}
