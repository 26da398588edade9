package session

import (
	"context"
	"log/slog"

	"github.com/gameday-dev/gameday/experiments"
)

// redactHandler hides the experiment's secrets in every log record.
type redactHandler struct {
	inner slog.Handler
	exp   *experiments.Experiment
}

func (h redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h redactHandler) Handle(ctx context.Context, r slog.Record) error {
	if len(h.exp.Secrets) == 0 {
		return h.inner.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, h.exp.Redact(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.redact(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h redactHandler) redact(a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.exp.Redact(a.Value.String()))
	case slog.KindGroup:
		var as []any
		for _, g := range a.Value.Group() {
			as = append(as, h.redact(g))
		}
		return slog.Group(a.Key, as...)
	case slog.KindAny:
		return slog.String(a.Key, h.exp.Redact(a.Value.String()))
	}
	return a
}

func (h redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = h.redact(a)
	}
	return redactHandler{inner: h.inner.WithAttrs(red), exp: h.exp}
}

func (h redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{inner: h.inner.WithGroup(name), exp: h.exp}
}

// redactedError is an error whose text has the experiment's secrets
// hidden; errors.Is and As still see the error it wraps.
type redactedError struct {
	err  error
	text string
}

func (e redactedError) Error() string { return e.text }
func (e redactedError) Unwrap() error { return e.err }

// redactErr hides e's secrets in err's text.
func redactErr(e *experiments.Experiment, err error) error {
	if err == nil || len(e.Secrets) == 0 {
		return err
	}
	return redactedError{err: err, text: e.Redact(err.Error())}
}
