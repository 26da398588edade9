// Command journalbench measures the journal reader, the report and the
// replay on a generated game day, as a whole process (so that its peak
// memory can be read with /usr/bin/time -v). See docs/benchmarks.md.
//
//	journalbench gen FILE [HOURS]  writes the 1-hour journal (journaltest.OneHour), or HOURS of it
//	journalbench gen-wide FILE     writes 200 assumptions and 20,000 samples that say little of them
//	journalbench report FILE DIR   reads FILE as a stream and writes its report into DIR
//	journalbench replay FILE       prepares the replay of FILE, seeks to its middle and its end
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/gameday-dev/gameday/experiments"
	"github.com/gameday-dev/gameday/experiments/journal"
	"github.com/gameday-dev/gameday/experiments/journal/journaltest"
	"github.com/gameday-dev/gameday/experiments/report"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "journalbench:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 2 {
		return errors.New("usage: journalbench gen FILE [HOURS] | gen-wide FILE | report FILE DIR | replay FILE")
	}
	switch {
	case args[0] == "gen":
		spec := journaltest.OneHour()
		if len(args) > 2 {
			hours, err := strconv.Atoi(args[2])
			if err != nil || hours < 1 {
				return fmt.Errorf("hours: %q", args[2])
			}
			spec.Samples *= hours
		}
		return write(args[1], func(w io.Writer) error { return journaltest.Write(w, spec) })
	case args[0] == "gen-wide":
		return write(args[1], wide)
	case args[0] == "report" && len(args) == 3:
		return runReport(args[1], args[2])
	case args[0] == "replay":
		return runReplay(args[1])
	}
	return fmt.Errorf("unknown command %q", args[0])
}

func write(path string, gen func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := gen(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// wide is the journal of issue 10's replay: 200 assumptions, 20,000
// samples that judge none of them (1.5 MB).
func wide(w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	h := journaltest.Header(journaltest.Spec{Series: 5, Interval: 250 * time.Millisecond})
	for i := range 200 {
		h.Assumptions = append(h.Assumptions, journal.Check{Name: fmt.Sprintf("a%03d", i), Kind: experiments.AssumeThreshold,
			Series: "x", Op: experiments.Below, Threshold: 1})
	}
	if err := enc.Encode(h); err != nil {
		return err
	}
	for k := range 20000 {
		if err := enc.Encode(journal.Sample{Type: "sample", T: journaltest.Start.Add(time.Duration(k) * 250 * time.Millisecond),
			Series: map[string]float64{"svc0.p00": float64(k % 50)}}); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// runReport does what `gameday report FILE --out DIR` does, streamed.
func runReport(path, dir string) error {
	began := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := report.Read(f)
	if err != nil {
		return err
	}
	read := time.Since(began)
	if err := r.WriteDir(dir); err != nil {
		return err
	}
	fmt.Printf("%s %s: %s\nread and analysed in %v, written in %v, %v in all\n", r.Symbol, r.Verdict, r.Experiment.Name,
		read.Round(time.Millisecond), (time.Since(began) - read).Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
	memory()
	return nil
}

func runReplay(path string) error {
	began := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := journal.ReadReplay(f)
	if err != nil {
		return err
	}
	fmt.Printf("replay prepared in %v\n", time.Since(began).Round(time.Millisecond))
	for _, at := range []time.Duration{r.Duration() / 2, r.Duration()} {
		t := time.Now()
		s := r.SnapshotAt(at)
		fmt.Printf("seek to %v: snapshot in %v (%d assumptions, %d series, %d events)\n", at, time.Since(t).Round(time.Microsecond),
			len(s.Assumptions), len(s.Series), len(s.Timeline))
	}
	memory()
	return nil
}

func memory() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fmt.Printf("Go heap: %d MiB in use, %d MiB from the system, %d allocations\n", m.HeapInuse>>20, m.Sys>>20, m.Mallocs)
}
