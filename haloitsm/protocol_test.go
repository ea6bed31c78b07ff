package haloitsm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/emulator"
	"github.com/haloconnect/icon-haloitsm/icon/runtime"
)

// testSecret is the emulator's client secret; no output may contain it.
const testSecret = "s3cr3t-must-never-leak"

// result is a decoded result envelope.
type result struct {
	Type string `json:"type"`
	Body struct {
		Status    string         `json:"status"`
		Output    map[string]any `json:"output"`
		Error     string         `json:"error"`
		Log       string         `json:"log"`
		Exception struct {
			Cause      string `json:"cause"`
			Assistance string `json:"assistance"`
			Data       string `json:"data"`
		} `json:"exception"`
	} `json:"body"`
}

type harness struct {
	t    *testing.T
	srv  *emulator.Server
	conn map[string]any
}

func newHarness(t *testing.T, cfg emulator.Config) *harness {
	t.Helper()
	cfg.ClientID = "icon-test"
	cfg.ClientSecret = testSecret
	srv := emulator.NewTestServer(t, cfg)
	return &harness{t: t, srv: srv, conn: map[string]any{
		"client_id":            "icon-test",
		"client_secret":        map[string]any{"secretKey": testSecret},
		"authorization_server": srv.AuthURL(),
		"resource_server":      srv.APIURL(),
		"tenant":               cfg.Tenant,
	}}
}

// run sends one start message through runtime.Run, as the platform
// would, and decodes the envelope. It fails the test if the secret
// appears anywhere in stdout or stderr.
func (h *harness) run(msgType, action string, input map[string]any) result {
	h.t.Helper()
	if input == nil {
		input = map[string]any{}
	}
	msg, err := json.Marshal(map[string]any{"version": "v1", "type": msgType,
		"body": map[string]any{"action": action, "meta": map[string]any{"jobId": "j1"},
			"connection": h.conn, "input": input}})
	if err != nil {
		h.t.Fatal(err)
	}
	cmd := "run"
	if msgType == "connection_test" {
		cmd = "test"
	}
	var stdout, stderr bytes.Buffer
	p := newPlugin(Options{MaxRetryElapsed: 1500 * time.Millisecond})
	runtime.Run(h.t.Context(), p, []string{cmd}, bytes.NewReader(msg), &stdout, &stderr)
	if strings.Contains(stdout.String()+stderr.String(), testSecret) {
		h.t.Fatalf("%s: the client secret appears in the plugin's output", action)
	}
	var res result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		h.t.Fatalf("%s: no envelope on stdout (%v): %s\nstderr: %s", action, err,
			stdout.String(), stderr.String())
	}
	return res
}

// ok runs an action that must succeed and returns its output.
func (h *harness) ok(action string, input map[string]any) map[string]any {
	h.t.Helper()
	res := h.run("action_start", action, input)
	if res.Body.Status != "ok" {
		h.t.Fatalf("%s(%v) failed: %s", action, input, res.Body.Error)
	}
	return res.Body.Output
}

// fail runs an action that must fail and returns its exception.
func (h *harness) fail(action string, input map[string]any) result {
	h.t.Helper()
	res := h.run("action_start", action, input)
	if res.Body.Status != "error" {
		h.t.Fatalf("%s(%v) succeeded, want an error; output %v", action, input, res.Body.Output)
	}
	return res
}

func ticketOf(out map[string]any) map[string]any {
	t, _ := out["ticket"].(map[string]any)
	return t
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

func TestConnectionTest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Config{Tenant: "acme"})
	res := h.run("connection_test", "get_ticket", nil)
	if res.Body.Status != "ok" {
		t.Fatalf("test failed: %s", res.Body.Error)
	}
	want := map[string]any{"success": true, "agent_name": "API Integration",
		"closed_status": "Closed (9)"}
	if diff := cmp.Diff(want, res.Body.Output); diff != "" {
		t.Errorf("test output (-want +got):\n%s", diff)
	}
}

