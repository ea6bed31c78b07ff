package emulator_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

func TestRateLimitRollingWindow(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := emulator.NewTestServer(t, emulator.Config{RateLimit: 3, RateWindow: time.Minute,
		Now: clock.Now})
	c := newClient(t, s).login("all")

	for range 3 {
		c.call("GET", "/Status", "", 200)
		clock.Advance(10 * time.Second) // requests at 0s, 10s, 20s
	}
	resp, body := c.do("GET", "/Status", "") // at 30s: refused, and counted
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("4th request: status %d, want 429", resp.StatusCode)
	}
	if got, want := string(body), "Rate Limit Reached - 3 Requests per rolling 1 minute window"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	if resp.Status != "429 Too Many Requests" {
		t.Errorf("status line %q", resp.Status)
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		t.Errorf("Retry-After %q sent without being configured", ra)
	}
	// The token endpoint is not limited.
	c.login("all")

	// At 60.001s the 0s request has left the window, but the refused
	// request at 30s still counts: a client that retries without backing
	// off stays locked out.
	clock.Advance(30*time.Second + time.Millisecond)
	if resp, _ := c.do("GET", "/Status", ""); resp.StatusCode != 429 {
		t.Errorf("window holds 10s, 20s and 30s: status %d, want 429", resp.StatusCode)
	}
	// At 90.002s only the 60.001s request remains.
	clock.Advance(30*time.Second + time.Millisecond)
	c.call("GET", "/Status", "", 200)
	clock.Advance(5 * time.Minute)
	c.call("GET", "/Status", "", 200)

	s.SetRateLimit(1, time.Hour)
	c.call("GET", "/Status", "", 200)
	if resp, _ := c.do("GET", "/Status", ""); resp.StatusCode != 429 {
		t.Errorf("after SetRateLimit(1): status %d, want 429", resp.StatusCode)
	}
}

func TestRateLimitDefaultsAndRetryAfter(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{RateLimit: 1, RetryAfter: 1500 * time.Millisecond})
	c := newClient(t, s).login("all")
	c.call("GET", "/Status", "", 200)
	resp, body := c.do("GET", "/Status", "")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("status %d Retry-After %q, want 429 and 2", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if want := "Rate Limit Reached - 1 Requests per rolling 5 minute window"; string(body) != want {
		t.Errorf("body %q, want %q", body, want)
	}
}

func TestFaultErrorAndDropDoNotProcess(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{})
	c := newClient(t, s).login("all")

	s.SetFaults(emulator.Faults{ErrorRatio: 1, Seed: 7})
	seen := map[int]bool{}
	for range 30 {
		resp, body := c.do("POST", "/Tickets", `[{"summary":"never stored"}]`)
		seen[resp.StatusCode] = true
		if !strings.Contains(string(body), "<html>") {
			t.Errorf("fault body %q is not HTML", body)
		}
	}
	for _, code := range []int{500, 502, 503} {
		if !seen[code] {
			t.Errorf("status %d never injected; saw %v", code, seen)
		}
	}

	s.SetFaults(emulator.Faults{DropRatio: 1})
	if _, _, err := c.try("POST", "/Tickets", `[{"summary":"never stored"}]`); err == nil {
		t.Error("dropped request returned a response")
	}
	if n := len(s.Tickets()); n != 0 {
		t.Errorf("%d tickets stored by requests that were not processed", n)
	}
	// The log entry is written after the connection closed, so it may
	// trail the client's error briefly.
	deadline := time.Now().Add(5 * time.Second)
	for {
		reqs := s.Requests()
		if len(reqs) == 32 {
			if last := reqs[len(reqs)-1]; last.Status != 0 {
				t.Errorf("dropped request logged with status %d, want 0", last.Status)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests logged, want 32", len(reqs))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFaultCommitThenFailAppliesTheWrite(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{Faults: emulator.Faults{CommitThenFail: 1, Seed: 3}})
	c := newClient(t, s).login("all")

	failed := 0
	for range 10 {
		resp, _, err := c.try("POST", "/Tickets", `[{"summary":"ambiguous"}]`)
		if err != nil || resp.StatusCode == http.StatusBadGateway {
			failed++
		}
	}
	if failed != 10 {
		t.Errorf("%d of 10 writes reported failure, want 10", failed)
	}
	if n := len(s.Tickets()); n != 10 {
		t.Errorf("%d tickets stored, want 10: each write was applied", n)
	}
	// Reads and rejected writes pass through untouched.
	c.call("GET", "/Tickets", "", 200)
	if resp, _, err := c.try("POST", "/Tickets", `{"summary":"bare"}`); err != nil || resp.StatusCode != 400 {
		t.Errorf("invalid write: %v %v, want a plain 400", resp, err)
	}
}

// TestLatencyUsesTheClock runs in a synctest bubble: a ten-minute
// injected delay passes instantly on the bubble's fake clock.
func TestLatencyUsesTheClock(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := emulator.New(emulator.Config{Faults: emulator.Faults{Latency: 10 * time.Minute}})
		defer s.Close()
		form := url.Values{"grant_type": {"client_credentials"},
			"client_id": {emulator.DefaultClientID}, "client_secret": {emulator.DefaultClientSecret},
			"scope": {"all"}}
		req := httptest.NewRequestWithContext(t.Context(), "POST", "/auth/token",
			strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		start := time.Now()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if took := time.Since(start); took != 10*time.Minute {
			t.Errorf("answer took %v, want 10m", took)
		}
	})
}
