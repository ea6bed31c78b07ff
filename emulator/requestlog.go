package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	// maxLoggedBody bounds the body kept per logged request.
	maxLoggedBody = 4 << 10
	// maxLoggedRequests bounds the request log; beyond it each new
	// entry replaces the oldest.
	maxLoggedRequests = 50000
	redacted          = "REDACTED"
)

// Request is one entry of the request log.
type Request struct {
	Time   time.Time
	Method string
	Path   string // as received, original case
	Query  string // raw query with secret values redacted
	Status int    // 0 when the connection was dropped without an answer
	Body   string // redacted, at most 4 KiB
}

// requestLog keeps the newest entries in a ring: once full, each new
// entry overwrites the oldest, so adding costs the same at the cap as
// below it. The zero value holds up to maxLoggedRequests entries. It is
// not safe for concurrent use; the server's lock guards it.
type requestLog struct {
	buf  []Request // grows up to the cap, then is reused as a ring
	next int       // where the next entry goes once buf is full
	max  int       // the cap; 0 means maxLoggedRequests
}

func (l *requestLog) limit() int {
	if l.max > 0 {
		return l.max
	}
	return maxLoggedRequests
}

// add records e, dropping the oldest entry when the log is full.
func (l *requestLog) add(e Request) {
	if len(l.buf) < l.limit() {
		l.buf = append(l.buf, e)
		return
	}
	l.buf[l.next] = e
	l.next = (l.next + 1) % len(l.buf)
}

// entries returns a copy of the log, oldest first, or nil when empty.
func (l *requestLog) entries() []Request {
	if len(l.buf) == 0 {
		return nil
	}
	out := make([]Request, 0, len(l.buf))
	out = append(out, l.buf[l.next:]...)
	return append(out, l.buf[:l.next]...)
}

// reset empties the log and frees its storage.
func (l *requestLog) reset() {
	l.buf, l.next = nil, 0
}

// Requests returns a copy of the request log, oldest first: the newest
// 50,000 requests at most. The Authorization header is never recorded;
// client secrets, passwords and tokens in bodies and queries read
// REDACTED.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqlog.entries()
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqlog.reset()
}

func (s *Server) logRequest(start time.Time, r *http.Request, body []byte, status int) {
	e := Request{
		Time:   start,
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  redactQuery(r.URL.RawQuery),
		Status: status,
		Body:   redactBody(r.Header.Get("Content-Type"), body),
	}
	s.logger.Debug("emulator: request", "method", e.Method, "path", e.Path, "status", status)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqlog.add(e)
}

// secretKey reports whether a form, query or JSON key holds a secret.
func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, frag := range []string{"secret", "password", "token", "authorization", "apikey", "api_key"} {
		if strings.Contains(k, frag) {
			return true
		}
	}
	return false
}

func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return truncate(raw)
	}
	changed := false
	for k := range q {
		if secretKey(k) {
			q[k] = []string{redacted}
			changed = true
		}
	}
	if !changed {
		return raw
	}
	return q.Encode()
}

func redactBody(contentType string, body []byte) string {
	if len(body) == 0 {
		return ""
	}
	switch {
	case strings.HasPrefix(contentType, "application/x-www-form-urlencoded"):
		return truncate(redactQuery(string(body)))
	default:
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			if !utf8.Valid(body) {
				return "(binary body)"
			}
			return truncate(string(body))
		}
		out, err := json.Marshal(redactJSON(v))
		if err != nil {
			return "(unprintable body)"
		}
		return truncate(string(out))
	}
}

func redactJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if secretKey(k) {
				x[k] = redacted
				continue
			}
			x[k] = redactJSON(e)
		}
	case []any:
		for i, e := range x {
			x[i] = redactJSON(e)
		}
	}
	return v
}

func truncate(s string) string {
	if len(s) <= maxLoggedBody {
		return s
	}
	cut := maxLoggedBody
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "...(truncated)"
}
