// Package probes generates load and observes the system under test: an
// open-loop HTTP load generator with HDR latency histograms over windows of
// any length up to its own, probes that sample one number each interval (an
// HTTP request's latency, a TCP connect time, a command's output, a
// Prometheus scrape, a PromQL query), a Poller that runs a probe in the
// background, and the series store of fixed-size rings that keeps memory
// flat over a long game day.
//
// Error texts name what failed and where, but never a URL's userinfo or
// query, nor a command's arguments or environment, which may hold secrets.
//
// Probes know nothing about faults.
package probes
