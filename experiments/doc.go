// Package experiments owns the experiment (what to inject, what to observe,
// what must stay true) and the session that runs it: the clock, the blocks
// and their injectors, the assumptions, the timeline, and the snapshots that
// the cockpit and the headless runner read.
//
// Data flows one way:
//
//	Experiment ──▶ Session ──▶ Snapshot ──▶ cockpit / headless runner
//	                  ▲                          │
//	                  └──────── Command ◀────────┘
package experiments
