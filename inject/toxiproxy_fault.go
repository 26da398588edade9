package inject

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
)

// ToxicFault is a toxic to put on a proxy of an existing Toxiproxy server.
type ToxicFault struct {
	Server   string  // the server's API: "http://127.0.0.1:8474" ("127.0.0.1:8474" gets http://)
	Proxy    string  // the proxy's name on that server; it must exist
	Type     string  // latency, bandwidth, slow_close, timeout, reset_peer, slicer, limit_data
	Stream   string  // "downstream" (to the client; the default), "upstream", or "both": a toxic on each
	Toxicity float64 // the share of connections the toxic acts on, 0..1; 0 (unset) means 1
	// Attributes are the toxic's, by type: latency: latency, jitter (ms);
	// bandwidth: rate (KB/s); slow_close: delay (ms); timeout, reset_peer:
	// timeout (ms); slicer: average_size, size_variation (bytes), delay
	// (µs); limit_data: bytes. One not given is 0, as in Toxiproxy.
	Attributes map[string]int64
}

// toxicType is what gameday knows of a Toxiproxy toxic type: its
// attributes, those that must be > 0, and how intensity i scales them.
type toxicType struct {
	attrs    []string
	required []string // must be > 0, or the toxic does nothing (or, for rate, stops everything)
	scaled   []string // value × i: 0 is no effect
	inverse  []string // value ÷ i, capped at toxicUnlimited: lower intensity, looser limit
}

var toxicTypes = map[string]toxicType{
	"latency":    {attrs: []string{"latency", "jitter"}, required: []string{"latency"}, scaled: []string{"latency", "jitter"}},
	"bandwidth":  {attrs: []string{"rate"}, required: []string{"rate"}, inverse: []string{"rate"}},
	"slow_close": {attrs: []string{"delay"}, required: []string{"delay"}, scaled: []string{"delay"}},
	"timeout":    {attrs: []string{"timeout"}},
	"reset_peer": {attrs: []string{"timeout"}},
	"slicer":     {attrs: []string{"average_size", "size_variation", "delay"}, required: []string{"average_size"}, scaled: []string{"delay"}},
	"limit_data": {attrs: []string{"bytes"}, inverse: []string{"bytes"}},
}

// toxicUnlimited is what an inverse attribute becomes at intensity 0: a
// rate of 1 PiB/s, a limit of 1 TiB, no limit in practice (and small
// enough that Toxiproxy's arithmetic on it does not overflow).
const toxicUnlimited = 1 << 40

// toxicName is what names (of injectors and proxies) may hold: they go
// into the API's URL paths as they are.
var toxicName = regexp.MustCompile(`^[A-Za-z0-9._:-]+$`)

// Validate reports whether f can be put on a server.
func (f ToxicFault) Validate() error {
	var errs []error
	if _, err := toxiServer(f.Server); err != nil {
		errs = append(errs, err)
	}
	if !toxicName.MatchString(f.Proxy) {
		errs = append(errs, fmt.Errorf("proxy name %q: want letters, digits and . _ : - only", f.Proxy))
	}
	switch f.Stream {
	case "", "downstream", "upstream", "both":
	default:
		errs = append(errs, fmt.Errorf("stream %q is not downstream, upstream or both", f.Stream))
	}
	if !isProbability(f.Toxicity) {
		errs = append(errs, fmt.Errorf("toxicity %v is not within 0..1", f.Toxicity))
	}
	tt, ok := toxicTypes[f.Type]
	if !ok {
		errs = append(errs, fmt.Errorf("type %q is not one of %s", f.Type, strings.Join(slices.Sorted(maps.Keys(toxicTypes)), ", ")))
		return errors.Join(errs...)
	}
	for _, k := range slices.Sorted(maps.Keys(f.Attributes)) {
		switch v := f.Attributes[k]; {
		case !slices.Contains(tt.attrs, k):
			errs = append(errs, fmt.Errorf("a %s toxic has no attribute %q (it has %s)", f.Type, k, strings.Join(tt.attrs, ", ")))
		case v < 0:
			errs = append(errs, fmt.Errorf("attribute %s is %d, below 0", k, v))
		}
	}
	for _, k := range tt.required {
		if f.Attributes[k] <= 0 {
			msg := fmt.Sprintf("a %s toxic needs attribute %s above 0", f.Type, k)
			if k == "rate" {
				msg += " (a rate of 0 stops all data: use a timeout toxic for that)"
			}
			errs = append(errs, errors.New(msg))
		}
	}
	return errors.Join(errs...)
}

// toxiServer returns the server's API address as requests want it:
// http://host:port, with no path.
func toxiServer(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", errors.New("no server: want the Toxiproxy API's address, such as http://127.0.0.1:8474")
	}
	if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
		s = "http://" + s
	}
	host := s[strings.Index(s, "//")+2:]
	if host = strings.TrimRight(host, "/"); host == "" || strings.ContainsAny(host, "/?# \t\n") {
		return "", fmt.Errorf("server %q: want the Toxiproxy API's address, such as http://127.0.0.1:8474", s)
	}
	return strings.TrimRight(s, "/"), nil
}

// attrsAt returns the attributes at intensity i.
func (f ToxicFault) attrsAt(i float64) map[string]int64 {
	tt := toxicTypes[f.Type]
	out := map[string]int64{}
	for k, v := range f.Attributes {
		switch {
		case slices.Contains(tt.scaled, k):
			out[k] = int64(math.Round(float64(v) * i))
		case slices.Contains(tt.inverse, k):
			u := float64(toxicUnlimited)
			if i > 0 {
				u = min(u, float64(v)/i)
			}
			out[k] = max(v, int64(math.Round(u)))
		default:
			out[k] = v
		}
	}
	return out
}
