// Package inject holds gameday's fault injectors: the HTTP fault proxy that
// sits between two services, process faults on real PIDs, and adapters for
// faults defined by functions.
//
// Every injector has Start, Update(intensity) and Stop, each under a
// context. The session calls Stop on halt, on halt-all, on quit, on a
// signal and on panic; after a Stop that succeeded a second call does
// nothing, after one that failed a second call tries again.
package inject
