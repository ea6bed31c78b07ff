package halo

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

func TestTokenRequestShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Config{Tenant: "acme"}, func(c *Config) { c.Scope = "read:tickets  edit:tickets" })
	if err := e.client.Authenticate(t.Context()); err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	var tok []emulator.Request
	for _, r := range e.srv.Requests() {
		if r.Path == "/auth/token" {
			tok = append(tok, r)
		}
	}
	if len(tok) != 1 {
		t.Fatalf("token requests = %d, want 1", len(tok))
	}
	r := tok[0]
	for _, want := range []string{"grant_type=client_credentials", "client_id=" + testClientID,
		"scope=read%3Atickets+edit%3Atickets", "client_secret=REDACTED"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("token body %q lacks %q", r.Body, want)
		}
	}
	if r.Method != "POST" || r.Query != "tenant=acme" {
		t.Errorf("token request = %s ?%s, want POST ?tenant=acme", r.Method, r.Query)
	}
}

func TestTokenIsSharedAndRenewedBeforeExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		ttl       time.Duration
		renewAt   time.Duration // time after the fetch at which it is renewed
		stillGood time.Duration // a moment before renewAt
	}{
		{"hour token renewed a minute early", time.Hour, 59 * time.Minute, 58*time.Minute + 59*time.Second},
		{"short token renewed at 80% of its life", 100 * time.Second, 80 * time.Second, 79 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, emulator.Config{TokenTTL: tt.ttl}, nil)
			ctx := t.Context()
			start := e.clock.Now()
			for range 5 {
				if _, err := e.client.Lookups.Statuses(ctx); err != nil {
					t.Fatalf("Statuses: %v", err)
				}
			}
			e.clock.Advance(tt.stillGood - e.clock.Now().Sub(start))
			if _, err := e.client.Lookups.Statuses(ctx); err != nil {
				t.Fatalf("Statuses: %v", err)
			}
			if n := e.srv.TokensIssued(); n != 1 {
				t.Errorf("tokens before renewal = %d, want 1", n)
			}
			e.clock.Advance(tt.renewAt - tt.stillGood)
			if _, err := e.client.Lookups.Statuses(ctx); err != nil {
				t.Fatalf("Statuses: %v", err)
			}
			if n := e.srv.TokensIssued(); n != 2 {
				t.Errorf("tokens after renewal point = %d, want 2", n)
			}
			if n := len(e.apiRequests("")); n != 7 {
				t.Errorf("API requests = %d, want 7 (no 401 round trips)", n)
			}
		})
	}
}

func TestConcurrentCallersShareOneTokenFetch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Config{}, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for range 200 {
		wg.Go(func() {
			_, err := e.client.Lookups.AgentMe(t.Context())
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("AgentMe: %v", err)
		}
	}
	if n := e.srv.TokensIssued(); n != 1 {
		t.Errorf("tokens issued = %d, want 1", n)
	}
}

func TestWaiterLeavesOnItsOwnContext(t *testing.T) {
	t.Parallel()
	// The token endpoint answers only once the gate opens, after the
	// impatient caller has left: nothing depends on how fast the machine
	// is.
	se := newScriptedEnv(t, nil, nil)
	gate := make(chan struct{})
	se.front.authGate = gate
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()

	done := make(chan error, 1)
	go func() { done <- se.client.Authenticate(t.Context()) }()
	err := se.client.Authenticate(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("impatient caller: %v, want context.DeadlineExceeded", err)
	}
	close(gate)
	if err := <-done; err != nil {
		t.Errorf("patient caller: %v (its fetch was cancelled by the other caller?)", err)
	}
	if n := se.srv.TokensIssued(); n != 1 {
		t.Errorf("tokens issued = %d, want 1", n)
	}
}

func TestUnauthorizedRefreshesTokenOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Config{}, nil)
	ctx := t.Context()
	if _, err := e.client.Lookups.Statuses(ctx); err != nil {
		t.Fatalf("Statuses: %v", err)
	}
	e.srv.ExpireTokens() // Halo revokes the token early
	if _, err := e.client.Lookups.Statuses(ctx); err != nil {
		t.Fatalf("Statuses after revocation: %v", err)
	}
	var statuses []int
	for _, r := range e.apiRequests("") {
		statuses = append(statuses, r.Status)
	}
	if got, want := statuses, []int{200, 401, 200}; !equalInts(got, want) {
		t.Errorf("API statuses = %v, want %v", got, want)
	}
	if n := e.srv.TokensIssued(); n != 2 {
		t.Errorf("tokens issued = %d, want 2", n)
	}
}

func TestPersistentUnauthorizedIsNotLooped(t *testing.T) {
	t.Parallel()
	se := newScriptedEnv(t, []int{401, 401, 401}, nil)
	_, err := se.client.Lookups.Statuses(t.Context())
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if n := se.front.hits(); n != 2 {
		t.Errorf("API hits = %d, want 2 (one retry with a fresh token)", n)
	}
	if n := se.srv.TokensIssued(); n != 2 {
		t.Errorf("tokens issued = %d, want 2", n)
	}
}

func TestInvalidateKeepsANewerToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Config{}, nil)
	old, err := e.client.tokens.get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	e.client.tokens.invalidate(old)
	fresh, err := e.client.tokens.get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	e.client.tokens.invalidate(old) // a late 401 on the old token
	if cur := e.client.tokens.valid(); cur != fresh {
		t.Errorf("a 401 on an old token dropped the current one")
	}
}

func TestTokenErrorsNameTheLikelyCause(t *testing.T) {
	t.Parallel()
	closed := closedPortURL(t)
	tests := []struct {
		name        string
		ecfg        emulator.Config
		mod         func(*Config)
		wantSuspect string
		wantUnauth  bool
		wantCode    string
	}{
		{"wrong secret", emulator.Config{}, func(c *Config) { c.ClientSecret = "wrong-secret" },
			"client id or client secret", true, "invalid_client"},
		{"wrong client id", emulator.Config{}, func(c *Config) { c.ClientID = "nobody" },
			"client id or client secret", true, "invalid_client"},
		{"unknown scope", emulator.Config{}, func(c *Config) { c.Scope = "read:users" },
			"scope", false, "invalid_scope"},
		{"wrong tenant", emulator.Config{Tenant: "acme"}, func(c *Config) { c.Tenant = "acne" },
			"tenant", false, ""},
		{"login agent missing", emulator.Config{Faults: emulator.Faults{TokenHTML500: true}},
			nil, "login agent", false, ""},
		{"nothing listening", emulator.Config{}, func(c *Config) { c.AuthURL = closed },
			"authorization URL", false, ""},
		{"wrong path", emulator.Config{}, func(c *Config) { c.AuthURL += "/nope" },
			"authorization URL", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tt.ecfg, tt.mod)
			_, err := e.client.Tickets.Get(t.Context(), 1, false)
			var te *TokenError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v (%T), want *TokenError", err, err)
			}
			if !strings.Contains(te.Suspect, tt.wantSuspect) {
				t.Errorf("Suspect = %q, want it to mention %q", te.Suspect, tt.wantSuspect)
			}
			if te.Code != tt.wantCode {
				t.Errorf("Code = %q, want %q", te.Code, tt.wantCode)
			}
			if got := errors.Is(err, ErrUnauthorized); got != tt.wantUnauth {
				t.Errorf("errors.Is(ErrUnauthorized) = %v, want %v", got, tt.wantUnauth)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "halo: get ticket 1: get access token from ") {
				t.Errorf("message = %q", msg)
			}
			if strings.Contains(msg, testSecret) || strings.Contains(msg, "wrong-secret") ||
				strings.Contains(msg, "<html") {
				t.Errorf("message leaks the secret or the HTML page: %q", msg)
			}
			if n := len(e.apiRequests("")); n != 0 {
				t.Errorf("API was called %d times without a token", n)
			}
		})
	}
}

// closedPortURL returns an http URL on 127.0.0.1 where nothing listens.
func closedPortURL(t *testing.T) string {
	t.Helper()
	var lc net.ListenConfig
	ln, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return "http://" + addr + "/auth"
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
