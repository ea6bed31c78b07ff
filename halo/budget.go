package halo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// budget is a tenant's client-side request budget: a rolling-window
// limiter plus the shared pause that follows a 429.
//
// The limiter admits at most limit requests in any rolling window. A
// request counts from the moment it is admitted until window after it
// finished: Halo counts a request when it arrives, which is between those
// two instants, so measuring from the finish is the conservative choice
// and a client that keeps to its budget never exceeds the server's.
//
// Waiters queue one at a time behind turn, so a burst drains in arrival
// order (roughly) and only the head of the queue sleeps on the clock.
type budget struct {
	limit  int
	window time.Duration

	turn chan struct{} // holds one token while a caller is being admitted

	mu         sync.Mutex
	finished   []time.Time // finish times still inside the window, ascending
	inflight   int
	pauseUntil time.Time
	// paused is closed and replaced whenever pauseUntil moves, to wake
	// callers queued for their turn so they can check their deadline.
	paused chan struct{}
}

func newBudget(limit int, window time.Duration) *budget {
	return &budget{limit: limit, window: window, turn: make(chan struct{}, 1),
		paused: make(chan struct{})}
}

// pauseError is a call that gave up waiting for the tenant's 429 pause
// because the pause lasts beyond the call's retry bound. It matches
// ErrRateLimited.
type pauseError struct {
	remaining time.Duration // how much of the pause was left
	left      time.Duration // how much of the call's retry bound was left
}

func (e *pauseError) Error() string {
	return fmt.Sprintf("%v: requests to this tenant are paused for another %v after a 429, "+
		"beyond the %v left of this call's retry bound", ErrRateLimited,
		e.remaining.Round(time.Millisecond), max(e.left, 0).Round(time.Millisecond))
}

// Is matches ErrRateLimited.
func (e *pauseError) Is(target error) bool { return target == ErrRateLimited }

// acquire waits until the budget admits one request (and any pause has
// passed), or until ctx is done. It returns the time spent waiting and a
// release function that must be called once the request has finished.
//
// deadline bounds waits for a 429 pause (not waits for the rolling
// window): when the pause would end after deadline, acquire returns a
// *pauseError at once instead of waiting. It checks when it is called,
// whenever the pause moves while it queues behind other callers, and
// before each sleep. A zero deadline means no bound. On ctx's end it
// returns ctx's error.
func (b *budget) acquire(ctx context.Context, clock Clock, deadline time.Time) (
	release func(), waited time.Duration, err error) {
	start := clock.Now()
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	for {
		if err := b.checkPause(clock.Now(), deadline); err != nil {
			return nil, clock.Now().Sub(start), err
		}
		b.mu.Lock()
		paused := b.paused
		b.mu.Unlock()

		select {
		case b.turn <- struct{}{}:
		case <-paused:
			continue // the pause moved: check it against deadline again
		case <-ctx.Done():
			return nil, clock.Now().Sub(start), ctx.Err()
		}
		break
	}
	defer func() { <-b.turn }()

	for {
		wait, pause := b.tryAdmit(clock.Now())
		if wait == 0 {
			break
		}
		if pause {
			if err := b.checkPause(clock.Now(), deadline); err != nil {
				return nil, clock.Now().Sub(start), err
			}
		}
		if err := clock.Sleep(ctx, wait); err != nil {
			return nil, clock.Now().Sub(start), err
		}
	}

	var once sync.Once
	release = func() {
		once.Do(func() { b.finish(clock.Now()) })
	}
	return release, clock.Now().Sub(start), nil
}

// checkPause returns a *pauseError when a pause holds the tenant at now
// and ends after deadline (unless deadline is zero).
func (b *budget) checkPause(now, deadline time.Time) error {
	b.mu.Lock()
	until := b.pauseUntil
	b.mu.Unlock()
	if deadline.IsZero() || !until.After(now) || !until.After(deadline) {
		return nil
	}
	return &pauseError{remaining: until.Sub(now), left: deadline.Sub(now)}
}

// tryAdmit admits a request and returns 0, or returns how long to wait
// before trying again and whether the wait is for a 429 pause.
func (b *budget) tryAdmit(now time.Time) (wait time.Duration, pause bool) {
	b.mu.Lock()
	defer b.mu.Unlock()

	if now.Before(b.pauseUntil) {
		return b.pauseUntil.Sub(now), true
	}

	expired := 0
	for expired < len(b.finished) && !now.Before(b.finished[expired].Add(b.window)) {
		expired++
	}
	b.finished = b.finished[expired:]

	used := len(b.finished) + b.inflight
	if used < b.limit {
		b.inflight++
		return 0, false
	}

	// The (used-limit+1)th oldest finished request must leave the window
	// first. If too few have finished, every in-flight one will count for
	// at least a whole window from now.
	need := used - b.limit + 1
	if need <= len(b.finished) {
		return max(b.finished[need-1].Add(b.window).Sub(now), time.Millisecond), false
	}
	return b.window, false
}

func (b *budget) finish(at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inflight--
	i := len(b.finished)
	for i > 0 && b.finished[i-1].After(at) {
		i--
	}
	b.finished = slices.Insert(b.finished, i, at)
}

// pause stops admissions of the whole tenant until at least until.
func (b *budget) pause(until time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if until.After(b.pauseUntil) {
		b.pauseUntil = until
		close(b.paused)
		b.paused = make(chan struct{})
	}
}

// budgets holds one budget per resource URL and tenant for the life of
// the process, so that every client of a tenant shares it.
var budgets struct {
	sync.Mutex
	m map[string]*budget
}

// sharedBudget returns the process-wide budget of (resourceURL, tenant),
// creating it with limit and window when it does not exist yet.
func sharedBudget(resourceURL, tenant string, limit int, window time.Duration) *budget {
	key := strings.ToLower(resourceURL) + "\x00" + strings.ToLower(tenant)
	budgets.Lock()
	defer budgets.Unlock()
	if b, ok := budgets.m[key]; ok {
		return b
	}
	if budgets.m == nil {
		budgets.m = map[string]*budget{}
	}
	b := newBudget(limit, window)
	budgets.m[key] = b
	return b
}
