package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/haloconnect/icon-haloitsm/internal/httpstatus"
)

// maxBody bounds a request body the emulator reads; larger bodies are
// answered 413.
const maxBody = 8 << 20

// routes builds the top-level handler: every request is logged; /auth
// holds the token endpoint; /api is rate limited, fault injected and
// authenticated before it is routed.
func (s *Server) routes() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &httpstatus.Recorder{ResponseWriter: w}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		start := s.now()
		defer func() {
			s.logRequest(start, r, body, rec.Status)
		}()
		if err != nil {
			writeText(rec, http.StatusBadRequest, "could not read the request body")
			return
		}
		if len(body) > maxBody {
			writeText(rec, http.StatusRequestEntityTooLarge, "request body too large")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))

		if !s.sleep(r, s.currentFaults().Latency) {
			rec.Status = 0 // the client or the server went away
			return
		}

		path := r.URL.Path
		lower := strings.ToLower(path)
		switch {
		case lower == "/auth/token":
			s.serveToken(rec, r)
		case lower == "/api" || strings.HasPrefix(lower, "/api/"):
			s.serveAPI(rec, r, body)
		default:
			writeText(rec, http.StatusNotFound, "Not Found")
		}
	})
}

// sleep waits d unless the request or the server ends first; it
// reports whether the wait completed.
func (s *Server) sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.ctx.Done():
		return false
	}
}

func (s *Server) currentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// faultChoice is what the fault injector decided for one request.
type faultChoice int

const (
	faultNone faultChoice = iota
	faultError
	faultDrop
	faultCommitThenFail
)

// chooseFault draws the fault for one /api request.
func (s *Server) chooseFault(r *http.Request) (faultChoice, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	if f.ErrorRatio > 0 && s.rng.Float64() < f.ErrorRatio {
		codes := []int{http.StatusInternalServerError, http.StatusBadGateway,
			http.StatusServiceUnavailable}
		return faultError, codes[s.rng.IntN(len(codes))]
	}
	if f.DropRatio > 0 && s.rng.Float64() < f.DropRatio {
		return faultDrop, 0
	}
	if r.Method == http.MethodPost && f.CommitThenFail > 0 &&
		s.rng.Float64() < f.CommitThenFail {
		if s.rng.IntN(2) == 0 {
			return faultCommitThenFail, http.StatusBadGateway
		}
		return faultCommitThenFail, 0
	}
	return faultNone, 0
}

// serveAPI applies the rate limit, faults and authentication, then
// routes the request.
func (s *Server) serveAPI(w *httpstatus.Recorder, r *http.Request, body []byte) {
	if ok, msg := s.allow(); !ok {
		if ra := s.cfg.RetryAfter; ra > 0 {
			secs := int((ra + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
		// Whether Halo sends this text bare or wrapped in JSON is
		// unknown (users only saw it through their clients' error
		// wrappers); plain text is the choice that breaks a client which
		// assumes every error body is JSON.
		writeText(w, http.StatusTooManyRequests, msg)
		return
	}

	fault, code := s.chooseFault(r)
	switch fault {
	case faultError:
		writeFaultPage(w, code)
		return
	case faultDrop:
		s.drop(w)
		return
	case faultCommitThenFail:
		buf := newBufferWriter()
		s.serveAuthenticated(buf, r, body)
		if buf.status >= 200 && buf.status < 300 {
			s.logger.Debug("emulator: commit then fail", "method", r.Method,
				"path", r.URL.Path, "status", code)
			if code == 0 {
				s.drop(w)
				return
			}
			writeFaultPage(w, code)
			return
		}
		buf.copyTo(w)
		return
	}
	s.serveAuthenticated(w, r, body)
}

// drop closes the connection without an answer. Without a hijackable
// connection (e.g. an httptest.ResponseRecorder) it aborts the handler,
// which net/http turns into a reset connection.
func (s *Server) drop(w *httpstatus.Recorder) {
	w.Status = 0
	conn, _, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		writeFaultPage(w, http.StatusBadGateway)
		return
	}
	_ = conn.Close()
}

// writeFaultPage answers like a proxy in front of a failing Halo: an
// HTML page, never JSON.
func writeFaultPage(w http.ResponseWriter, code int) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	text := http.StatusText(code)
	fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body><h1>%d %s</h1>"+
		"<p>The server encountered a temporary error.</p></body></html>\n",
		code, text, code, text)
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeText(w, http.StatusInternalServerError, "emulator: encode response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// writeText answers a plain-text body; Halo's validation messages (e.g.
// "An Outcome must be entered for this Action") arrive as text.
func writeText(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	// Browsers must not guess HTML from the text; the echo of user
	// input in a message is then harmless.
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, msg) //nolint:gosec // G705: text/plain with nosniff, never HTML
}

// bufferWriter holds a response so it can be replaced after the
// handler ran.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBufferWriter() *bufferWriter { return &bufferWriter{header: http.Header{}} }

func (b *bufferWriter) Header() http.Header { return b.header }

func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferWriter) copyTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}
