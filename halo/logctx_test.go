package halo

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/haloconnect/icon-haloitsm/emulator"
	"github.com/haloconnect/icon-haloitsm/internal/syncbuf"
)

// TestWithLoggerKeepsConcurrentCallersApart runs calls on one client from
// several goroutines, each with its own context logger, and checks that
// every goroutine's records went to its own logger only and none to the
// client's Config.Logger.
func TestWithLoggerKeepsConcurrentCallersApart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Config{}, nil)
	const callers = 4

	sinks := make([]*syncbuf.Buffer, callers)
	var wg sync.WaitGroup
	for i := range callers {
		sinks[i] = &syncbuf.Buffer{}
		log := slog.New(slog.NewJSONHandler(sinks[i],
			&slog.HandlerOptions{Level: slog.LevelDebug})).With("caller", i)
		ctx := WithLogger(t.Context(), log)
		wg.Go(func() {
			for range 5 {
				if _, err := e.client.Lookups.Statuses(ctx); err != nil {
					t.Errorf("caller %d: Statuses: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()

	for i, s := range sinks {
		text := s.String()
		if !strings.Contains(text, `"msg":"halo: request done"`) {
			t.Errorf("caller %d logged no request; log:\n%s", i, text)
		}
		for line := range strings.Lines(text) {
			if !strings.Contains(line, fmt.Sprintf(`"caller":%d`, i)) {
				t.Errorf("caller %d's log holds another caller's record: %s", i, line)
			}
		}
	}
	if got := e.logs.String(); got != "" {
		t.Errorf("Config.Logger got records meant for context loggers:\n%s", got)
	}
}

// TestWithLoggerFallsBack checks that a context without a logger logs to
// Config.Logger, and that WithLogger(ctx, nil) changes nothing.
func TestWithLoggerFallsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Config{}, nil)

	ctx := WithLogger(t.Context(), nil)
	if _, err := e.client.Lookups.Statuses(ctx); err != nil {
		t.Fatalf("Statuses: %v", err)
	}
	if got := e.logs.String(); !strings.Contains(got, "halo: request done") {
		t.Errorf("Config.Logger got no request record; log:\n%s", got)
	}
}
