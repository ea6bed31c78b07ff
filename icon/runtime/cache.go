package runtime

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
)

// connCache keeps built connections by key, least recently used evicted
// beyond max. Concurrent requests for the same key wait for one build.
// A failed build is not kept. It is safe for concurrent use.
type connCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // of *connEntry, most recent first
	items map[string]*list.Element
}

type connEntry struct {
	key   string
	ready chan struct{}
	conn  Connection
	err   error
}

func newConnCache(size int) *connCache {
	if size <= 0 {
		size = 32
	}
	return &connCache{max: size, order: list.New(), items: map[string]*list.Element{}}
}

// get returns the connection for key, calling build when there is none.
func (c *connCache) get(key string, build func() (Connection, error)) (Connection, error) {
	c.mu.Lock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		e := el.Value.(*connEntry)
		c.mu.Unlock()
		<-e.ready
		return e.conn, e.err
	}
	e := &connEntry{key: key, ready: make(chan struct{})}
	c.items[key] = c.order.PushFront(e)
	for c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.items, old.Value.(*connEntry).key)
	}
	c.mu.Unlock()

	e.conn, e.err = build()
	close(e.ready)
	if e.err != nil {
		c.mu.Lock()
		if el, ok := c.items[key]; ok && el.Value == e {
			c.order.Remove(el)
			delete(c.items, key)
		}
		c.mu.Unlock()
	}
	return e.conn, e.err
}

// cacheKey returns the connection_cache_key when given, else a hash of the
// connection's canonical JSON (encoding/json sorts map keys).
func cacheKey(given string, conn map[string]any) string {
	if given != "" {
		return "key:" + given
	}
	b, err := json.Marshal(conn)
	if err != nil {
		return "unhashable"
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
