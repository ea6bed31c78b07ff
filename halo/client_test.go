package halo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

const forever = 1000 // a script longer than any retry sequence

func repeat(status, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = status
	}
	return s
}

func repeatDur(d time.Duration, n int) []time.Duration {
	s := make([]time.Duration, n)
	for i := range s {
		s[i] = d
	}
	return s
}

func TestReadRetries(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	tests := []struct {
		name       string
		script     []int
		retryAfter string
		wantHits   int
		wantSleeps []time.Duration
		wantErr    error // nil: success
	}{
		{"502 503 504 then success", []int{502, 503, 504}, "", 4,
			[]time.Duration{250 * ms, 500 * ms, 1000 * ms}, nil},
		{"connection dropped then success", []int{dropBefore}, "", 2,
			[]time.Duration{250 * ms}, nil},
		{"500 retried twice for reads", repeat(500, forever), "", 3,
			[]time.Duration{250 * ms, 500 * ms}, ErrUnavailable},
		{"429 without Retry-After waits tens of seconds", []int{429}, "", 2,
			[]time.Duration{17500 * ms}, nil},
		{"429 with Retry-After seconds", []int{429}, "7", 2,
			[]time.Duration{7 * time.Second}, nil},
		{"persistent 429 gives up within the bound", repeat(429, forever), "", 4,
			[]time.Duration{17500 * ms, 35 * time.Second, 52500 * ms}, ErrRateLimited},
		// 15.75s of growing waits, then the 20s cap (halved by the test
		// jitter) until the next wait would pass the 2-minute bound.
		{"persistent 503 gives up within the bound", repeat(503, forever), "", 17,
			append([]time.Duration{250 * ms, 500 * ms, time.Second, 2 * time.Second,
				4 * time.Second, 8 * time.Second}, repeatDur(10*time.Second, 10)...),
			ErrUnavailable},
		{"400 not retried", []int{400}, "", 1, nil, errors.New("400")},
		{"403 not retried", []int{403}, "", 1, nil, ErrForbidden},
		{"404 not retried", []int{404}, "", 1, nil, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Without keep-alives net/http cannot resend a dropped request
			// by itself, so every retry seen is the client's own.
			se := newScriptedEnv(t, tt.script, func(c *Config) {
				c.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			})
			if tt.retryAfter != "" {
				se.front.header = http.Header{"Retry-After": {tt.retryAfter}}
			}
			id := ID(se.srv.CreateTicket(map[string]any{"summary": "x"}))
			tk, err := se.client.Tickets.Get(t.Context(), id, false)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Get: %v", err)
			case tt.wantErr == nil && tk.ID != id:
				t.Errorf("Get returned ticket %d, want %d", tk.ID, id)
			case tt.wantErr != nil && err == nil:
				t.Fatalf("Get succeeded, want %v", tt.wantErr)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr) &&
				!strings.Contains(err.Error(), tt.wantErr.Error()):
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "halo: get ticket ") {
				t.Errorf("err = %q, want the operation named", err)
			}
			if n := se.front.hits(); n != tt.wantHits {
				t.Errorf("API hits = %d, want %d", n, tt.wantHits)
			}
			if diff := cmp.Diff(tt.wantSleeps, se.clock.Sleeps()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRetryBoundIsHonoured(t *testing.T) {
	t.Parallel()
	se := newScriptedEnv(t, repeat(503, forever), func(c *Config) {
		c.MaxRetryElapsed = 3 * time.Second
	})
	_, err := se.client.Lookups.Statuses(t.Context())
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	var total time.Duration
	for _, d := range se.clock.Sleeps() {
		total += d
	}
	if total > 3*time.Second {
		t.Errorf("slept %v in total, beyond the 3s bound", total)
	}
}

func TestLongRetryAfterBeyondTheBoundFailsAtOnce(t *testing.T) {
	t.Parallel()
	se := newScriptedEnv(t, []int{429}, nil)
	se.front.header = http.Header{"Retry-After": {"3600"}}
	_, err := se.client.Lookups.Statuses(t.Context())
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	if got := se.clock.Sleeps(); len(got) != 0 {
		t.Errorf("slept %v; a capped 5-minute Retry-After exceeds the 2-minute bound", got)
	}
}

func TestUpdateRetriesLikeARead(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	tests := []struct {
		name       string
		script     []int
		wantHits   int
		wantSleeps []time.Duration
		wantErr    error // nil: success
	}{
		{"503 retried", []int{503}, 2, []time.Duration{250 * ms}, nil},
		{"dropped connection retried", []int{commitThenDrop}, 2, []time.Duration{250 * ms}, nil},
		{"500 retried", []int{500}, 2, []time.Duration{250 * ms}, nil},
		{"500 twice, then 502, then success", []int{500, 500, 502}, 4,
			[]time.Duration{250 * ms, 500 * ms, time.Second}, nil},
		{"a third 500 gives up", []int{500, 503, 500, 500}, 4,
			[]time.Duration{250 * ms, 500 * ms, time.Second}, ErrUnavailable},
		{"400 not retried", []int{400}, 1, nil, errors.New("400")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			se := newScriptedEnv(t, tt.script, nil)
			id := ID(se.srv.CreateTicket(map[string]any{"summary": "x"}))
			tk, err := se.client.Tickets.Update(t.Context(), id, map[string]any{"summary": "y"})
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Update: %v", err)
			case tt.wantErr == nil && tk.Summary != "y":
				t.Errorf("Update returned summary %q", tk.Summary)
			case tt.wantErr != nil && err == nil:
				t.Fatalf("Update succeeded, want %v", tt.wantErr)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr) &&
				!strings.Contains(err.Error(), tt.wantErr.Error()):
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if n := se.front.hits(); n != tt.wantHits {
				t.Errorf("API hits = %d, want %d", n, tt.wantHits)
			}
			if diff := cmp.Diff(tt.wantSleeps, se.clock.Sleeps()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRateBudgetWaitEndsWithTheContext(t *testing.T) {
	t.Parallel()
	// A budget of one request an hour, and a retry bound far shorter
	// than the wait: only the context ends the wait. The budget is
	// process-wide by URL and tenant, and a later test's server may reuse
	// this one's port: a tenant of its own keeps it from them.
	e := newEnv(t, emulator.Config{Tenant: "budget-ctx"}, func(c *Config) {
		c.Clock = realClock{}
		c.RateLimit, c.RateWindow = 1, time.Hour
		c.MaxRetryElapsed = time.Millisecond
	})
	id := ID(e.srv.CreateTicket(map[string]any{"summary": "x"}))
	if _, err := e.client.Tickets.Get(t.Context(), id, false); err != nil {
		t.Fatalf("first Get: %v", err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := e.client.Tickets.Get(ctx, id, false)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Get = %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("second Get returned after %v, long after its context ended", took)
	}
	if n := len(e.apiRequests("")); n != 1 {
		t.Errorf("API requests = %d, want 1: the second must not be sent", n)
	}
}

func TestPerAttemptTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	// Every API request is held until the client gives up, so each
	// attempt ends by the per-attempt timeout however loaded the machine
	// is; the retry schedule runs on the fake clock.
	obs := &countingObserver{}
	se := newScriptedEnv(t, repeat(hang, forever), func(c *Config) {
		c.RequestTimeout = 50 * time.Millisecond
		c.MaxRetryElapsed = 2 * time.Second
		c.Observer = obs
	})
	_, err := se.client.Lookups.Statuses(t.Context())
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrUnavailable wrapping a deadline", err)
	}
	// 250ms + 500ms + 1s of waits; the next (2s) would pass the bound.
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second}
	if diff := cmp.Diff(want, se.clock.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{0, 0, 0, 0}, obs.statuses); diff != "" {
		t.Errorf("attempts' statuses, 0 for no answer (-want +got):\n%s", diff)
	}
}

func TestCallerContextWins(t *testing.T) {
	t.Parallel()
	se := newScriptedEnv(t, repeat(hang, forever), nil)
	if err := se.client.Authenticate(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := se.client.Lookups.Statuses(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	// Only a hang check: the request is never answered, and the
	// per-attempt timeout is the default 30s.
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("returned after %v, long after the caller's deadline", d)
	}
	if got := se.clock.Sleeps(); len(got) != 0 {
		t.Errorf("retried after the caller gave up: %v", got)
	}
}

func Test429PausesTheWholeTenant(t *testing.T) {
	t.Parallel()
	se := newScriptedEnv(t, []int{429}, nil)
	other, err := New(se.client.cfg) // a second client of the same tenant
	if err != nil {
		t.Fatal(err)
	}
	if other.budget != se.client.budget {
		t.Fatalf("clients of one tenant do not share a budget")
	}
	start := se.clock.Now()
	if _, err := se.client.Lookups.Statuses(t.Context()); err != nil {
		t.Fatalf("Statuses: %v", err)
	}
	se.client.budget.mu.Lock()
	pause := se.client.budget.pauseUntil.Sub(start)
	se.client.budget.mu.Unlock()
	if pause != 17500*time.Millisecond {
		t.Errorf("shared pause = %v, want 17.5s", pause)
	}
}

func TestLoggingUsesFixedKeysAndNoSecrets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Config{}, nil)
	id := ID(e.srv.CreateTicket(map[string]any{"summary": "x"}))
	if _, err := e.client.Tickets.Get(t.Context(), id, true); err != nil {
		t.Fatal(err)
	}
	e.srv.ExpireTokens()
	e.srv.SetFaults(emulator.Faults{ErrorRatio: 1, Seed: 1})
	_, _ = e.client.Tickets.Get(t.Context(), id, true)

	logs := e.logs.String()
	for _, want := range []string{`"method":"GET"`, `"path":"/api/Tickets/`, `"status":`,
		`"attempt":`, `"wait":`, `"ticket_id":`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s", want)
		}
	}
	for _, bad := range []string{testSecret, "Bearer", "access_token", "eyJ"} {
		if strings.Contains(logs, bad) {
			t.Errorf("logs contain %q", bad)
		}
	}
}

type countingObserver struct {
	requests, retries, tokens, waits int
	statuses                         []int
}

func (o *countingObserver) OnRequest(_, _ string, status int, _ time.Duration) {
	o.requests++
	o.statuses = append(o.statuses, status)
}
func (o *countingObserver) OnRetry(string, time.Duration) { o.retries++ }
func (o *countingObserver) OnTokenFetch(error)            { o.tokens++ }
func (o *countingObserver) OnRateLimitWait(time.Duration) { o.waits++ }

func TestObserverSeesRequestsRetriesAndTokens(t *testing.T) {
	t.Parallel()
	obs := &countingObserver{}
	se := newScriptedEnv(t, []int{503}, func(c *Config) { c.Observer = obs })
	if _, err := se.client.Lookups.Statuses(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := []any{obs.requests, obs.retries, obs.tokens, obs.statuses}
	want := []any{2, 1, 1, []int{503, 200}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests, retries, token fetches, statuses (-want +got):\n%s", diff)
	}
}

func TestClientRateBudgetQueuesInsteadOf429(t *testing.T) {
	t.Parallel()
	// A tenant of its own: budgets are process-wide by URL and tenant,
	// and a later test's server may reuse this one's port.
	e := newEnv(t, emulator.Config{RateLimit: 5, RateWindow: time.Minute,
		Tenant: "budget-queue"}, func(c *Config) {
		c.RateLimit, c.RateWindow = 5, time.Minute
	})
	start := e.clock.Now()
	for range 12 {
		if _, err := e.client.Lookups.Statuses(t.Context()); err != nil {
			t.Fatalf("Statuses: %v", err)
		}
	}
	for _, r := range e.apiRequests("") {
		if r.Status == http.StatusTooManyRequests {
			t.Fatalf("the emulator answered 429: the client overran its own budget")
		}
	}
	if d := e.clock.Now().Sub(start); d < 2*time.Minute {
		t.Errorf("12 requests at 5 per minute took %v, want at least 2m", d)
	}
}

func TestLaterCallsWaitForThePauseOnlyWithinTheirBound(t *testing.T) {
	t.Parallel()
	s := time.Second
	note := func(ctx context.Context, c *Client, id ID) error {
		_, err := c.Actions.Create(ctx, ActionCreate{TicketID: id, Outcome: "Private Note",
			Note: "after the 429"})
		return err
	}
	get := func(ctx context.Context, c *Client, id ID) error {
		_, err := c.Tickets.Get(ctx, id, false)
		return err
	}
	tests := []struct {
		name       string
		retryAfter string        // on the 429; "" for none (a 17.5s pause here)
		bound      time.Duration // the later call's MaxRetryElapsed
		cancel     bool          // the later call's context is already done
		op         func(context.Context, *Client, ID) error
		wantSleeps []time.Duration
		wantErr    error  // nil: success
		wantMsg    string // in the error
	}{
		{"a read waits out a pause within its bound", "", 2 * time.Minute, false, get,
			[]time.Duration{17500 * time.Millisecond}, nil, ""},
		{"a note waits out a pause within its bound", "", 20 * s, false, note,
			[]time.Duration{17500 * time.Millisecond}, nil, ""},
		{"a note fails fast on a pause beyond its bound", "", 10 * s, false, note, nil,
			ErrRateLimited, "paused for another 17.5s after a 429, beyond the 10s left"},
		{"a read fails fast on a Retry-After beyond its bound", "30", 20 * s, false, get, nil,
			ErrRateLimited, "paused for another 30s"},
		{"a read waits out a Retry-After within its bound", "30", 30 * s, false, get,
			[]time.Duration{30 * s}, nil, ""},
		{"a done context wins over a pause within the bound", "", 2 * time.Minute, true, get,
			nil, context.Canceled, ""},
		{"a done context wins over a pause beyond the bound", "", 10 * s, true, get, nil,
			context.Canceled, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// The first client gives up at once on its 429 (its bound is
			// shorter than the pause), leaving the tenant paused. A tenant
			// of its own keeps the pause from later tests on this port.
			se := newScriptedEnv(t, []int{429}, func(c *Config) {
				c.MaxRetryElapsed = time.Second
				c.Tenant = "pause-" + strings.ReplaceAll(tt.name, " ", "-")
			})
			if tt.retryAfter != "" {
				se.front.header = http.Header{"Retry-After": {tt.retryAfter}}
			}
			id := ID(se.srv.CreateTicket(map[string]any{"summary": "x"}))
			if _, err := se.client.Lookups.Statuses(t.Context()); !errors.Is(err,
				ErrRateLimited) {
				t.Fatalf("first call = %v, want ErrRateLimited", err)
			}

			cfg := se.client.cfg
			cfg.MaxRetryElapsed = tt.bound
			later, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			if tt.cancel {
				cancel()
			}
			defer cancel()
			err = tt.op(ctx, later, id)

			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("later call: %v", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("later call = %v, want %v", err, tt.wantErr)
			case !strings.Contains(fmt.Sprint(err), tt.wantMsg):
				t.Errorf("later call = %v, want it to say %q", err, tt.wantMsg)
			}
			if diff := cmp.Diff(tt.wantSleeps, se.clock.Sleeps()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			wantHits := 1 // the 429
			if tt.wantErr == nil {
				wantHits = 2
			}
			if n := se.front.hits(); n != wantHits {
				t.Errorf("API hits = %d, want %d", n, wantHits)
			}
		})
	}
}