func TestConnectionTestNamesTheWrongSetting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(h *harness)
		cause  string
		assist string
	}{
		{"bad secret", func(h *harness) {
			h.conn["client_secret"] = map[string]any{"secretKey": "wrong"}
		}, "refused the client ID or client secret", "Check Client ID and Client Secret"},
		{"wrong tenant", func(h *harness) { h.conn["tenant"] = "other" },
			"authorization server failed (500)", "Check Tenant"},
		{"narrow scope", func(h *harness) { h.conn["scope"] = "read:tickets" },
			"HaloITSM refused reading statuses (GET /api/Status) (403 Forbidden)",
			"permission for statuses"},
		{"unreachable host", func(h *harness) {
			h.conn["authorization_server"] = "http://127.0.0.1:1/auth"
		}, "could not be reached", "Check Authorization Server"},
		{"resource server without /api", func(h *harness) {
			h.conn["resource_server"] = strings.TrimSuffix(h.srv.APIURL(), "/api")
		}, "resource_server is not usable: must end in /api", "Correct resource_server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, emulator.Config{Tenant: "acme"})
			tt.change(h)
			res := h.run("connection_test", "get_ticket", nil)
			if res.Body.Status != "error" {
				t.Fatalf("test passed, want a failure")
			}
			ex := res.Body.Exception
			if !strings.Contains(ex.Cause, tt.cause) || !strings.Contains(ex.Assistance, tt.assist) {
				t.Errorf("exception = %q / %q\nwant cause with %q and assistance with %q",
					ex.Cause, ex.Assistance, tt.cause, tt.assist)
			}
		})
	}
}

func TestTicketLifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Config{})

	created := ticketOf(h.ok("create_ticket", map[string]any{
		"summary": "Phishing report", "details": "Suspicious attachment",
		"priority_name": "HIGH", "team_name": "security", "tickettype_name": "Incident",
		"customfields": []any{map[string]any{"name": "CFImpact", "value": 2}},
	}))
	id := num(created["id"])
	if id == 0 {
		t.Fatalf("create_ticket returned no id: %v", created)
	}
	wantCreated := map[string]any{"summary": "Phishing report", "status_name": "New",
		"priority_name": "High", "team_name": "Security", "tickettype_name": "Incident",
		"hasbeenclosed": false, "url": strings.TrimSuffix(h.srv.APIURL(), "/api") +
			fmt.Sprintf("/ticket?id=%d", id)}
	for k, v := range wantCreated {
		if created[k] != v {
			t.Errorf("created ticket %s = %v, want %v", k, created[k], v)
		}
	}

	got := h.ok("get_ticket", map[string]any{"ticket_id": id})
	if got["found"] != true || ticketOf(got)["details"] != "Suspicious attachment" {
		t.Errorf("get_ticket = %v", got)
	}

	upd := ticketOf(h.ok("update_ticket", map[string]any{"ticket_id": id,
		"status_name": "in progress", "summary": "Phishing report (confirmed)"}))
	if upd["status_name"] != "In Progress" || upd["summary"] != "Phishing report (confirmed)" ||
		upd["details"] != "Suspicious attachment" {
		t.Errorf("update_ticket ticket = %v", upd)
	}

	note := h.ok("add_comment", map[string]any{"ticket_id": id, "comment": "Private finding",
		"is_private": true})
	if note["success"] != true || num(note["comment_id"]) == 0 {
		t.Errorf("add_comment = %v", note)
	}
	acts := h.srv.Actions(id)
	last := acts[len(acts)-1]
	if last["hiddenfromuser"] != true || last["note"] != "Private finding" {
		t.Errorf("the note recorded in Halo = %v, want a private action with the note", last)
	}

	asg := ticketOf(h.ok("assign_ticket", map[string]any{"ticket_id": id,
		"agent_name": "API Integration", "team_name": "Service Desk"}))
	if asg["agent_name"] != "API Integration" || asg["team_name"] != "Service Desk" {
		t.Errorf("assign_ticket ticket = %v", asg)
	}

	found := h.ok("search_tickets", map[string]any{"search": "phishing", "state": "open",
		"priority_name": "high"})
	if num(found["count"]) != 1 || num(ticketOf(map[string]any{
		"ticket": found["tickets"].([]any)[0]})["id"]) != id {
		t.Errorf("search_tickets = %v", found)
	}

	closed := h.ok("close_ticket", map[string]any{"ticket_id": id,
		"resolution": "False positive"})
	ct := ticketOf(closed)
	if ct["hasbeenclosed"] != true || ct["status_name"] != "Closed" ||
		ct["details"] != "Suspicious attachment" || num(closed["note_id"]) == 0 {
		t.Errorf("close_ticket = %v", closed)
	}

	notes := h.ok("list_ticket_notes", map[string]any{"ticket_id": id})
	var sawClose bool
	for _, n := range notes["notes"].([]any) {
		n := n.(map[string]any)
		if n["note"] == "False positive" && n["new_status_name"] == "Closed" {
			sawClose = true
		}
	}
	if !sawClose {
		t.Errorf("list_ticket_notes has no closing note: %v", notes)
	}

	re := ticketOf(h.ok("reopen_ticket", map[string]any{"ticket_id": id, "note": "Seen again"}))
	if re["hasbeenclosed"] != false || re["status_name"] != "In Progress" {
		t.Errorf("reopen_ticket ticket = %v", re)
	}

	if out := h.ok("delete_ticket", map[string]any{"ticket_id": id}); out["success"] != true {
		t.Errorf("delete_ticket = %v", out)
	}
	gone := h.ok("get_ticket", map[string]any{"ticket_id": id})
	if gone["found"] != false {
		t.Errorf("get_ticket after delete = %v, want found false", gone)
	}
}

