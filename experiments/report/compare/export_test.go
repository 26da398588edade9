package compare

// The words of a cell, for the tests.
var (
	VerdictWords  = Cell.verdictWords
	WorstWords    = Cell.worstWords
	ViolatedWords = Cell.violatedWords
	RecoveryWords = Cell.recoveryWords
)
