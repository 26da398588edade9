package inject_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/gameday-dev/gameday/inject"
)

func TestFunc(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name     string
		startErr error
		calls    string // S start, U update, T stop
		want     []string
	}{
		{"start update stop", nil, "SUT", []string{"start", "update 0.5", "stop"}},
		{"stop twice", nil, "STT", []string{"start", "stop"}},
		{"stop without start", nil, "T", nil},
		{"start twice", nil, "SST", []string{"start", "stop"}},
		{"restart", nil, "STST", []string{"start", "stop", "start", "stop"}},
		{"failed start arms no stop", errBoom, "ST", []string{"start"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			f := &inject.Func{
				OnStart: func(context.Context) error { got = append(got, "start"); return tt.startErr },
				OnUpdate: func(_ context.Context, i float64) error {
					got = append(got, "update "+strconv.FormatFloat(i, 'g', -1, 64))
					return nil
				},
				OnStop: func(context.Context) error { got = append(got, "stop"); return nil },
			}
			ctx := context.Background()
			for _, c := range tt.calls {
				var err error
				switch c {
				case 'S':
					err = f.Start(ctx)
				case 'U':
					err = f.Update(context.Background(), 0.5)
				case 'T':
					err = f.Stop(ctx)
				}
				if c == 'S' && !errors.Is(err, tt.startErr) || c != 'S' && err != nil {
					t.Fatalf("%c: %v", c, err)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("calls %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFuncNil(t *testing.T) {
	var f inject.Func // nil funcs are no-ops
	ctx := context.Background()
	if err := errors.Join(f.Start(ctx), f.Update(context.Background(), 1), f.Stop(ctx), f.Stop(ctx)); err != nil {
		t.Fatal(err)
	}
}

func TestFuncErrors(t *testing.T) {
	errUpdate, errStop := errors.New("update"), errors.New("stop")
	f := &inject.Func{
		OnUpdate: func(context.Context, float64) error { return errUpdate },
		OnStop:   func(context.Context) error { return errStop },
	}
	ctx := context.Background()
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.Update(context.Background(), 1); !errors.Is(err, errUpdate) {
		t.Errorf("Update: %v", err)
	}
	if err := f.Stop(ctx); !errors.Is(err, errStop) {
		t.Errorf("Stop: %v", err)
	}
	// A failed Stop leaves the Func on: the next Stop tries again.
	if err := f.Stop(ctx); !errors.Is(err, errStop) {
		t.Errorf("second Stop after a failure: %v, want it tried again", err)
	}
	f.OnStop = func(context.Context) error { return nil }
	if err := f.Stop(ctx); err != nil {
		t.Errorf("third Stop: %v", err)
	}
	f.OnStop = func(context.Context) error { return errStop }
	if err := f.Stop(ctx); err != nil {
		t.Errorf("Stop after a successful one: %v, want nothing done", err)
	}
}
