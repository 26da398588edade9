//go:build race

package report_test

// bigRecords is how many records the big hostile journals hold: fewer
// under the race detector, which slows decoding tenfold; the memory they
// prove bounded does not depend on the count past a few thousand.
const bigRecords = 20_000
