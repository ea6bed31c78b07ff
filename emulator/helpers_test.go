package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeClock is an injectable clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 1, 10, 9, 30, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// client talks to one emulator with its own transport, so no
// connection outlives the test.
type client struct {
	t     *testing.T
	s     *emulator.Server
	hc    *http.Client
	token string
}

func newClient(t *testing.T, s *emulator.Server) *client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &client{t: t, s: s, hc: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// login fetches a token with scope and keeps it for later calls.
func (c *client) login(scope string) *client {
	c.t.Helper()
	code, body := c.tokenRequest(url.Values{
		"grant_type": {"client_credentials"}, "client_id": {emulator.DefaultClientID},
		"client_secret": {emulator.DefaultClientSecret}, "scope": {scope},
	}, "")
	if code != http.StatusOK {
		c.t.Fatalf("token: status %d: %s", code, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil {
		c.t.Fatalf("token: %v", err)
	}
	c.token = tok.AccessToken
	return c
}

func (c *client) tokenRequest(form url.Values, rawQuery string) (int, []byte) {
	c.t.Helper()
	u := c.s.AuthURL() + "/token"
	if rawQuery != "" {
		u += "?" + rawQuery
	}
	req, err := http.NewRequestWithContext(c.t.Context(), http.MethodPost, u,
		strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("token: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// do sends an API request (path relative to /api) and returns the
// response with its body read.
func (c *client) do(method, path, body string) (*http.Response, []byte) {
	c.t.Helper()
	resp, b, err := c.try(method, path, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp, b
}

func (c *client) try(method, path, body string) (*http.Response, []byte, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.s.APIURL()+path, r)
	if err != nil {
		return nil, nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// call sends a request, checks the status and decodes the JSON answer.
func (c *client) call(method, path, body string, want int) any {
	c.t.Helper()
	resp, b := c.do(method, path, body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		c.t.Fatalf("%s %s: decode %q: %v", method, path, b, err)
	}
	return v
}

func obj(t *testing.T, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("got %T, want a JSON object", v)
	}
	return m
}

func arr(t *testing.T, v any) []any {
	t.Helper()
	a, ok := v.([]any)
	if !ok {
		t.Fatalf("got %T, want a JSON array", v)
	}
	return a
}

// num reads a JSON number (or numeric string) as an int.
func num(t *testing.T, v any) int {
	t.Helper()
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = x
	default:
		t.Fatalf("got %T %v, want a number", v, v)
	}
	f, err := json.Number(s).Float64()
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return int(f)
}

// ids lists the ids of the tickets in a Faults_View envelope.
func ids(t *testing.T, env any) []int {
	t.Helper()
	out := []int{}
	for _, row := range arr(t, obj(t, env)["tickets"]) {
		out = append(out, num(t, obj(t, row)["id"]))
	}
	return out
}

func mustCreate(t *testing.T, s *emulator.Server, fields map[string]any) int {
	t.Helper()
	id, err := s.CreateTicketErr(fields)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func itoa(n int) string { return strconv.Itoa(n) }

func contextWithTimeout(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), d)
}
