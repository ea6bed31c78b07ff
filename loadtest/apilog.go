package loadtest

import (
	"bytes"
	"crypto/sha256"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/haloconnect/icon-haloitsm/internal/httpstatus"
)

// maxRecordedBody bounds the request body the recorder reads to key a
// request; it matches the emulator's own limit.
const maxRecordedBody = 8 << 20

// APICounts is what the emulator answered during a run, as seen by a
// recorder in front of it.
type APICounts struct {
	// Requests counts requests under /api; TokenRequests those to the
	// token endpoint (whatever their answer).
	Requests      int
	TokenRequests int
	// ByStatus counts /api answers by status code; 0 means the
	// connection was closed without an answer.
	ByStatus map[int]int
	// Retries counts /api requests identical (method, path, query and
	// body) to an earlier request that failed with 401, 429, a 5xx or a
	// dropped connection and was not yet matched by a resend: the
	// client's resends. Idempotency-key lookups after an ambiguous create
	// are new requests, not resends, and are not counted.
	Retries int
}

// Status429 returns the number of 429 answers.
func (c APICounts) Status429() int { return c.ByStatus[http.StatusTooManyRequests] }

// Status5xx returns the number of 5xx answers.
func (c APICounts) Status5xx() int {
	n := 0
	for code, k := range c.ByStatus {
		if code >= 500 {
			n += k
		}
	}
	return n
}

// Dropped returns the number of requests answered by closing the
// connection.
func (c APICounts) Dropped() int { return c.ByStatus[0] }

// recorder is an http.Handler in front of the emulator that counts
// answers and resends. Unlike the emulator's request log it keeps no
// per-request entries, so it is unbounded in run length and cheap.
type recorder struct {
	next http.Handler

	mu      sync.Mutex
	counts  APICounts
	pending map[[32]byte]int // failed requests awaiting a resend
}

func newRecorder(next http.Handler) *recorder {
	return &recorder{
		next:    next,
		counts:  APICounts{ByStatus: map[int]int{}},
		pending: map[[32]byte]int{},
	}
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRecordedBody+1))
	if err != nil {
		http.Error(w, "could not read the request body", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	// The status stays 0 when the emulator hijacked the connection and
	// closed it without an answer: a dropped request.
	sw := &httpstatus.Recorder{ResponseWriter: w}
	rc.next.ServeHTTP(sw, r)

	path := strings.ToLower(r.URL.Path)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	switch {
	case path == "/auth/token":
		rc.counts.TokenRequests++
		return
	case path != "/api" && !strings.HasPrefix(path, "/api/"):
		return
	}
	rc.counts.Requests++
	rc.counts.ByStatus[sw.Status]++

	key := requestKey(r.Method, path, r.URL.RawQuery, body)
	if rc.pending[key] > 0 {
		rc.pending[key]--
		rc.counts.Retries++
	}
	if failedStatus(sw.Status) {
		rc.pending[key]++
	}
}

// snapshot returns a copy of the counts.
func (rc *recorder) snapshot() APICounts {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	c := rc.counts
	c.ByStatus = make(map[int]int, len(rc.counts.ByStatus))
	for k, v := range rc.counts.ByStatus {
		c.ByStatus[k] = v
	}
	return c
}

// failedStatus reports whether a client may resend a request answered
// with code (0 for a dropped connection).
func failedStatus(code int) bool {
	return code == 0 || code == http.StatusUnauthorized ||
		code == http.StatusTooManyRequests || code >= 500
}

func requestKey(method, path, query string, body []byte) [32]byte {
	h := sha256.New()
	io.WriteString(h, method+" "+path+"?"+query+"\n") //nolint:errcheck // hashes never fail
	h.Write(body)
	var k [32]byte
	h.Sum(k[:0])
	return k
}
