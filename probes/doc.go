// Package probes generates load and observes the system under test: an
// open-loop HTTP load generator with HDR latency histograms, probes that
// sample one number each interval (a Prometheus scrape, ...), and the series
// store of fixed-size rings that keeps memory flat over a long game day.
//
// Probes know nothing about faults.
package probes
