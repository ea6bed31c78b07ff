package halo

import (
	"context"
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
}

func newBudget(limit int, window time.Duration) *budget {
	return &budget{limit: limit, window: window, turn: make(chan struct{}, 1)}
}

// acquire waits until the budget admits one request (and any pause has
// passed), or until ctx is done. It returns the time spent waiting and a
// release function that must be called once the request has finished.
func (b *budget) acquire(ctx context.Context, clock Clock) (release func(), waited time.Duration,
	err error) {
	start := clock.Now()
	select {
	case b.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, clock.Now().Sub(start), ctx.Err()
	}
	defer func() { <-b.turn }()

	for {
		wait := b.tryAdmit(clock.Now())
		if wait == 0 {
			break
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

// tryAdmit admits a request and returns 0, or returns how long to wait
// before trying again.
func (b *budget) tryAdmit(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()

	if now.Before(b.pauseUntil) {
		return b.pauseUntil.Sub(now)
	}

	expired := 0
	for expired < len(b.finished) && !now.Before(b.finished[expired].Add(b.window)) {
		expired++
	}
	b.finished = b.finished[expired:]

	used := len(b.finished) + b.inflight
	if used < b.limit {
		b.inflight++
		return 0
	}

	// The (used-limit+1)th oldest finished request must leave the window
	// first. If too few have finished, every in-flight one will count for
	// at least a whole window from now.
	need := used - b.limit + 1
	if need <= len(b.finished) {
		return max(b.finished[need-1].Add(b.window).Sub(now), time.Millisecond)
	}
	return b.window
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