func TestLookupsAndPeople(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Config{})
	for _, tt := range []struct{ action, key, name string }{
		{"list_statuses", "statuses", "Closed"},
		{"list_teams", "teams", "Security"},
		{"list_agents", "agents", "API Integration"},
		{"list_ticket_types", "ticket_types", "Incident"},
		{"list_priorities", "priorities", "High"},
		{"list_custom_fields", "custom_fields", "CFImpact"},
	} {
		out := h.ok(tt.action, nil)
		var names []string
		for _, it := range out[tt.key].([]any) {
			names = append(names, fmt.Sprint(it.(map[string]any)["name"]))
		}
		if !strings.Contains(strings.Join(names, "|"), tt.name) {
			t.Errorf("%s names %v, want %q among them", tt.action, names, tt.name)
		}
	}
	if out := h.ok("list_categories", nil); len(out["categories"].([]any)) == 0 {
		t.Errorf("list_categories returned none")
	}
	agent := h.ok("get_agent", map[string]any{"agent_id": emulator.DefaultLoginAgentID})
	if agent["success"] != true || agent["agent"].(map[string]any)["name"] != "API Integration" {
		t.Errorf("get_agent = %v", agent)
	}
	user := h.ok("get_user", map[string]any{"user_id": -1})
	if user["success"] != true {
		t.Errorf("get_user = %v", user)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    emulator.Config
		setup  func(h *harness)
		action string
		input  map[string]any
		cause  string
		assist string
	}{
		{name: "missing required input", action: "create_ticket",
			input: map[string]any{"details": "no summary"},
			cause: "summary"},
		{name: "unknown name with suggestion", action: "update_ticket",
			input: map[string]any{"ticket_id": 1, "status_name": "Clsoed"},
			cause: `Unknown status "Clsoed"; did you mean "Closed"?`, assist: "status_name"},
		{name: "unknown custom field", action: "create_ticket",
			input: map[string]any{"summary": "x", "details": "y",
				"customfields": []any{map[string]any{"name": "CFImpactt", "value": 1}}},
			cause: `Customfields[0]: unknown custom field "CFImpactt"; did you mean "CFImpact"?`},
		{name: "not found", action: "close_ticket", input: map[string]any{"ticket_id": 4242},
			cause: "Ticket 4242 was not found in HaloITSM.", assist: "Check the ID"},
		{name: "forbidden", setup: func(h *harness) { h.conn["scope"] = "read:tickets" },
			action: "list_teams", cause: "HaloITSM refused access to the team list (403 Forbidden).",
			assist: "permission for teams"},
		{name: "validation from Halo", action: "create_ticket",
			input: map[string]any{"summary": "x", "details": "y", "client_id": 999},
			cause: "HaloITSM rejected the request for the new ticket: [0].client_id: 999 does not exist."},
		{name: "rate limited", setup: func(h *harness) { h.srv.SetRateLimit(1, time.Hour) },
			action: "search_tickets", input: map[string]any{"status_name": "New"},
			cause:  "rate limit was reached",
			assist: "Requests Per Five Minutes"},
		{name: "Halo unavailable", cfg: emulator.Config{Faults: emulator.Faults{ErrorRatio: 1}},
			action: "get_ticket", input: map[string]any{"ticket_id": 1},
			cause: "HaloITSM is unavailable", assist: "Try again later"},
		{name: "bad token", setup: func(h *harness) {
			h.conn["client_secret"] = map[string]any{"secretKey": "nope"}
		}, action: "get_ticket", input: map[string]any{"ticket_id": 1},
			cause: "refused the client ID or client secret", assist: "Check Client ID"},
		{name: "nothing to update", action: "update_ticket", input: map[string]any{"ticket_id": 1},
			cause: "Nothing to update"},
		{name: "assign without target", action: "assign_ticket",
			input: map[string]any{"ticket_id": 1}, cause: "Give at least one of agent_id"},
		{name: "bad search date order", action: "search_tickets",
			input: map[string]any{"created_after": "2025-02-01T00:00:00Z",
				"created_before": "2025-01-01T00:00:00Z"},
			cause: "Created_before must be later than created_after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.cfg)
			if tt.setup != nil {
				tt.setup(h)
			}
			res := h.fail(tt.action, tt.input)
			ex := res.Body.Exception
			if !strings.Contains(ex.Cause+" "+res.Body.Error, tt.cause) ||
				!strings.Contains(ex.Assistance, tt.assist) {
				t.Errorf("exception cause %q assistance %q (error %q)\nwant cause with %q, "+
					"assistance with %q", ex.Cause, ex.Assistance, res.Body.Error, tt.cause, tt.assist)
			}
		})
	}
}

