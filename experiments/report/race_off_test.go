//go:build !race

package report_test

// bigRecords is how many records the big hostile journals hold.
const bigRecords = 1_000_000
