package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/tui/seats"
)

// roomFlags serve a live game day to a room over SSH.
type roomFlags struct {
	serve     string
	seatsFile string
	yes       bool // no pre-flight: the game day starts at once
}

func (f *roomFlags) add(fl *pflag.FlagSet) {
	fl.BoolVarP(&f.yes, "yes", "y", false, "skip the pre-flight: the game day starts at once, faults may be triggered from the first second")
	fl.StringVar(&f.serve, "serve", "", "serve the game day to a room over SSH on this address (2222 or :2222 is loopback; HOST:PORT for others)")
	fl.StringVar(&f.seatsFile, "seats", "", "the room's seats: authorized_keys lines with role=ROLE and the name as comment (with --serve)")
}

// listenRoom binds the room's SSH server, before anything starts: a port
// in use, a bad seats file or host key is exit 2 with nothing started.
// It returns nil without --serve.
func listenRoom(g *globals, f roomFlags, room *experiments.Room, log *slog.Logger, w io.Writer) (*seats.Server, error) {
	if f.serve == "" {
		if f.seatsFile != "" {
			return nil, usageError{fmt.Errorf("--seats: only with --serve")}
		}
		return nil, nil
	}
	var extra []experiments.Seat
	if f.seatsFile != "" {
		var err error
		if extra, err = experiments.ReadSeats(f.seatsFile); err != nil {
			return nil, usageError{fmt.Errorf("--seats: %w", err)}
		}
	}
	_, loopback, err := seats.ListenAddr(f.serve)
	if err != nil {
		return nil, usageError{err}
	}
	if n := len(extra); !room.IsOpen(loopback) && n == 0 && (room == nil || len(room.Seats) == 0) {
		return nil, usageError{fmt.Errorf("--serve %s: the room is closed (not loopback) and has no seats, so nobody could join: "+
			"give seats (--seats FILE, or room.seats in the file) or open it (room.open: true)", f.serve)}
	}
	srv, err := seats.Listen(seats.Config{Addr: f.serve, Room: room, Seats: extra, Log: log,
		HostKey: filepath.Join(filepath.Dir(g.statePath), "ssh_host_ed25519_key")})
	if err != nil {
		return nil, usageError{err}
	}
	who := "only its seats"
	if srv.Open() {
		who = "seats, and anyone else as an observer"
	}
	fmt.Fprintf(w, "gameday: serving the room to %s: %s (host key %s)\n", who, srv.JoinCommand(), srv.Fingerprint())
	return srv, nil
}

// facilitatorName is the local user's name, for the facilitator's seat.
func facilitatorName() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if n := os.Getenv("USER"); n != "" {
		return n
	}
	return "facilitator"
}
