// Package experiments is the experiment and its language: the model an
// experiment file decodes into (targets, loads, probes, assumptions,
// guardrails, blocks, schedule, charts), loading and validating files
// with every error at FILE:LINE:COLUMN, catalogs, matrices, secrets, and
// the words shared by the packages below (events, units, durations).
//
// The packages under it follow the data flow, one way, held by imports:
//
//	experiments ──▶ assume ──▶ session ──▶ journal ──▶ report
//	(the file)     (judging)  (the run)   (the record) (the verdict in words)
//
// assume judges assumptions: pure functions of samples and a clock.
// session runs an experiment: injectors, probes, loads, the clock, the
// control path, the schedule and guardrails, and publishes snapshots.
// journal is a sink of the session (a file of JSON lines), read back for
// reports and replays. report makes summary.json, junit.xml, report.md
// and report.html from a journal alone.
package experiments
