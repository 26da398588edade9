package experiments_test

import (
	"strings"
	"testing"

	"github.com/gameday-dev/gameday/experiments"
)

const (
	keyA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop"
	keyB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAr3qX1m7AKGIn9ImJ8hHHPsb8TkPFJtmoP6dxGXvhDd"
)

// TestRoomSection: a good room: names from the key's comment or name:;
// a malformed one: errors at their place, saying what was expected.
func TestRoomSection(t *testing.T) {
	exps, errs := parse(t, base+"room:\n  anyone_can_halt: true\n  seats:\n    - {role: operator, key: \""+keyA+"\"}\n    - {name: bob, role: scribe, key: \""+keyB+"\"}\n")
	if errs != nil {
		t.Fatal(errs)
	}
	r := exps[0].Room
	if r == nil || !r.AnyoneCanHalt || len(r.Seats) != 2 || r.Seats[0].Name != "alice@laptop" || r.Seats[1].Name != "bob" ||
		r.Seats[1].Role != experiments.RoleScribe || !r.IsOpen(true) || r.IsOpen(false) {
		t.Fatalf("room %+v", r)
	}
	cases := []struct{ name, room, want string }{
		{"unknown role", "  seats: [{role: boss, key: \"" + keyA + "\"}]\n", `18:18: "boss" is not valid here: want "facilitator", "operator", "scribe" or "observer"`},
		{"not a key", "  seats: [{role: operator, key: \"ssh-rsa nonsense\"}]\n", `18:33: want an SSH public key as in authorized_keys`},
		{"no name", "  seats: [{role: operator, key: \"" + keyB + "\"}]\n", `18:33: room seat: want a name`},
		{"one key twice", "  seats: [{role: operator, key: \"" + keyA + "\"}, {role: observer, key: \"" + keyA + "\"}]\n", `the same key as seat "alice@laptop"`},
		{"unknown key", "  open: false\n  sets: []\n", `19:3: room: unknown key "sets" (did you mean "seats"?)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := parse(t, base+"room:\n"+tc.room)
			wantErrors(t, errs, []string{tc.want})
		})
	}
}

// TestReadSeats: authorized_keys lines with role= and a comment; errors
// say the line and what was expected.
func TestReadSeats(t *testing.T) {
	good := "# the room\n\nrole=operator " + keyA + "\nrole=\"observer\" " + strings.Replace(keyB, "Dd", "Dd bob", 1) + "\n"
	seats, err := experiments.ParseSeatsForTest("seats", good)
	if err != nil || len(seats) != 2 || seats[0].Name != "alice@laptop" || seats[0].Role != experiments.RoleOperator ||
		seats[1].Name != "bob" || seats[1].Role != experiments.RoleObserver {
		t.Fatalf("seats %+v, %v", seats, err)
	}
	for _, tc := range []struct{ in, want string }{
		{keyA + "\n", `seats:1:1: want role= one of facilitator, operator, scribe, observer`},
		{"role=operator " + keyB + "\n", `seats:1:1: want a name: the key's comment`},
		{"role=operator ssh-ed25519 AAAA\n", `seats:1:1: want role=ROLE then an SSH public key`},
		{"role=operator " + keyA + "\nrole=scribe " + keyA + "\n", `seats:2:1: the same key as line 1`},
	} {
		if _, err := experiments.ParseSeatsForTest("seats", tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.want)
		}
	}
}
