package experiments

import "time"

// Bounds on what a file may ask for: each keeps a game day, and the
// checking of its file, within what one machine holds, and each error
// that enforces one says the bound.
const (
	minInterval = 10 * time.Millisecond // sampling faster than this is noise, and memory
	maxInterval = time.Minute
	// maxDuration bounds every duration in a file: windows, timeouts,
	// steps, curves.
	maxDuration = 24 * time.Hour
	// maxSeriesPoints bounds the points a series keeps (the longest
	// window over the interval).
	maxSeriesPoints = 20_000
	maxBytes        = 1 << 40 // sizes: 1 TiB
	maxBandwidth    = 1 << 40 // bytes per second
	maxItems        = 1000    // targets, loads, probes, assumptions, blocks, steps, charts: each
	maxFileSize     = 8 << 20 // an experiment or catalog file
	// maxHypothesis bounds the hypothesis, in characters: one or two
	// sentences, shown in the cockpit's header and atop every report.
	maxHypothesis = 500
	// maxNodes bounds the YAML nodes visited while decoding a file,
	// aliases expanded, across every case of its matrix and every
	// include, unknown keys included.
	maxNodes = 1_000_000
	// maxHintWork bounds the did-you-mean search of one file (cells of
	// edit-distance tables): past it, errors come without suggestions.
	maxHintWork = 20_000_000
	// maxQuote is the longest excerpt of input an error quotes.
	maxQuote = 80
	// maxErrors is how many errors the checking of a file collects (it
	// prints the first 100 of them, in file order).
	maxErrors = 1000
)

// budget is what the checking of one file may still spend.
type budget struct {
	nodes int // YAML nodes to visit
	hints int // edit-distance cells for did-you-mean
}

func newBudget() *budget { return &budget{nodes: maxNodes, hints: maxHintWork} }
