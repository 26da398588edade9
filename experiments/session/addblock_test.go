package session_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/session"
	"github.com/gameday-dev/gameday/inject"
)

// composeFile is an experiment file with one block, for composing more.
const composeFile = `# a game day to compose blocks in
name: compose
interval: 250ms
blocks:
  - name: first   # the file's own
    fault: {kind: command, start: ["true"], revert: ["true"]}
`

func composeExp(t *testing.T) (string, *experiments.Experiment) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "game.yaml")
	if err := os.WriteFile(path, []byte(composeFile), 0o644); err != nil {
		t.Fatal(err)
	}
	exps, err := experiments.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, exps[0]
}

// flagDraft is a command fault that makes a file while it is on.
func flagDraft(name, flag string) *experiments.Draft {
	return &experiments.Draft{Name: name, Kind: "command", Params: []experiments.DraftParam{
		{Key: "start", Value: "[touch, " + flag + "]"}, {Key: "revert", Value: "[rm, -f, " + flag + "]"}}}
}

// stateRec records what the session records for `gameday recover`.
type stateRec struct {
	mu   sync.Mutex
	keys map[string]bool
}

func (r *stateRec) Record(key string, _ inject.Revert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys[key] = true
	return nil
}

func (r *stateRec) Forget(key string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.keys, key)
	return nil
}

