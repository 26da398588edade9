package experiments

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"gopkg.in/yaml.v3"
)

// Role is what a seat in the room may do.
type Role string

// The roles of a game day, after the practice (an owner who decides to
// halt, a coordinator who runs the faults, a scribe, observers).
const (
	RoleFacilitator Role = "facilitator" // everything: starts the game day, runs the debrief
	RoleOperator    Role = "operator"    // triggers, halts, scales faults; writes notes
	RoleScribe      Role = "scribe"      // writes notes and the debrief; may halt
	RoleObserver    Role = "observer"    // watches; halts only when the room says anyone may
)

// Roles lists the roles, most powerful first.
var Roles = []Role{RoleFacilitator, RoleOperator, RoleScribe, RoleObserver}

// Action is something a seat asks the game day to do.
type Action string

// Actions a role may or may not take.
const (
	ActTrigger   Action = "trigger"   // switch a block's fault on
	ActIntensity Action = "intensity" // scale an active fault
	ActHalt      Action = "halt"      // switch a fault off, or every fault (the andon cord)
	ActNote      Action = "note"      // write in the timeline
	ActDebrief   Action = "debrief"   // record findings and action items
	ActStart     Action = "start"     // leave the pre-flight and start the game day
	// ActCompose composes a block during the game day, and writes the
	// composed blocks into the experiment file: a trigger's rights.
	ActCompose Action = "compose"
)

// May reports whether a role may take an action; anyoneCanHalt gives every
// seat the halt (room.anyone_can_halt). An unknown role may do nothing.
func (r Role) May(a Action, anyoneCanHalt bool) bool {
	switch r {
	case RoleFacilitator:
		return true
	case RoleOperator:
		return a == ActTrigger || a == ActCompose || a == ActIntensity || a == ActHalt || a == ActNote
	case RoleScribe:
		return a == ActNote || a == ActDebrief || a == ActHalt
	case RoleObserver:
		return a == ActHalt && anyoneCanHalt
	}
	return false
}

// Room is who may join a game day served over SSH (gameday play --serve),
// and what each seat may do.
type Room struct {
	// Open lets any key join as an observer; nil means the default: open
	// when the room is served on loopback, closed otherwise.
	Open *bool
	// AnyoneCanHalt gives the halt and the halt-all to observers too.
	AnyoneCanHalt bool
	Seats         []Seat
	src           *source
}

// Seat is a person who may join, known by their SSH public key.
type Seat struct {
	Name string
	Role Role
	// Key is the public key in authorized_keys form; PublicKey, parsed.
	Key       string
	PublicKey ssh.PublicKey
	src       *source
}

// IsOpen reports whether unknown keys may join, served on loopback or not.
func (r *Room) IsOpen(loopback bool) bool {
	if r == nil || r.Open == nil {
		return loopback
	}
	return *r.Open
}

// SeatOf returns the seat whose key is k, or nil.
func (r *Room) SeatOf(k ssh.PublicKey) *Seat {
	if r == nil || k == nil {
		return nil
	}
	m := k.Marshal()
	for i := range r.Seats {
		if s := &r.Seats[i]; s.PublicKey != nil && bytes.Equal(s.PublicKey.Marshal(), m) {
			return s
		}
	}
	return nil
}

// roomTable is the schema of the room: section.
var roomTable = table[Room]{path: "room", fields: []field[Room]{
	{"open", false, func(d *decoder, n *yaml.Node, r *Room) { v := d.boolean(n); r.Open = &v }},
	{"anyone_can_halt", false, func(d *decoder, n *yaml.Node, r *Room) { r.AnyoneCanHalt = d.boolean(n) }},
	{"seats", false, func(d *decoder, n *yaml.Node, r *Room) { r.Seats = seatTable.list(d, n, "seats") }},
}, src: func(r *Room) **source { return &r.src }}

// seatTable is one seat of the room.
var seatTable = table[Seat]{path: "room.seats[]", fields: []field[Seat]{
	{"name", false, func(d *decoder, n *yaml.Node, s *Seat) { s.Name = d.str(n) }},
	{"role", true, func(d *decoder, n *yaml.Node, s *Seat) { s.Role = Role(d.oneOf(n, roleWords()...)) }},
	{"key", true, func(d *decoder, n *yaml.Node, s *Seat) {
		line := d.str(n)
		k, comment, err := parseSeatKey(line)
		if err != nil {
			d.errf(n, "%v", err)
			return
		}
		s.Key, s.PublicKey = line, k
		if s.Name == "" {
			s.Name = comment
		}
	}},
}, src: func(s *Seat) **source { return &s.src }}

