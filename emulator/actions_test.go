package emulator_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

func TestActionPostValidation(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{})
	id := mustCreate(t, s, map[string]any{"summary": "notes"})
	c := newClient(t, s).login("all")
	tests := []struct {
		name     string
		body     string
		wantCode int
		wantBody string // exact when wantExact
		exact    bool
	}{
		{"no outcome", fmt.Sprintf(`[{"ticket_id":%d,"note":"x"}]`, id), 400,
			"An Outcome must be entered for this Action", true},
		{"blank outcome", fmt.Sprintf(`[{"ticket_id":%d,"outcome":" ","note":"x"}]`, id), 400,
			"An Outcome must be entered for this Action", true},
		{"no ticket_id", `[{"outcome_id":7,"note":"x"}]`, 400, "ticket_id is required", false},
		{"unknown ticket", `[{"ticket_id":5,"outcome_id":7}]`, 404, "ticket 5 not found", false},
		{"unknown outcome_id", fmt.Sprintf(`[{"ticket_id":%d,"outcome_id":99}]`, id), 400,
			"outcome 99 does not exist", false},
		{"unknown new_status", fmt.Sprintf(`[{"ticket_id":%d,"outcome_id":7,"new_status":4}]`, id),
			400, "status 4 does not exist", false},
		{"bare object", fmt.Sprintf(`{"ticket_id":%d,"outcome_id":7}`, id), 400, "JSON array", false},
	}
	for _, tt := range tests {
		resp, body := c.do("POST", "/Actions", tt.body)
		if resp.StatusCode != tt.wantCode {
			t.Errorf("%s: status %d, want %d: %s", tt.name, resp.StatusCode, tt.wantCode, body)
			continue
		}
		if tt.exact && string(body) != tt.wantBody || !strings.Contains(string(body), tt.wantBody) {
			t.Errorf("%s: body %q, want %q", tt.name, body, tt.wantBody)
		}
	}
	if n := len(s.Actions(id)); n != 0 {
		t.Errorf("%d actions stored after failed posts", n)
	}
}

func TestActionNoteAndStatusChange(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{ClientID: "app-guid", ClientSecret: "sec"})
	id := mustCreate(t, s, map[string]any{"summary": "status moves"})
	c := newClient(t, s)
	code, body := c.tokenRequest(map[string][]string{"grant_type": {"client_credentials"},
		"client_id": {"app-guid"}, "client_secret": {"sec"}, "scope": {"all"}}, "")
	if code != 200 {
		t.Fatalf("token: %d %s", code, body)
	}
	c.token = strings.Split(strings.Split(string(body), `"access_token":"`)[1], `"`)[0]

	note := obj(t, c.call("POST", "/Actions", fmt.Sprintf(`[{"ticket_id":%d,"outcome_id":7,
		"hiddenfromuser":true,"note_html":"<p>Linked to INV-123</p>"}]`, id), 201))
	want := map[string]any{"id": "1", "ticket_id": fmt.Sprint(id), "note": "Linked to INV-123",
		"outcome": "Internal Note", "hiddenfromuser": "true", "actionby_application_id": "app-guid"}
	for k, v := range want {
		if g := fmt.Sprint(note[k]); g != v {
			t.Errorf("note %s = %q, want %q", k, g, v)
		}
	}

	closing := obj(t, c.call("POST", "/Actions", fmt.Sprintf(`[{"ticket_id":%d,"outcome":"Resolution",
		"note":"Fixed by reboot","new_status":9,"new_agent":5,"new_team":"Security","new_priority":1}]`,
		id), 201))
	for k, v := range map[string]string{"id": "2", "old_status": "1", "new_status": "9",
		"new_status_name": "Closed", "note": "Fixed by reboot"} {
		if g := fmt.Sprint(closing[k]); g != v {
			t.Errorf("closing action %s = %q, want %q", k, g, v)
		}
	}
	tk := obj(t, c.call("GET", fmt.Sprintf("/Tickets/%d", id), "", 200))
	for k, v := range map[string]string{"status_id": "9", "hasbeenclosed": "true", "agent_id": "5",
		"team": "Security", "priority_id": "1", "closure_note": "Fixed by reboot"} {
		if g := fmt.Sprint(tk[k]); g != v {
			t.Errorf("ticket %s = %q, want %q", k, g, v)
		}
	}

	env := obj(t, c.call("GET", fmt.Sprintf("/Actions?ticket_id=%d", id), "", 200))
	if num(t, env["ticket_id"]) != id || num(t, env["record_count"]) != 2 || len(arr(t, env["actions"])) != 2 {
		t.Errorf("Actions_View = %v", env)
	}
	env = obj(t, c.call("GET", fmt.Sprintf("/Actions?ticket_id=%d&excludeprivate=true", id), "", 200))
	if num(t, env["record_count"]) != 1 {
		t.Errorf("excludeprivate: record_count %v, want 1", env["record_count"])
	}
	one := obj(t, c.call("GET", fmt.Sprintf("/Actions/2?ticket_id=%d", id), "", 200))
	if one["new_status_name"] != "Closed" {
		t.Errorf("GET action 2 = %v", one)
	}
	for path, code := range map[string]int{
		"/Actions/2": 400,
		fmt.Sprintf("/Actions/9?ticket_id=%d", id): 404,
		"/Actions?ticket_id=31337":                 404,
	} {
		if resp, _ := c.do("GET", path, ""); resp.StatusCode != code {
			t.Errorf("GET %s: status %d, want %d", path, resp.StatusCode, code)
		}
	}
}

func TestOutcomeWithNewStatusMovesTicket(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{})
	id := mustCreate(t, s, map[string]any{"summary": "hold"})
	c := newClient(t, s).login("all")
	got := obj(t, c.call("POST", "/Actions", fmt.Sprintf(`[{"ticket_id":%d,"outcome":"Put On Hold"}]`, id), 201))
	if fmt.Sprint(got["new_status"]) != "28" {
		t.Errorf("new_status = %v, want 28", got["new_status"])
	}
	tk := s.Tickets()[0]
	if fmt.Sprint(tk["status_id"], tk["onhold"]) != "28 true" {
		t.Errorf("ticket status %v onhold %v", tk["status_id"], tk["onhold"])
	}
}

func TestChangeStatusRecordsAnAction(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{})
	id := mustCreate(t, s, map[string]any{"summary": "ui"})
	if err := s.ChangeStatus(id, 2, "picked up"); err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeStatus(id, 4, ""); err == nil {
		t.Error("ChangeStatus to a missing status succeeded")
	}
	acts := s.Actions(id)
	if len(acts) != 1 {
		t.Fatalf("%d actions, want 1", len(acts))
	}
	got := []any{acts[0]["old_status"], acts[0]["new_status"], acts[0]["new_status_name"], acts[0]["note"]}
	if diff := cmp.Diff([]any{1, 2, "In Progress", "picked up"}, got); diff != "" {
		t.Errorf("action (-want +got):\n%s", diff)
	}
}
