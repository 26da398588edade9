package experiments

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// A debrief ends a game day: what the room found, and what it will do
// about it, each action with an owner and a date. Its items travel as
// events (EventFinding, EventAction) with the item as data, so the
// journal keeps them and every report lists them.

// Debrief item kinds.
const (
	ItemFinding = "finding"
	ItemAction  = "action"
)

// DebriefItem is a finding or an action item.
type DebriefItem struct {
	Kind  string `json:"kind"`
	Text  string `json:"text"`
	Owner string `json:"owner,omitempty"` // action items: who does it
	Due   string `json:"due,omitempty"`   // action items: by when, YYYY-MM-DD
}

// Bounds of a debrief item: a sentence or a short paragraph, not a file.
const (
	maxItemText  = 500
	maxItemOwner = 64
)

// Check says what is wrong with an item, naming the field, or nil.
func (it DebriefItem) Check() error {
	switch it.Kind {
	case ItemFinding, ItemAction:
	default:
		return fmt.Errorf("kind: want %s or %s", ItemFinding, ItemAction)
	}
	if strings.TrimSpace(it.Text) == "" {
		return fmt.Errorf("text: want what was found or what to do")
	}
	if utf8.RuneCountInString(it.Text) > maxItemText {
		return fmt.Errorf("text: at most %d characters, got %d", maxItemText, utf8.RuneCountInString(it.Text))
	}
	if it.Kind == ItemFinding {
		if it.Owner != "" || it.Due != "" {
			return fmt.Errorf("a finding has no owner or due date; an action item does")
		}
		return nil
	}
	if strings.TrimSpace(it.Owner) == "" {
		return fmt.Errorf("owner: want who does it")
	}
	if utf8.RuneCountInString(it.Owner) > maxItemOwner {
		return fmt.Errorf("owner: at most %d characters", maxItemOwner)
	}
	if it.Due != "" {
		if _, err := time.Parse(time.DateOnly, it.Due); err != nil {
			return fmt.Errorf("due: want a date as 2026-12-31, got %q", excerpt(it.Due))
		}
	}
	return nil
}