func TestCloseDiscoversOrUsesConfiguredStatus(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Config{})
	id := h.srv.CreateTicket(map[string]any{"summary": "a", "details": "keep me"})
	h.conn["closed_status"] = "cancelled"
	out := ticketOf(h.ok("close_ticket", map[string]any{"ticket_id": id}))
	if out["status_name"] != "Cancelled" || out["details"] != "keep me" {
		t.Errorf("close with closed_status=cancelled: %v", out)
	}
	h.conn["closed_status"] = "Clossed"
	res := h.fail("close_ticket", map[string]any{"ticket_id": id})
	if !strings.Contains(res.Body.Exception.Cause, `closed_status is not usable: unknown status "Clossed"; did you mean "Closed"?`) {
		t.Errorf("cause = %q", res.Body.Exception.Cause)
	}
}

func TestCreateAfterAmbiguousFailureLeavesOneTicket(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Config{Faults: emulator.Faults{CommitThenFail: 1}})
	out := h.ok("create_ticket", map[string]any{"summary": "Only once", "details": "d"})
	var n int
	for _, tk := range h.srv.Tickets() {
		if tk["summary"] == "Only once" {
			n++
		}
	}
	if n != 1 || ticketOf(out)["summary"] != "Only once" {
		t.Errorf("tickets named Only once = %d, want 1; output %v", n, out)
	}

	// A note has no idempotency key: the client finds it among the
	// ticket's notes instead of writing it again.
	id := num(ticketOf(out)["id"])
	h.ok("add_comment", map[string]any{"ticket_id": id, "comment": "only one note"})
	notes := 0
	for _, a := range h.srv.Actions(id) {
		if a["note"] == "only one note" {
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("notes reading %q = %d, want 1", "only one note", notes)
	}
}

func TestIdempotencyKeyReturnsTheFirstTicket(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Config{})
	in := map[string]any{"summary": "Investigation 7", "details": "d",
		"idempotency_key": "idr-7"}
	a := num(ticketOf(h.ok("create_ticket", in))["id"])
	b := num(ticketOf(h.ok("create_ticket", in))["id"])
	if a == 0 || a != b {
		t.Errorf("second create with the same key gave ticket %d, first %d", b, a)
	}
}

