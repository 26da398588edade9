package journal

import "github.com/gameday-dev/gameday/experiments"

// AddedBlock is the block an event says was composed during the game
// day (experiments.EventBlockAdded), as the header records the file's.
func AddedBlock(e *experiments.Event) (Block, bool) {
	if e.Kind != experiments.EventBlockAdded || e.Added == nil || e.Subject == "" {
		return Block{}, false
	}
	return Block{Name: e.Subject, Summary: e.Added.Summary, Kind: e.Added.Kind, Target: e.Added.Target}, true
}

// noteAdded takes a block composed during the game day into the replay's
// catalog, from its event (the ev-th), so that it shows from then on.
func (r *Replay) noteAdded(e *experiments.Event, ev int) {
	b, ok := AddedBlock(e)
	if !ok || len(r.h.Blocks) >= MaxBlocks {
		return
	}
	if _, dup := r.blockIx[b.Name]; dup {
		return
	}
	if r.added == nil {
		r.added = map[string]int{}
	}
	r.added[b.Name] = ev
	r.blockIx[b.Name] = len(r.h.Blocks)
	r.h.Blocks = append(r.h.Blocks, b)
}

// addedBy reports whether the block was in the catalog once the first k
// events had happened: a block of the file always, a composed one from
// its event on.
func (r *Replay) addedBy(name string, k int) bool {
	ev, ok := r.added[name]
	return !ok || ev < k
}
