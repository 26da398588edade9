package inject

// Seams for the black-box tests of package inject_test.

// OpenStateFileAs opens the state file at path as the gameday process
// pid would: its entries are owned by pid (as it runs now: start time,
// executable, boot). Two of them in one test are two game days.
func OpenStateFileAs(path string, pid int) (*StateFile, error) {
	s, err := OpenStateFile(path)
	if err != nil {
		return nil, err
	}
	s.self = ownerOf(pid)
	return s, nil
}

// SetToxicToken gives x the session token of another gameday.
func SetToxicToken(x *ToxicInjector, token string) { x.token = token }

// TokenOf returns the session token of the gameday process pid.
func TokenOf(pid int) string { return ownerOf(pid).token() }
