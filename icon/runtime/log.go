package runtime

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
)

// Mask is what secrets are replaced with.
const Mask = "********"

// minSecretLen is the shortest secret masked. Masking a one- or
// two-character value would rewrite every occurrence of those characters
// in all output; such a value is no real secret.
const minSecretLen = 4

// masker replaces connection secrets in strings. The secrets are learnt
// once the connection has been read, after logging has started, so they
// can be set later. It is safe for concurrent use.
type masker struct {
	mu      sync.RWMutex
	secrets []string
	repl    *strings.Replacer
}

// set records the secrets to mask, longest first so that a secret that
// contains another is masked whole. The JSON-escaped form of each secret
// is masked too, for text that embeds JSON.
func (m *masker) set(secrets []string) {
	var all []string
	for _, s := range secrets {
		if len(s) < minSecretLen {
			continue
		}
		all = append(all, s)
		if q, err := json.Marshal(s); err == nil {
			if esc := string(q[1 : len(q)-1]); esc != s {
				all = append(all, esc)
			}
		}
	}
	slices.SortFunc(all, func(a, b string) int { return len(b) - len(a) })
	all = slices.Compact(all)
	pairs := make([]string, 0, 2*len(all))
	for _, s := range all {
		pairs = append(pairs, s, Mask)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	m.secrets = all
	m.repl = nil
	if len(pairs) > 0 {
		m.repl = strings.NewReplacer(pairs...)
	}
}

// String returns s with every secret replaced by Mask.
func (m *masker) String(s string) string {
	if m == nil {
		return s
	}
	m.mu.RLock()
	r := m.repl
	m.mu.RUnlock()
	if r == nil {
		return s
	}
	return r.Replace(s)
}

// Value returns a copy of a decoded JSON value with secrets masked out of
// every string, keys included.
func (m *masker) Value(v any) any {
	switch x := v.(type) {
	case string:
		return m.String(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = m.Value(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[m.String(k)] = m.Value(e)
		}
		return out
	}
	return v
}

// Map is Value for an object.
func (m *masker) Map(v map[string]any) map[string]any {
	if v == nil {
		return nil
	}
	return m.Value(v).(map[string]any)
}

// capture collects an invocation's log text for the envelope and, when
// stderr is set, copies each record there as it is written. Every record
// passes through the masker first. With a limit, the text kept between
// two Takes is bounded: the oldest records are dropped to make room for
// new ones, and Take reports how many were dropped. It is safe for
// concurrent use.
type capture struct {
	mu     sync.Mutex
	stderr io.Writer // nil: records are kept for the envelope only
	mask   *masker
	// limit bounds the bytes of records kept; 0 means no bound.
	limit int

	// recs are the records kept, oldest first, and size their length in
	// bytes.
	recs    []string
	size    int
	dropped int
}

// Write takes one formatted record from the slog text handler.
func (c *capture) Write(p []byte) (int, error) {
	line := c.mask.String(string(p))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stderr != nil {
		io.WriteString(c.stderr, line) //nolint:errcheck // stderr is best effort
	}
	c.keep(line)
	return len(p), nil
}

// keep adds a record, dropping the oldest ones when over the limit. A
// single record longer than the limit is cut to it.
func (c *capture) keep(line string) {
	if c.limit > 0 && len(line) > c.limit {
		line = line[:max(c.limit-len(cutMark), 0)] + cutMark
	}
	c.recs = append(c.recs, line)
	c.size += len(line)
	if c.limit <= 0 {
		return
	}
	n := 0
	for c.size > c.limit {
		c.size -= len(c.recs[n])
		c.recs[n] = ""
		n++
	}
	if n > 0 {
		c.recs = c.recs[n:]
		c.dropped += n
	}
}

// cutMark ends a record cut to the capture's limit.
const cutMark = "...[cut]\n"

// text renders the kept records, after a line counting the dropped ones.
// The caller holds mu.
func (c *capture) text() string {
	var b strings.Builder
	if c.dropped > 0 {
		fmt.Fprintf(&b, "[%d earlier log lines dropped to keep this log under %d "+
			"bytes; the plugin's stderr has them all]\n", c.dropped, c.limit)
	}
	for _, r := range c.recs {
		b.WriteString(r)
	}
	return b.String()
}

// Text returns everything logged so far (within the limit).
func (c *capture) Text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.text()
}

// Take returns everything logged since the last Take (within the limit)
// and clears it; a trigger sends it with each event.
func (c *capture) Take() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.text()
	c.recs, c.size, c.dropped = nil, 0, 0
	return s
}

// invocation is the per-request logging state: its id, masker and
// captured log.
type invocation struct {
	id   string
	mask *masker
	cap  *capture
	log  *slog.Logger
}

// newInvocation builds the logger of one invocation. With debug, records
// at debug level are kept and also copied to stderr.
func newInvocation(id string, debug bool, stderr io.Writer) *invocation {
	inv := &invocation{id: id, mask: &masker{}}
	inv.cap = &capture{mask: inv.mask}
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
		inv.cap.stderr = stderr
	}
	h := slog.NewTextHandler(inv.cap, &slog.HandlerOptions{Level: level})
	inv.log = slog.New(h).With("request_id", id)
	return inv
}

// requestID picks the id of an invocation: the X-REQUEST-ID header when
// given, else jobId (and stepId) from meta, else a random id.
func requestID(header string, meta json.RawMessage) string {
	if header != "" {
		return header
	}
	var m map[string]any
	if json.Unmarshal(meta, &m) == nil {
		job, _ := m["jobId"].(string)
		step, _ := m["stepId"].(string)
		switch {
		case job != "" && step != "":
			return job + "/" + step
		case job != "":
			return job
		case step != "":
			return step
		}
	}
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}