func (r *stateRec) has(prefix string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.keys {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestComposedBlockIsLikeAnyOther: a composed block joins the session
// checked by the file's validator; it is journaled with its YAML,
// triggered, recorded in the state file, halted by halt all and at the
// end, like the file's blocks.
func TestComposedBlockIsLikeAnyOther(t *testing.T) {
	_, exp := composeExp(t)
	rec := &stateRec{keys: map[string]bool{}}
	s := newSim(t, exp, false, session.WithRecorder(rec))
	flag := filepath.Join(t.TempDir(), "on")

	// A bad block: the file's message, nothing added.
	bad := flagDraft("second", flag)
	bad.Duration = "10"
	s.do(session.Command{Kind: session.CmdAddBlock, Draft: bad})
	if errs := s.find(experiments.EventError, "second"); len(errs) != 1 ||
		!strings.Contains(errs[0].Text, `block not added: duration: "10" has no unit`) {
		t.Fatalf("want the file's message on duration, got %+v", errs)
	}
	if len(s.last.Blocks) != 1 {
		t.Fatalf("a bad block was added: %+v", s.last.Blocks)
	}

	s.do(session.Command{Kind: session.CmdAddBlock, Draft: flagDraft("second", flag)})
	added := s.find(experiments.EventBlockAdded, "second")
	if len(added) != 1 || added[0].Added == nil || !strings.Contains(added[0].Added.YAML, "name: second") ||
		added[0].Added.Kind != experiments.FaultCommand || added[0].Text != "runs touch "+flag+" · by the operator" {
		t.Fatalf("the journal's event of the composed block: %+v", added)
	}
	b := s.last.Blocks
	if len(b) != 2 || b[1].Name != "second" || b[1].Index != 1 || !b[1].Composed || !b[1].Unsaved || b[0].Composed {
		t.Fatalf("blocks %+v, want second composed, unsaved, after first", b)
	}
	if len(s.last.Composed) != 1 || s.last.Composed[0].Name != "second" || s.last.ComposedWritten != 0 {
		t.Fatalf("composed %+v written %d", s.last.Composed, s.last.ComposedWritten)
	}

	// Triggered, recorded, halted by halt all.
	s.do(session.Command{Kind: session.CmdTrigger, Block: "second"})
	s.until(20, "second on", func(sn *session.Snapshot) bool { return sn.Blocks[1].Phase == session.PhaseOn })
	if !exists(flag) || !rec.has("second/") {
		t.Fatalf("the composed fault is not on (%v) or not recorded for recover (%v)", exists(flag), rec.keys)
	}
	s.do(session.Command{Kind: session.CmdHaltAll})
	s.until(20, "second off", func(sn *session.Snapshot) bool { return sn.Blocks[1].Phase == session.PhaseIdle })
	if exists(flag) || rec.has("second/") {
		t.Fatal("halt all left the composed fault on")
	}

}

// TestComposedBlockHaltedAtTheEnd: a composed fault still on when the
// session ends is halted on the way out, like the file's.
func TestComposedBlockHaltedAtTheEnd(t *testing.T) {
	_, exp := composeExp(t)
	sess, err := session.NewSession(exp, session.Env{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = sess.Run(ctx) }()
	flag := filepath.Join(t.TempDir(), "on")
	sess.Do(session.Command{Kind: session.CmdAddBlock, Draft: flagDraft("second", flag)})
	sess.Do(session.Command{Kind: session.CmdTrigger, Block: "second"})
	waitFor(t, sess, "second on", 10*time.Second, func(s *session.Snapshot) bool {
		return len(s.Blocks) == 2 && s.Blocks[1].Phase == session.PhaseOn
	})
	if !exists(flag) {
		t.Fatal("the composed fault is not on")
	}
	cancel()
	<-sess.Done()
	if exists(flag) {
		t.Error("the end of the session left the composed fault on")
	}
	if f := sess.Final(); f.ActiveFaults() != 0 || len(f.Blocks) != 2 || f.Blocks[1].Phase != session.PhaseIdle {
		t.Errorf("final blocks %+v", f.Blocks)
	}
}

// TestComposeRoles: composing and writing need a trigger's rights; the
// session checks the role whatever a seat sends.
func TestComposeRoles(t *testing.T) {
	_, exp := composeExp(t)
	s := newSim(t, exp, false)
	flag := filepath.Join(t.TempDir(), "on")
	for _, role := range []experiments.Role{experiments.RoleObserver, experiments.RoleScribe} {
		s.do(session.Command{Kind: session.CmdAddBlock, Draft: flagDraft("second", flag), By: "x", Role: role})
		s.do(session.Command{Kind: session.CmdWriteBlocks, By: "x", Role: role})
	}
	if len(s.last.Blocks) != 1 || len(s.find(experiments.EventBlockAdded, "")) != 0 {
		t.Fatalf("an observer or a scribe composed a block: %+v", s.last.Blocks)
	}
	s.do(session.Command{Kind: session.CmdAddBlock, Draft: flagDraft("second", flag), By: "alice", Role: experiments.RoleOperator})
	if added := s.find(experiments.EventBlockAdded, "second"); len(added) != 1 || added[0].By != "alice" ||
		!strings.HasSuffix(added[0].Text, " · by alice · operator") {
		t.Fatalf("the operator's block: %+v", added)
	}
}

// TestWriteComposedBlocks: w writes the composed blocks into the file,
// which still validates with its comments; a file changed on disk is
// refused, and the blocks stay (written again once it is as loaded).
func TestWriteComposedBlocks(t *testing.T) {
	path, exp := composeExp(t)
	s := newSim(t, exp, false)
	flag := filepath.Join(t.TempDir(), "on")
	s.do(session.Command{Kind: session.CmdWriteBlocks})
	if n := s.find(experiments.EventInfo, filepath.Base(path)); len(n) != 1 || !strings.Contains(n[0].Text, "nothing to write") {
		t.Fatalf("with nothing composed: %+v", n)
	}
	s.do(session.Command{Kind: session.CmdAddBlock, Draft: flagDraft("second", flag)})
	s.do(session.Command{Kind: session.CmdWriteBlocks})
	s.take("the write", func(sn *session.Snapshot) bool { return sn.ComposedWritten == 1 && !sn.Writing })
	if s.last.Blocks[1].Unsaved {
		t.Error("a written block still says unsaved")
	}
	if w := s.find(experiments.EventInfo, "game.yaml"); len(w) != 2 || w[1].Text != "1 composed block written into it (what it held before: game.yaml.bak)" { // after "nothing to write"
		t.Fatalf("the write's event: %+v", w)
	}
	written, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(written), composeFile) || !strings.Contains(string(written), "# the file's own") {
		t.Fatalf("the file lost what it had:\n%s", written)
	}
	exps, err := experiments.LoadFile(path)
	if err != nil || len(exps[0].Blocks) != 2 {
		t.Fatalf("the written file: %v", err)
	}

	// Someone edits the file: the next write is refused, nothing lost.
	edited := strings.Replace(string(written), "compose", "composed", 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	s.do(session.Command{Kind: session.CmdAddBlock, Draft: flagDraft("third", flag)})
	s.do(session.Command{Kind: session.CmdWriteBlocks})
	s.take("the refusal", func(sn *session.Snapshot) bool {
		return !sn.Writing && len(s.find(experiments.EventError, "game.yaml")) > 0
	})
	refused := s.find(experiments.EventError, "game.yaml")
	if !strings.Contains(refused[0].Text, "1 composed block not written: ") ||
		!strings.Contains(refused[0].Text, "changed on disk since gameday loaded it") || !strings.Contains(refused[0].Text, "nothing is lost") {
		t.Fatalf("the refusal: %q", refused[0].Text)
	}
	if b, _ := os.ReadFile(path); string(b) != edited {
		t.Fatal("a refused write changed the file")
	}
	if s.last.ComposedWritten != 1 || len(s.last.Composed) != 2 || !s.last.Blocks[2].Unsaved {
		t.Fatalf("after the refusal: written %d of %d", s.last.ComposedWritten, len(s.last.Composed))
	}
	// The file as gameday wrote it again: the write goes through.
	if err := os.WriteFile(path, written, 0o644); err != nil {
		t.Fatal(err)
	}
	s.do(session.Command{Kind: session.CmdWriteBlocks})
	s.take("the second write", func(sn *session.Snapshot) bool { return sn.ComposedWritten == 2 && !sn.Writing })
	if exps, err := experiments.LoadFile(path); err != nil || len(exps[0].Blocks) != 3 {
		t.Fatalf("after the second write: %v", err)
	}
}
