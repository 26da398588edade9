package inject

import "fmt"

// RevertRecorder keeps, outside gameday, what must be done to undo a fault
// whose effect outlives gameday (a paused PID, a command fault's revert,
// a Toxiproxy toxic), so that `gameday recover` can undo it after a crash
// (StateFile is the one that outlives gameday). Injectors call Record
// before they act and Forget once the effect is undone; an error from
// Record stops the injector from acting.
//
// Keys name what the fault acts on, so that one key is one effect:
//
//	pause/PID@START            a process, by PID and start time (see Revert.StartTime)
//	kill/PID@START
//	command/NAME               the command fault's name (a StateFile adds who recorded it)
//	toxic/SERVER/PROXY/TOXIC   the toxic, whose name holds the gameday's SessionToken
//	chaos/KIND/NAMESPACE/NAME  a Chaos Mesh object, whose name holds the SessionToken
//
// A StateFile names an entry by its key and the gameday process that
// recorded it, so two gamedays never clash over a key; two gamedays (or
// two faults of one) acting on one process or one toxic clash over
// Revert.Subject, which Record refuses. A caller may prefix keys (a
// session puts its block's path in front): that keeps them readable, it
// is not needed to keep them apart. A caller may also fill in
// Revert.Shown before passing r on: it is what people see of a revert
// command.
type RevertRecorder interface {
	Record(key string, r Revert) error
	Forget(key string) error
}

// Kinds of Revert.
const (
	RevertSIGCONT = "sigcont" // send SIGCONT to PID (to its group when Group), if it is still the process StartTime names
	RevertCommand = "command" // run Command
	RevertKilled  = "killed"  // nothing can undo it; recover tells the operator
	RevertToxic   = "toxic"   // delete Toxic from its Toxiproxy server
	RevertChaos   = "chaos"   // delete Chaos from its cluster, and what else its session left there
)

// Revert says how to undo one fault.
type Revert struct {
	Kind string `json:"kind"`
	PID  int    `json:"pid,omitempty"`
	// Group: gameday started PID as the leader of a process group of its
	// own (Setpgid), so the group -PID is gameday's to signal. It is never
	// set for a process gameday attached to. Recover signals the group
	// only while PID, started at StartTime, still leads it.
	Group bool `json:"group,omitempty"`
	// StartTime is when PID started (/proc/PID/stat field 22, clock ticks
	// since boot; 0 if unknown): a process with this PID and another start
	// time is another process, which recover never signals.
	StartTime uint64       `json:"start_time,omitempty"`
	Command   *CommandSpec `json:"command,omitempty"`
	// EnvNames are the names of Command's environment variables when their
	// values were not stored (StateFile never stores them): the revert then
	// runs with the values of the recovering process's environment.
	EnvNames []string  `json:"env_names,omitempty"`
	Toxic    *ToxicRef `json:"toxic,omitempty"`
	Chaos    *ChaosRef `json:"chaos,omitempty"`
	Note     string    `json:"note,omitempty"` // for people: what the fault did
	// Target is the name gameday knows the target by (a process's, a
	// command fault's), for people.
	Target string `json:"target,omitempty"`
	// Shown is how to show this revert to a person, secrets masked. The
	// session sets it, through its recorder, from the experiment's
	// secrets; recover prints it instead of the command's arguments.
	// Without it a command is shown as its program and a count of the
	// arguments left out (see ShownCommand).
	Shown string `json:"shown,omitempty"`
}

// ShownCommand returns what may be printed of r's command: Shown when
// set, else the program alone, as in "curl (3 more arguments not
// shown)"; a shell script is never shown.
func (r Revert) ShownCommand() string {
	c := r.Command
	switch {
	case r.Shown != "":
		return r.Shown
	case c == nil || len(c.Argv) == 0:
		return "(no command)"
	case c.Shell:
		return "sh -c (script not shown)"
	case len(c.Argv) == 1:
		return c.Argv[0]
	case len(c.Argv) == 2:
		return c.Argv[0] + " (1 more argument not shown)"
	}
	return fmt.Sprintf("%s (%d more arguments not shown)", c.Argv[0], len(c.Argv)-1)
}

// Subject names what r acts on, when two faults acting on it would
// clash: a process (a pause, a kill) by PID and start time, a toxic by
// server, proxy and name; "" for a command (its effect is its own).
func (r Revert) Subject() string {
	switch r.Kind {
	case RevertSIGCONT, RevertKilled:
		if r.PID != 0 {
			return fmt.Sprintf("process %d (started at tick %d)", r.PID, r.StartTime)
		}
	case RevertToxic:
		if r.Toxic != nil {
			return r.Toxic.String()
		}
	case RevertChaos:
		if r.Chaos != nil {
			return r.Chaos.String() + " in " + r.Chaos.Cluster.String()
		}
	}
	return ""
}

// processKey returns the key of a fault of kind on a process, which it
// names by PID and start time.
func processKey(kind string, pid int, start uint64) string {
	return fmt.Sprintf("%s/%d@%d", kind, pid, start)
}

// effect says, for people, what r's fault does: "process "payments" (pid
// 1234) paused".
func (r Revert) effect() string {
	name := r.Target
	if name == "" {
		name = "?"
	}
	switch r.Kind {
	case RevertSIGCONT:
		return fmt.Sprintf("process %q (pid %d) paused", name, r.PID)
	case RevertKilled:
		return fmt.Sprintf("process %q (pid %d) killed", name, r.PID)
	case RevertToxic:
		if r.Toxic != nil {
			return r.Toxic.String() + " on"
		}
	case RevertChaos:
		if r.Chaos != nil {
			return r.Chaos.String() + " on"
		}
	case RevertCommand:
		return fmt.Sprintf("command fault %q on", name)
	}
	return "a fault of kind " + r.Kind + " on"
}