// TestSearchByIdempotencyKey recovers the ticket a create's key
// produced, the way a workflow does after an outage: search by the key
// within a date window around the create.
func TestSearchByIdempotencyKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Config{})
	before := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	h.srv.CreateTicket(map[string]any{"summary": "no key", "details": "d"})
	h.ok("create_ticket", map[string]any{"summary": "other", "details": "d",
		"idempotency_key": "idr-41"})
	created := ticketOf(h.ok("create_ticket", map[string]any{"summary": "Investigation 42",
		"details": "d", "idempotency_key": "idr-42"}))
	h.ok("create_ticket", map[string]any{"summary": "generated key", "details": "d"})
	if created["idempotency_key"] != "idr-42" {
		t.Errorf("created ticket's idempotency_key = %v, want idr-42", created["idempotency_key"])
	}
	after := time.Now().UTC().Add(time.Hour).Format(time.RFC3339)

	window := map[string]any{"created_after": before, "created_before": after}
	search := func(key string) []any {
		in := map[string]any{"idempotency_key": key}
		maps.Copy(in, window)
		out := h.ok("search_tickets", in)
		tickets, _ := out["tickets"].([]any)
		if num(out["count"]) != len(tickets) {
			t.Errorf("search %q: count %v, %d tickets", key, out["count"], len(tickets))
		}
		return tickets
	}
	got := search("idr-42")
	if len(got) != 1 {
		t.Fatalf("search by idr-42 found %d tickets, want 1: %v", len(got), got)
	}
	found := got[0].(map[string]any)
	if found["id"] != created["id"] || found["idempotency_key"] != "idr-42" {
		t.Errorf("search by idr-42 found %v, want ticket %v", found, created["id"])
	}
	if got := search("idr-4"); len(got) != 0 {
		t.Errorf("search by the prefix idr-4 found %v, want nothing", got)
	}
	if got := search(""); len(got) != 4 {
		t.Errorf("search without a key found %d tickets, want all 4", len(got))
	}
}

func TestParseWebhookAction(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Config{})
	id := h.srv.CreateTicket(map[string]any{"summary": "hooked", "details": "d"})
	if err := h.srv.ChangeStatus(id, 9, "done"); err != nil {
		t.Fatal(err)
	}
	out := h.ok("parse_webhook", map[string]any{"body": map[string]any{
		"id": "d-1", "event": "ticket status changed", "object_id": id}})
	want := map[string]any{"event": "closed", "delivery_id": "d-1", "new_status_id": 9.0,
		"new_status_name": "Closed", "previous_status_id": 1.0, "previous_status_name": "New"}
	for k, v := range want {
		if out[k] != v {
			t.Errorf("parse_webhook %s = %v, want %v", k, out[k], v)
		}
	}
	if ticketOf(out)["summary"] != "hooked" {
		t.Errorf("parse_webhook ticket = %v", out["ticket"])
	}

	batch := h.ok("parse_webhook", map[string]any{"fetch_ticket": false,
		"raw_body": `[{"event":"New Ticket Logged","object_id":5},{"event":"Ticket Deleted","object_id":6}]`})
	evs := batch["events"].([]any)
	if len(evs) != 2 || evs[0].(map[string]any)["event"] != "created" ||
		evs[1].(map[string]any)["event"] != "deleted" {
		t.Errorf("batched events = %v", evs)
	}
	bad := h.fail("parse_webhook", map[string]any{"raw_body": "not json"})
	if !strings.Contains(bad.Body.Exception.Cause, "not a JSON object") {
		t.Errorf("bad body cause = %q", bad.Body.Exception.Cause)
	}
}

func TestSearchPagesBeyondOneHundred(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Config{})
	for i := range 130 {
		h.srv.CreateTicket(map[string]any{"summary": fmt.Sprintf("bulk %d", i), "details": "d"})
	}
	out := h.ok("search_tickets", map[string]any{"summary_contains": "bulk",
		"max_results": 120, "order_by": "id", "order_descending": false})
	if num(out["count"]) != 120 {
		t.Errorf("count = %v, want 120", out["count"])
	}
	pages := 0
	for _, r := range h.srv.Requests() {
		if r.Method == "GET" && strings.EqualFold(r.Path, "/api/Tickets") {
			pages++
		}
	}
	if pages != 2 {
		t.Errorf("ticket list requests = %d, want 2 pages", pages)
	}
}
