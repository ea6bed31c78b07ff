package halo

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff schedule constants.
const (
	// transientBase and transientCap shape the backoff after 5xx answers
	// and transport errors: full jitter over base·2^n, capped.
	transientBase = 500 * time.Millisecond
	transientCap  = 20 * time.Second

	// rateLimitBase and rateLimitCap shape the pause after a 429 without
	// Retry-After. Halo's window is a rolling five minutes, so retrying
	// within seconds only earns more 429s: the pause starts at tens of
	// seconds and grows to a minute.
	rateLimitBase = 20 * time.Second
	rateLimitCap  = time.Minute

	// maxRetryAfter caps a server's Retry-After; a longer value is
	// treated as this (and still bounded by MaxRetryElapsed).
	maxRetryAfter = 5 * time.Minute

	// max500Retries bounds retries of reads and updates answered with
	// 500, which Halo also returns for persistent faults.
	max500Retries = 2
)

// jitterFunc returns a random duration in [0, d).
type jitterFunc func(d time.Duration) time.Duration

func randomJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// exponential returns base·2^n capped at limit (n counts from 0).
func exponential(n int, base, limit time.Duration) time.Duration {
	d := base
	for range n {
		if d >= limit/2 {
			return limit
		}
		d *= 2
	}
	return min(d, limit)
}

// transientDelay is the wait before retry n (from 0) after a 5xx or
// transport error: full jitter, uniformly in [0, base·2^n) capped.
func transientDelay(n int, jitter jitterFunc) time.Duration {
	return jitter(exponential(n, transientBase, transientCap))
}

// rateLimitDelay is the pause before retry n (from 0) after a 429 that
// carried no Retry-After: 20s, 40s, then 60s, each reduced by up to a
// quarter at random so that several clients do not return in step.
func rateLimitDelay(n int, jitter jitterFunc) time.Duration {
	d := exponential(n, rateLimitBase, rateLimitCap)
	return d - jitter(d/4)
}

// parseRetryAfter reads a Retry-After header in either of its forms
// (delay-seconds or an HTTP-date) relative to now. It reports false when
// the header is absent or malformed. The result is never negative and
// never above maxRetryAfter.
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		d = time.Duration(secs) * time.Second
	} else {
		at, err := http.ParseTime(v)
		if err != nil {
			return 0, false
		}
		d = at.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter), true
}
