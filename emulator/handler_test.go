package emulator_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

// handlerToken fetches a token straight from a Server's handler.
func handlerToken(tb testing.TB, s *emulator.Server) string {
	tb.Helper()
	form := url.Values{"grant_type": {"client_credentials"},
		"client_id": {emulator.DefaultClientID}, "client_secret": {emulator.DefaultClientSecret},
		"scope": {"all"}}
	req := httptest.NewRequestWithContext(tb.Context(), "POST", "/auth/token",
		strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		tb.Fatalf("token: %d %s", rec.Code, rec.Body)
	}
	return tok.AccessToken
}

// FuzzPostBodies checks that no body sent to a write endpoint panics the
// emulator or yields a 5xx.
func FuzzPostBodies(f *testing.F) {
	for _, seed := range []string{
		`[{"summary":"a"}]`, `{"summary":"a"}`, `[]`, `[1]`, `null`, `[{"id":"x"}]`,
		`[{"id":1e99}]`, `[{"customfields":[{"id":140,"value":"2"}]}]`,
		`[{"customfields":{"id":1}}]`, `[{"ticket_id":1001,"outcome_id":7,"new_status":"9"}]`,
		`[{"team":5,"team_id":"4"}]`, `[{"_recover":"yes","id":1001}]`,
	} {
		f.Add("/api/Tickets", seed)
		f.Add("/api/Actions", seed)
	}
	s := emulator.New(emulator.Config{})
	f.Cleanup(func() { s.Close() })
	tok := handlerToken(f, s)
	s.CreateTicket(map[string]any{"summary": "target"})
	f.Fuzz(func(t *testing.T, path, body string) {
		if path != "/api/Tickets" && path != "/api/Actions" {
			return
		}
		req := httptest.NewRequestWithContext(t.Context(), "POST", path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Errorf("POST %s %q: status %d: %s", path, body, rec.Code, rec.Body)
		}
	})
}

// BenchmarkListTickets measures one page of a 5000-ticket list.
func BenchmarkListTickets(b *testing.B) {
	s := emulator.New(emulator.Config{})
	defer s.Close()
	for range 5000 {
		s.CreateTicket(map[string]any{"summary": "bench", "details": "row"})
	}
	tok := handlerToken(b, s)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequestWithContext(b.Context(), "GET",
			"/api/Tickets?pageinate=true&page_size=100&page_no=3&open_only=true", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}