func roleWords() []string {
	out := make([]string, len(Roles))
	for i, r := range Roles {
		out[i] = string(r)
	}
	return out
}

// parseSeatKey reads an SSH public key in authorized_keys form ("ssh-ed25519
// AAAA... alice@laptop"), returning its comment.
func parseSeatKey(line string) (ssh.PublicKey, string, error) {
	k, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return nil, "", fmt.Errorf("want an SSH public key as in authorized_keys (\"ssh-ed25519 AAAA… name\"), got %q", excerpt(line))
	}
	return k, comment, nil
}

// checkRoom checks what decoding could not: a name for every seat, no key
// twice.
func (c *checker) room() {
	r := c.e.Room
	if r == nil {
		return
	}
	seen := map[string]string{}
	for _, s := range r.Seats {
		if s.PublicKey == nil {
			continue // its key was already an error
		}
		if s.Name == "" {
			c.errf(s.src.at("key"), "room seat: want a name (name:, or a comment after the key)")
		}
		fp := ssh.FingerprintSHA256(s.PublicKey)
		if other, ok := seen[fp]; ok {
			c.errf(s.src.at("key"), "room seat %q: the same key as seat %q (%s); a key is one person", s.Name, other, fp)
			continue
		}
		seen[fp] = s.Name
	}
}

// maxSeatsFile bounds a --seats file: a room, not a directory of users.
const maxSeatsFile = 1 << 20

// ReadSeats reads a seats file: authorized_keys lines whose options give
// the role and whose comment is the name:
//
//	role="operator" ssh-ed25519 AAAAC3Nz… alice
//	role=observer ssh-rsa AAAAB3Nz… bob@laptop
//
// Blank lines and lines starting with # are skipped. Errors say
// file:line and what was expected.
func ReadSeats(path string) ([]Seat, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseSeats(path, io.LimitReader(f, maxSeatsFile+1))
}

func parseSeats(path string, r io.Reader) ([]Seat, error) {
	var (
		seats []Seat
		errs  FileErrors
		seen  = map[string]int{}
		size  int
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 16<<10), 64<<10)
	for ln := 1; sc.Scan(); ln++ {
		size += len(sc.Bytes()) + 1
		if size > maxSeatsFile {
			errs = append(errs, FileError{Pos: Pos{File: path, Line: ln, Col: 1}, Msg: "too large: a seats file is at most 1 MiB"})
			break
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		at := Pos{File: path, Line: ln, Col: 1}
		k, comment, opts, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			errs = append(errs, FileError{Pos: at, Msg: "want role=ROLE then an SSH public key as in authorized_keys (role=operator ssh-ed25519 AAAA… alice)"})
			continue
		}
		role := Role("")
		for _, o := range opts {
			if v, ok := strings.CutPrefix(o, "role="); ok {
				role = Role(strings.Trim(v, `"`))
			}
		}
		if !role.known() {
			errs = append(errs, FileError{Pos: at, Msg: fmt.Sprintf("want role= one of %s, got %q", strings.Join(roleWords(), ", "), excerpt(string(role)))})
			continue
		}
		if comment == "" {
			errs = append(errs, FileError{Pos: at, Msg: "want a name: the key's comment (… AAAA… alice)"})
			continue
		}
		fp := ssh.FingerprintSHA256(k)
		if prev, ok := seen[fp]; ok {
			errs = append(errs, FileError{Pos: at, Msg: fmt.Sprintf("the same key as line %d; a key is one person", prev)})
			continue
		}
		seen[fp] = ln
		seats = append(seats, Seat{Name: comment, Role: role, Key: line, PublicKey: k})
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, FileError{Pos: Pos{File: path}, Msg: "unreadable: " + err.Error()})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return seats, nil
}

func (r Role) known() bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

// Who names who caused an event, for people: "alice · operator" for a
// seat, "the operator" or "the schedule" for the rest.
func Who(by string, role Role) string {
	switch {
	case by == "":
		return ""
	case role == "":
		return "the " + by
	}
	return by + " · " + string(role)
}
