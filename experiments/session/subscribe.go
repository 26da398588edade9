package session

import (
	"sync"
	"sync/atomic"
)

// Subscription is one reader's stream of snapshots: a cockpit on the
// local terminal, a seat over SSH, the wait at the end. The loop hands
// every snapshot to every subscription without waiting for any: a reader
// that has not taken the last one finds it replaced by the newer, so a
// slow or stuck reader loses frames and nobody else notices.
type Subscription struct {
	ch      chan Snapshot
	hub     *hub
	dropped atomic.Uint64
	once    sync.Once
}

// C delivers the snapshots; it is closed after the session's final one,
// or when the subscription is closed.
func (sub *Subscription) C() <-chan Snapshot { return sub.ch }

// Dropped counts the snapshots this reader never took.
func (sub *Subscription) Dropped() uint64 { return sub.dropped.Load() }

// Close ends the subscription; it is idempotent.
func (sub *Subscription) Close() { sub.once.Do(func() { sub.hub.remove(sub) }) }

// hub holds the subscriptions. Its lock is held only to hand over a
// snapshot without waiting, or to add and remove a reader.
type hub struct {
	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	last   Snapshot
	have   bool
	closed bool
}

// Subscribe opens a stream of the session's snapshots. It starts with the
// newest snapshot, if one was published, so that a cockpit that joins late
// draws at once; after the end it holds the final snapshot and is closed.
func (s *Session) Subscribe() *Subscription {
	h := &s.hub
	sub := &Subscription{ch: make(chan Snapshot, 1), hub: h}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.have {
		sub.ch <- h.last
	}
	if h.closed {
		close(sub.ch)
		return sub
	}
	if h.subs == nil {
		h.subs = map[*Subscription]struct{}{}
	}
	h.subs[sub] = struct{}{}
	return sub
}

// publish hands snap to every reader, replacing an unread older one. Only
// the loop publishes, so after the drain the send cannot block.
func (h *hub) publish(snap Snapshot) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last, h.have = snap, true
	for sub := range h.subs {
		select {
		case sub.ch <- snap:
			continue
		default:
		}
		select {
		case <-sub.ch:
			sub.dropped.Add(1)
		default: // the reader took it meanwhile
		}
		sub.ch <- snap
	}
}

// close closes every reader's stream, after the final snapshot.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for sub := range h.subs {
		close(sub.ch)
	}
	h.subs = nil
}

func (h *hub) remove(sub *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[sub]; ok {
		delete(h.subs, sub)
		close(sub.ch)
	}
}
