package halo

import (
	"context"
	"time"
)

// Observer receives request metrics. The client calls its methods
// synchronously from the goroutine making the request, so they must be
// fast and safe for concurrent use. A Prometheus exporter, for example, can
// implement it without this package importing Prometheus.
type Observer interface {
	// OnRequest reports one finished HTTP attempt against the API.
	// status is 0 when no response arrived (a transport error or
	// timeout). path has no query string.
	OnRequest(method, path string, status int, dur time.Duration)

	// OnRetry reports that an attempt will be retried after wait.
	// reason is a short token such as "429", "503" or "transport".
	OnRetry(reason string, wait time.Duration)

	// OnTokenFetch reports one access-token fetch; err is nil on
	// success.
	OnTokenFetch(err error)

	// OnRateLimitWait reports time spent queued by the client-side rate
	// limiter or the shared pause after a 429.
	OnRateLimitWait(d time.Duration)
}

type nopObserver struct{}

func (nopObserver) OnRequest(string, string, int, time.Duration) {}
func (nopObserver) OnRetry(string, time.Duration)                {}
func (nopObserver) OnTokenFetch(error)                           {}
func (nopObserver) OnRateLimitWait(time.Duration)                {}

// Clock is the client's source of time. Tests inject a fake one to run
// backoff, rate-limit and token-expiry schedules without waiting; the zero
// Config uses the real clock. Per-attempt request timeouts always use real
// time.
type Clock interface {
	// Now returns the current time.
	Now() time.Time

	// Sleep waits for d or until ctx is done, whichever is first, and
	// returns ctx.Err() in the second case.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
