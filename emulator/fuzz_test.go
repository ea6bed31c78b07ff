package emulator_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

// FuzzPostBody POSTs arbitrary bodies to /api/Tickets and /api/Actions
// through the emulator's handler, in process. Each input gets a fresh
// emulator holding one ticket. The emulator must never answer 5xx (no
// faults are configured), must answer 400 for anything that is not a
// non-empty JSON array of objects, must leave the store unchanged when it
// refuses a write, and must answer a write it accepts with one JSON
// object per element (a bare object for one element).
func FuzzPostBody(f *testing.F) {
	tickets := []string{
		`[{"summary": "Phishing report", "details": "Reported by the SOC", "tickettype_id": 1,
		   "priority_id": 3, "team": "Service Desk", "agent_id": 5, "client_id": 12,
		   "site_id": 18, "user_id": 10, "status_id": 1}]`,
		`[{"summary": "a", "tickettype_id": "21", "priority_id": 2.0,
		   "customfields": [{"name": "CFImpact", "value": "2"}, {"id": 142, "value": "REF-1"}]}]`,
		`[{"id": 1001, "status_id": 9}]`,
		`[{"id": "1001", "agent_id": 0, "team_id": 0, "dateoccurred": "1900-01-01T00:00:00"}]`,
		`[{"summary": "ok"}, {"summary": "bad", "priority_id": 77}]`,
		`[{"summary": "a", "team": "Security", "team_id": 1}]`,
		`[{"summary": "a", "tickettype_id": 5}]`,
		`[{"id": 99999, "summary": "a"}]`,
		`[{"id": 1001, "_recover": "true", "SUMMARY": 7}]`,
		`{"summary": "a"}`, `[]`, `[1]`, `[null]`, `summary=a`, ``, `null`,
		`[{"summary": "a", "customfields": {"name": "CFImpact"}}]`,
		`[{"id": 1e300}]`, `[{"id": -1}]`, `[{"status_id": 2147483648}]`,
	}
	actions := []string{
		`[{"ticket_id": 1001, "outcome_id": 7, "note": "Checked the mailbox", "hiddenfromuser": true}]`,
		`[{"ticket_id": "1001", "outcome": "Close", "new_status": 9, "note_html": "<p>done</p>"}]`,
		`[{"ticket_id": 1001.0, "outcome_id": 12, "new_agent": 4, "new_team": "Network"}]`,
		`[{"ticket_id": 1001, "id": 5, "outcome_id": 7, "note": "edit"}]`,
		`[{"ticket_id": 2}]`, `[{"note": "no ticket"}]`,
	}
	for _, s := range tickets {
		f.Add([]byte(s), false)
	}
	for _, s := range actions {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, toActions bool) {
		checkPost(t, body, toActions)
	})
}

// TestPostBodyRegressions replays bodies the fuzzer found mishandled.
func TestPostBodyRegressions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		toActions bool
	}{
		// json.Decoder reads the first value and ignores the rest, so
		// the emulator created a ticket from this body; Halo's JSON
		// reader refuses text after the value.
		{"trailing data after the array", "[{}]00", false},
		{"trailing data after an action", `[{"ticket_id": 1001, "outcome_id": 7, "note": "n"}] x`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkPost(t, []byte(tt.body), tt.toActions)
		})
	}
}

// checkPost POSTs body to a fresh emulator holding one ticket and checks
// the answer (see FuzzPostBody).
func checkPost(t *testing.T, body []byte, toActions bool) {
	t.Helper()
	clock := func() time.Time { return time.Date(2025, 1, 10, 9, 30, 0, 0, time.UTC) }
	s := emulator.New(emulator.Config{Now: clock})
	defer s.Close()
	if _, err := s.CreateTicketErr(map[string]any{"summary": "existing"}); err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	token := fuzzToken(t, h)

	path := "/api/Tickets"
	if toActions {
		path = "/api/Actions"
	}
	before := s.Tickets()
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, path,
		bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	code, answer := rec.Code, rec.Body.Bytes()
	if code >= 500 {
		t.Fatalf("%s answered %d: %s", path, code, answer)
	}
	n, isBatch := arrayOfObjects(body)
	if !isBatch && code != http.StatusBadRequest {
		t.Fatalf("%s answered %d to %q, which is not a JSON array of objects: %s",
			path, code, body, answer)
	}
	if code >= 400 {
		if len(bytes.TrimSpace(answer)) == 0 {
			t.Errorf("%d without a reason", code)
		}
		if diff := cmp.Diff(before, s.Tickets()); diff != "" {
			t.Fatalf("refused write (%d) changed the store (-before +after):\n%s", code, diff)
		}
		return
	}
	if code != http.StatusCreated {
		t.Fatalf("%s answered %d: %s", path, code, answer)
	}
	if got := countObjects(t, answer); got != n {
		t.Fatalf("%d elements answered with %d objects: %s", n, got, answer)
	}
}

// fuzzToken gets a token with every scope from the handler.
func fuzzToken(t *testing.T, h http.Handler) string {
	t.Helper()
	form := url.Values{
		"grant_type": {"client_credentials"}, "client_id": {emulator.DefaultClientID},
		"client_secret": {emulator.DefaultClientSecret}, "scope": {"all"},
	}
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/auth/token",
		strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %d %s", rec.Code, rec.Body.Bytes())
	}
	return tok.AccessToken
}

// arrayOfObjects reports whether body is a non-empty JSON array of
// objects, and its length.
func arrayOfObjects(body []byte) (int, bool) {
	var arr []json.RawMessage
	if json.Unmarshal(body, &arr) != nil || len(arr) == 0 {
		return 0, false
	}
	for _, e := range arr {
		var m map[string]json.RawMessage
		if json.Unmarshal(e, &m) != nil || m == nil {
			return 0, false
		}
	}
	return len(arr), true
}

// countObjects counts the records in a write's answer: one for an object,
// the length for an array of objects.
func countObjects(t *testing.T, answer []byte) int {
	t.Helper()
	// Raw values: the emulator echoes unknown fields as sent, and a
	// number such as 214E483648 is valid JSON that no float64 holds.
	var one map[string]json.RawMessage
	if json.Unmarshal(answer, &one) == nil && one != nil {
		return 1
	}
	var many []map[string]json.RawMessage
	if err := json.Unmarshal(answer, &many); err != nil {
		t.Fatalf("answer is neither an object nor an array of objects: %v\n%s", err, answer)
	}
	return len(many)
}
