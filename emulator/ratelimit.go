package emulator

import (
	"fmt"
	"time"
)

// rateLimiter is a rolling-window request counter like hosted Halo's
// (300 requests per rolling 5 minutes).
//
// Whether Halo counts requests it refused is unknown. They are counted
// here: a client that keeps retrying a 429 without backing off stays
// locked out, which is the mistake worth making visible.
type rateLimiter struct {
	limit  int
	window time.Duration
	hits   []time.Time // ascending
}

// allow records one request at now and reports whether it is within the
// limit.
func (l *rateLimiter) allow(now time.Time) bool {
	if l.limit <= 0 {
		return true
	}
	cut := now.Add(-l.window)
	i := 0
	for i < len(l.hits) && !l.hits[i].After(cut) {
		i++
	}
	l.hits = append(l.hits[:0], l.hits[i:]...)
	// Bound memory under a flood: only the newest limit+1 matter for the
	// decision until they age out.
	if len(l.hits) > 4*l.limit+16 {
		l.hits = append(l.hits[:0], l.hits[len(l.hits)-2*l.limit:]...)
	}
	ok := len(l.hits) < l.limit
	l.hits = append(l.hits, now)
	return ok
}

// message is Halo's 429 text with this limiter's numbers.
func (l *rateLimiter) message() string {
	return fmt.Sprintf("Rate Limit Reached - %d Requests per rolling %s window",
		l.limit, windowText(l.window))
}

// windowText renders a window the way Halo's message does ("5 minute").
func windowText(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hour", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minute", d/time.Minute)
	default:
		return fmt.Sprintf("%d second", int((d+time.Second-1)/time.Second))
	}
}

// allow applies the Server's rate limit to one /api request.
func (s *Server) allow() (bool, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.limit.allow(s.now()) {
		return true, ""
	}
	return false, s.limit.message()
}
