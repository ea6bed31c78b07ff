package halo

import (
	"context"
	"log/slog"
)

// loggerKey is the context key of a logger set by WithLogger.
type loggerKey struct{}

// WithLogger returns a copy of ctx carrying log. A Client logs the calls
// made with that context to log instead of Config.Logger, so that several
// callers sharing one Client (concurrent plugin steps, say) each get only
// their own requests, retries and waits. A nil log leaves ctx unchanged.
func WithLogger(ctx context.Context, log *slog.Logger) context.Context {
	if log == nil {
		return ctx
	}
	return context.WithValue(ctx, loggerKey{}, log)
}

// loggerFrom returns the logger ctx carries, else fallback.
func loggerFrom(ctx context.Context, fallback *slog.Logger) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return fallback
}

// logger returns the logger for a call made with ctx.
func (c *Client) logger(ctx context.Context) *slog.Logger { return loggerFrom(ctx, c.log) }
