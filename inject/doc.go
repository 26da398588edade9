// Package inject holds gameday's fault injectors: the HTTP fault proxy that
// sits between two services, process faults on real PIDs, and adapters for
// faults defined by functions.
//
// Every injector has Start, Update(intensity) and Stop. Stop is idempotent:
// the session calls it on halt, on halt-all, on quit, on a signal and on
// panic, and a second call does nothing.
package inject
