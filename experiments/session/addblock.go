package session

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gameday-dev/gameday/experiments"
)

// Blocks composed during the game day (the cockpit's form, a) join the
// session as the file's blocks do: checked by the file's validator,
// built into an injector with a driver of their own, recorded in the
// state file when their fault outlives gameday, triggered, scaled, halted
// (and halted at the end) like any other, and journaled (an event with
// the block as written). w writes those not yet in the file into it,
// off the loop:
//
//	CmdAddBlock ──▶ exp.Compose(composed so far, draft) ──▶ buildBlock ──▶ s.blocks, a driver
//	CmdWriteBlocks ──▶ a goroutine: exp.WriteBlocks ──onLoop──▶ written, or why not (the blocks stay)

// Commands of composed blocks.
const (
	// CmdAddBlock adds the block Draft composes; the session checks it
	// again with the file's validator.
	CmdAddBlock CommandKind = "add-block"
	// CmdWriteBlocks writes the composed blocks not yet in the
	// experiment file into it.
	CmdWriteBlocks CommandKind = "write-blocks"
)

// maxComposed bounds the blocks composed in one game day.
const maxComposed = 100

// composedRun is the blocks composed during the game day, and the file.
type composedRun struct {
	drafts  []experiments.Draft
	written int    // drafts[:written] are in the file
	file    []byte // the file as gameday last read or wrote it
	writing bool   // a write is under way
}

// addBlock checks a composed block and adds it to the session.
func (s *Session) addBlock(c Command, now time.Time, by string) {
	if c.Draft == nil || s.ending {
		return
	}
	d := *c.Draft
	d.Params = slices.Clone(d.Params)
	refuse := func(why string) {
		s.addEvent(experiments.Event{Time: now, Kind: experiments.EventError, Subject: d.Name, By: by,
			Text: "block not added: " + oneLine(why)})
	}
	switch {
	case s.gated:
		refuse("the game day is at its pre-flight; compose blocks once it has started")
		return
	case len(s.composed.drafts) >= maxComposed:
		refuse(fmt.Sprintf("%d blocks were composed already, the most one game day holds", maxComposed))
		return
	}
	b, err := s.exp.Compose(s.composed.drafts, d)
	if err != nil {
		refuse(err.Error())
		return
	}
	br, err := s.buildBlock(b, len(s.blocks))
	if err != nil {
		refuse(err.Error())
		return
	}
	s.composed.drafts = append(s.composed.drafts, d)
	br.composed = len(s.composed.drafts)
	s.blocks = append(s.blocks, br)
	go br.drv.run(s.quit)
	added := &experiments.AddedBlock{Summary: s.exp.Redact(b.Summary()), YAML: s.exp.Redact(d.YAML())}
	if b.Fault != nil {
		added.Kind, added.Target = b.Fault.Kind, b.Fault.Target
	}
	s.addEvent(experiments.Event{Time: now, Kind: experiments.EventBlockAdded, Subject: b.Name, By: by,
		Text: b.Summary() + " · by " + s.who(by), Added: added})
}

// writeBlocks writes the composed blocks not yet in the file, off the
// loop; the result comes back to the loop (wrote).
func (s *Session) writeBlocks(now time.Time, by string) {
	c := &s.composed
	switch {
	case c.writing:
		return // the write under way writes them
	case c.written == len(c.drafts):
		s.addEvent(experiments.Event{Time: now, Kind: experiments.EventInfo, Subject: filepath.Base(s.exp.File), By: by,
			Text: "nothing to write: every composed block is in the file"})
		return
	}
	c.writing = true
	loaded, drafts, upTo := c.file, slices.Clone(c.drafts[c.written:]), len(c.drafts)
	go func() {
		res, err := s.exp.WriteBlocks(loaded, drafts, now)
		s.onLoop(func() { s.wrote(res, err, upTo, now, by) })
	}()
}

// wrote takes a write's result in.
func (s *Session) wrote(res experiments.WriteResult, err error, upTo int, asked time.Time, by string) {
	c := &s.composed
	c.writing = false
	n := upTo - c.written
	blocks := experiments.Count(n, "composed block", "composed blocks")
	file := filepath.Base(s.exp.File)
	if err != nil {
		again := "w writes them again"
		if errors.Is(err, experiments.ErrFileChanged) {
			again = "w writes them once the file is as gameday last read it"
		}
		s.addEvent(experiments.Event{Time: s.now(), Asked: asked, Kind: experiments.EventError, Subject: file, By: by,
			Text: fmt.Sprintf("%s not written: %s — nothing is lost: they stay in this game day (%s), and are printed on quit",
				blocks, oneLine(err.Error()), again)})
		return
	}
	c.file, c.written = res.Content, upTo
	text := fmt.Sprintf("%s written into it (what it held before: %s)", blocks, filepath.Base(res.Backup))
	if res.Reformatted {
		text += "; its blocks: list was written [in, flow], so the whole file was laid out again"
	}
	s.addEvent(experiments.Event{Time: s.now(), Asked: asked, Kind: experiments.EventInfo, Subject: file, By: by, Text: text})
}

// onLoop runs f on the session's loop, unless the session has ended.
func (s *Session) onLoop(f func()) {
	select {
	case s.async <- f:
	case <-s.quit:
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
