package haloitsm

import (
	"context"
	"sync"
	"time"
)

// lookupTTL is how long a fetched lookup list (statuses, teams, ...) is
// reused before it is fetched again.
const lookupTTL = 5 * time.Minute

// lookupCache keeps Halo's lookup lists for one connection, so that
// resolving names and filling in names of output tickets costs one
// request per list per TTL. It is safe for concurrent use; concurrent
// misses of one list share one fetch.
type lookupCache struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	mu      sync.Mutex // held while fetching
	value   any
	fetched time.Time
	ok      bool
}

func newLookupCache(ttl time.Duration, now func() time.Time) *lookupCache {
	if now == nil {
		now = time.Now
	}
	return &lookupCache{ttl: ttl, now: now, entries: map[string]*cacheEntry{}}
}

// cached returns the value cached under key, calling fetch when it is
// missing or older than the TTL. A failed fetch is not cached.
func cached[T any](ctx context.Context, lc *lookupCache, key string,
	fetch func(context.Context) (T, error)) (T, error) {
	lc.mu.Lock()
	e := lc.entries[key]
	if e == nil {
		e = &cacheEntry{}
		lc.entries[key] = e
	}
	lc.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ok && lc.now().Sub(e.fetched) < lc.ttl {
		return e.value.(T), nil
	}
	v, err := fetch(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	e.value, e.fetched, e.ok = v, lc.now(), true
	return v, nil
}
