package halo

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haloconnect/icon-haloitsm/emulator"
	"github.com/haloconnect/icon-haloitsm/internal/syncbuf"
)

const (
	testClientID = "test-client-id"
	testSecret   = "s3cr3t-VALUE-never-shown"
)

// fakeClock is a Clock whose Sleep returns at once after moving time
// forward, so backoff and expiry schedules run instantly. It records
// every sleep.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	if d > 0 {
		c.now = c.now.Add(d)
	}
	return nil
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// env is an emulator plus a client configured for it.
type env struct {
	srv    *emulator.Server
	client *Client
	clock  *fakeClock
	logs   *syncbuf.Buffer
}

// newEnv starts an emulator sharing a fake clock with a new client.
// mod may adjust the client config.
func newEnv(t testing.TB, ecfg emulator.Config, mod func(*Config)) *env {
	t.Helper()
	clock := newFakeClock()
	ecfg.ClientID, ecfg.ClientSecret = testClientID, testSecret
	if ecfg.Now == nil {
		ecfg.Now = clock.Now
	}
	srv := emulator.NewTestServer(t, ecfg)
	logs := &syncbuf.Buffer{}
	cfg := Config{
		AuthURL:      srv.AuthURL(),
		ResourceURL:  srv.APIURL(),
		ClientID:     testClientID,
		ClientSecret: testSecret,
		Tenant:       ecfg.Tenant,
		Clock:        clock,
		Logger: slog.New(slog.NewJSONHandler(logs,
			&slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.jitter = func(d time.Duration) time.Duration { return d / 2 }
	t.Cleanup(c.hc.CloseIdleConnections)
	return &env{srv: srv, client: c, clock: clock, logs: logs}
}

// apiRequests returns the logged requests under /api with the given
// method ("" for any).
func (e *env) apiRequests(method string) []emulator.Request {
	var out []emulator.Request
	for _, r := range e.srv.Requests() {
		if strings.HasPrefix(strings.ToLower(r.Path), "/api/") &&
			(method == "" || r.Method == method) {
			out = append(out, r)
		}
	}
	return out
}

// scripted puts a handler in front of an emulator: while script has
// entries, each /api request takes the next one; an entry is a status to
// answer (without reaching the emulator), or one of the special values
// below. Afterwards requests pass through.
type scripted struct {
	mu      sync.Mutex
	script  []int
	header  http.Header // added to scripted answers
	emu     http.Handler
	apiHits int

	// authGate, when not nil, holds every request outside /api (token
	// requests) until it is closed or the client gives up.
	authGate chan struct{}
}

const (
	// commitThenDrop passes the request to the emulator, then closes the
	// connection without an answer.
	commitThenDrop = -1
	// dropBefore closes the connection without reaching the emulator.
	dropBefore = -2
	// hang holds the request without answering until the client gives
	// up (its context ends and the connection closes), so an attempt ends
	// by the client's own timeout however slow the machine is.
	hang = -3
)

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(strings.ToLower(r.URL.Path), "/api/") {
		if s.authGate != nil {
			select {
			case <-s.authGate:
			case <-r.Context().Done():
				return
			}
		}
		s.emu.ServeHTTP(w, r)
		return
	}
	s.mu.Lock()
	s.apiHits++
	next, ok := 0, len(s.script) > 0
	if ok {
		next, s.script = s.script[0], s.script[1:]
	}
	s.mu.Unlock()

	switch {
	case !ok:
		s.emu.ServeHTTP(w, r)
	case next == commitThenDrop:
		s.emu.ServeHTTP(httptest.NewRecorder(), r)
		hijackClose(w)
	case next == dropBefore:
		_, _ = io.Copy(io.Discard, r.Body)
		hijackClose(w)
	case next == hang:
		<-r.Context().Done()
	default:
		for k, v := range s.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(next)
		_, _ = io.WriteString(w, http.StatusText(next))
	}
}

func (s *scripted) hits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.apiHits
}

func hijackClose(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	_ = conn.Close()
}

// scriptedEnv is like newEnv with a scripted front handler.
type scriptedEnv struct {
	*env
	front *scripted
}

func newScriptedEnv(t testing.TB, script []int, mod func(*Config)) *scriptedEnv {
	t.Helper()
	clock := newFakeClock()
	emu := emulator.New(emulator.Config{ClientID: testClientID, ClientSecret: testSecret,
		Now: clock.Now})
	front := &scripted{script: script, emu: emu.Handler()}
	hs := httptest.NewServer(front)
	t.Cleanup(func() {
		hs.Close()
		_ = emu.Close()
	})
	emu.SetBaseURL(hs.URL)
	cfg := Config{
		AuthURL:      hs.URL + "/auth",
		ResourceURL:  hs.URL + "/api",
		ClientID:     testClientID,
		ClientSecret: testSecret,
		Clock:        clock,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.jitter = func(d time.Duration) time.Duration { return d / 2 }
	return &scriptedEnv{env: &env{srv: emu, client: c, clock: clock, logs: &syncbuf.Buffer{}},
		front: front}
}
