package emulator_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

func TestTicketPagingClampsPageSize(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{})
	for i := range 250 {
		mustCreate(t, s, map[string]any{"summary": fmt.Sprintf("ticket %d", i)})
	}
	c := newClient(t, s).login("all")
	tests := []struct {
		query         string
		wantRows      int
		wantPageSize  int
		wantFirstID   int
		wantNoEnvPage bool
	}{
		{"pageinate=true&page_no=1&page_size=500&order=id", 100, 100, 1001, false},
		{"pageinate=true&page_no=3&page_size=100&order=id", 50, 100, 1201, false},
		{"pageinate=true&page_no=4&page_size=100&order=id", 0, 100, 0, false},
		{"pageinate=true&page_size=10&order=id", 10, 10, 1001, false},
		{"pageinate=true&page_no=0&page_size=10&order=id", 10, 10, 1001, false},
		{"order=id", 250, 0, 1001, true},
	}
	for _, tt := range tests {
		env := obj(t, c.call("GET", "/Tickets?"+tt.query, "", 200))
		got := ids(t, env)
		if len(got) != tt.wantRows {
			t.Errorf("%s: %d rows, want %d", tt.query, len(got), tt.wantRows)
		}
		if n := num(t, env["record_count"]); n != 250 {
			t.Errorf("%s: record_count %d, want 250", tt.query, n)
		}
		if tt.wantNoEnvPage {
			if _, ok := env["page_size"]; ok {
				t.Errorf("%s: page_size present without paging", tt.query)
			}
		} else if n := num(t, env["page_size"]); n != tt.wantPageSize {
			t.Errorf("%s: page_size %d, want %d", tt.query, n, tt.wantPageSize)
		}
		if len(got) > 0 && got[0] != tt.wantFirstID {
			t.Errorf("%s: first id %d, want %d", tt.query, got[0], tt.wantFirstID)
		}
	}
	if resp, _ := c.do("GET", "/Tickets?pageinate=yes", ""); resp.StatusCode != 400 {
		t.Errorf("pageinate=yes: status %d, want 400", resp.StatusCode)
	}
}

func TestTicketCountCapsAtNewest1000(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{})
	for range 1200 {
		mustCreate(t, s, map[string]any{"summary": "bulk"})
	}
	c := newClient(t, s).login("all")

	env := obj(t, c.call("GET", "/Tickets?count=5000", "", 200))
	got := ids(t, env)
	if len(got) != 1000 || num(t, env["record_count"]) != 1000 {
		t.Fatalf("got %d rows, record_count %v; want 1000 and 1000", len(got), env["record_count"])
	}
	if got[0] != 2200 || slices.Contains(got, 1001) {
		t.Errorf("first id %d; want the newest (2200) first and the oldest left out", got[0])
	}
	env = obj(t, c.call("GET", "/Tickets?count=3", "", 200))
	if diff := cmp.Diff([]int{2200, 2199, 2198}, ids(t, env)); diff != "" {
		t.Errorf("count=3 (-want +got):\n%s", diff)
	}
}

func TestTicketFilters(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := emulator.NewTestServer(t, emulator.Config{Now: clock.Now})
	day := 24 * time.Hour
	a := mustCreate(t, s, map[string]any{"summary": "Phishing report", "details": "odd mail",
		"priority_id": 1, "team": "Security", "agent_id": 5, "client_id": 12, "site_id": 18,
		"user_id": 10, "tickettype_id": 21})
	clock.Advance(day)
	b := mustCreate(t, s, map[string]any{"summary": "Printer jam", "details": "PHISHING poster",
		"priority_id": 4, "team_id": 1, "agent_id": 4, "client_id": 13, "site_id": 20,
		"user_id": 12, "status_id": 2})
	clock.Advance(day)
	c := mustCreate(t, s, map[string]any{"summary": "VPN down", "priority_id": 2, "team": "Network"})
	clock.Advance(day)
	if err := s.UpdateTicket(a, map[string]any{"status_id": 9}); err != nil {
		t.Fatal(err)
	}
	cl := newClient(t, s).login("all")

	tests := []struct {
		query string
		want  []int
	}{
		{"", []int{c, b, a}},
		{"order=id&orderdesc=false", []int{a, b, c}},
		{"status_id=2", []int{b}},
		{"status=1,2", []int{c, b}},
		{"requesttype_id=21", []int{a}},
		{"agent_id=5", []int{a}},
		{"client_id=12", []int{a}},
		{"site_id=20", []int{b}},
		{"user_id=12", []int{b}},
		{"priority=1,2", []int{c, a}},
		{"team=4,3", []int{c, a}},
		{"open_only=true", []int{c, b}},
		{"closed_only=true", []int{a}},
		{"search=phishing", []int{b, a}},
		{"search_summary=phishing", []int{a}},
		{"ticketids=" + itoa(a) + "," + itoa(c), []int{c, a}},
		{"datesearch=dateoccurred&startdate=2025-01-11T00:00:00&enddate=2025-01-12T23:59:59",
			[]int{c, b}},
		{"datesearch=dateoccured&startdate=2025-01-10&enddate=2025-01-10T23:00:00", []int{a}},
		{"datesearch=lastupdate&startdate=2025-01-13", []int{a}},
		{"datesearch=last_update&enddate=2025-01-12T09:30:00Z", []int{c, b}},
		{"lastupdatefromdate=2025-01-12T00:00:00", []int{c, a}},
		{"lastupdatetodate=2025-01-11T12:00:00", []int{b}},
		{"order=last_update&orderdesc=true", []int{a, c, b}},
		{"order=dateoccurred", []int{a, b, c}},
		{"deleted=true", []int{}},
	}
	for _, tt := range tests {
		got := ids(t, cl.call("GET", "/Tickets?"+tt.query, "", 200))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.query, diff)
		}
	}
	for _, bad := range []string{"status_id=new", "priority=high", "order=nonsense",
		"datesearch=whenever&startdate=2025-01-01", "startdate=yesterday"} {
		if resp, b := cl.do("GET", "/Tickets?"+bad, ""); resp.StatusCode != 400 {
			t.Errorf("%q: status %d, want 400: %s", bad, resp.StatusCode, b)
		}
	}
}

func TestTicketGet(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := emulator.NewTestServer(t, emulator.Config{Now: clock.Now})
	id := mustCreate(t, s, map[string]any{"summary": "Disk full", "priority_id": 2,
		"team": "2nd Line", "agent_id": 7, "client_id": 12, "site_id": 19, "user_id": 11})
	c := newClient(t, s).login("all")

	got := obj(t, c.call("GET", "/Tickets/"+itoa(id), "", 200))
	want := map[string]any{
		"id": id, "summary": "Disk full", "status_id": 1, "status_name": "New",
		"tickettype_id": 1, "tickettype_name": "Incident", "priority_id": 2,
		"priority_name": "High", "team": "2nd Line", "team_id": 7 - 5, "agent_id": 7,
		"agent_name": "Dave Brown", "client_id": 12, "client_name": "Contoso Ltd",
		"site_id": 19, "site_name": "New York", "user_id": 11, "user_name": "Alan Turing",
		"dateoccurred": "2025-01-10T09:30:00", "datecreated": "2025-01-10T09:30:00",
		"last_update": "2025-01-10T09:30:00", "dateclosed": "1900-01-01T00:00:00",
		"lastactiondate": "1900-01-01T00:00:00", "hasbeenclosed": false,
	}
	for k, v := range want {
		g := got[k]
		if _, isInt := v.(int); isInt {
			g = num(t, g)
		}
		if diff := cmp.Diff(v, g); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
	if resp, _ := c.do("GET", "/Tickets/999999", ""); resp.StatusCode != 404 {
		t.Errorf("unknown id: status %d, want 404", resp.StatusCode)
	}
	// priority_name is only reliable on the single GET.
	row := obj(t, arr(t, obj(t, c.call("GET", "/Tickets", "", 200))["tickets"])[0])
	if _, ok := row["priority_name"]; ok {
		t.Errorf("list row carries priority_name")
	}
}

func TestTicketPost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		wantCode int
		wantText string // substring of a 400/404 body
		wantN    int    // tickets stored afterwards (one exists beforehand)
	}{
		{"one element gives one object", `[{"summary":"a"}]`, 201, "", 2},
		{"two elements give an array", `[{"summary":"a"},{"summary":"b"}]`, 201, "", 3},
		{"bare object refused", `{"summary":"a"}`, 400, "JSON array", 1},
		{"empty array refused", `[]`, 400, "empty", 1},
		{"not JSON", `summary=a`, 400, "not valid JSON", 1},
		{"unknown id", `[{"id":99999,"summary":"a"}]`, 404, "99999", 1},
		{"unknown custom field", `[{"summary":"a","customfields":[{"name":"CFNope","value":1}]}]`,
			400, "unknown custom field", 1},
		{"bad lookup value", `[{"summary":"a","customfields":[{"name":"CFUrgency","value":"High"}]}]`,
			400, "not a valid value id for CFUrgency", 1},
		{"CAB-gated type", `[{"summary":"a","tickettype_id":5}]`, 400,
			"CODE:APP03/2 Please select the CAB members to approve", 1},
		{"unknown team name", `[{"summary":"a","team":"Nobody"}]`, 400, `no team is named "Nobody"`, 1},
		{"team and team_id disagree", `[{"summary":"a","team":"Security","team_id":1}]`, 400,
			"disagree", 1},
		{"unknown status", `[{"summary":"a","status_id":4}]`, 400, "[0].status_id", 1},
		{"disabled agent", `[{"summary":"a","agent_id":8}]`, 400, "disabled", 1},
		{"all or nothing", `[{"summary":"ok"},{"summary":"bad","priority_id":77}]`, 400,
			"[1].priority_id", 1},
		{"site of another client", `[{"summary":"a","client_id":13,"site_id":18}]`, 400,
			"does not belong", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := emulator.NewTestServer(t, emulator.Config{})
			mustCreate(t, s, map[string]any{"summary": "existing"})
			c := newClient(t, s).login("all")
			resp, body := c.do("POST", "/Tickets", tt.body)
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantCode, body)
			}
			if tt.wantText != "" && !strings.Contains(string(body), tt.wantText) {
				t.Errorf("body %q does not contain %q", body, tt.wantText)
			}
			if n := len(s.Tickets()); n != tt.wantN {
				t.Errorf("%d tickets stored, want %d", n, tt.wantN)
			}
			if tt.wantCode == 201 {
				isArray := strings.HasPrefix(string(body), "[")
				if isArray != (tt.wantN > 2) {
					t.Errorf("answer %.40q: array=%v for %d elements", body, isArray, tt.wantN-1)
				}
			}
		})
	}
}

func TestTicketUpdateIsPartialAndKeepsUnknownFields(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := emulator.NewTestServer(t, emulator.Config{Now: clock.Now})
	c := newClient(t, s).login("all")

	created := obj(t, c.call("POST", "/Tickets", `[{"summary":"Malware","details":"found",
		"team":"Security","rapid7_ticketrrn":"rrn:abc","impact":2,
		"customfields":[{"id":140,"value":3},{"name":"CFExternalReference","value":"INV-1"}],
		"Some_Custom_Prop":{"nested":[1,2]}}]`, 201))
	id := num(t, created["id"])
	clock.Advance(time.Minute)

	c.call("POST", "/Tickets", fmt.Sprintf(`[{"id":%d,"agent_id":"5","team_id":3,
		"customfields":[{"name":"CFImpact","value":1}]}]`, id), 201)
	got := obj(t, c.call("GET", "/Tickets/"+itoa(id), "", 200))

	checks := map[string]any{
		"summary": "Malware", "details": "found", "agent_id": "5", "team": "Network",
		"team_id": "3", "rapid7_ticketrrn": "rrn:abc", "impact": "2",
		"last_update": "2025-01-10T09:31:00", "dateoccurred": "2025-01-10T09:30:00",
	}
	for k, want := range checks {
		if g := fmt.Sprint(got[k]); g != want {
			t.Errorf("%s = %q, want %q", k, g, want)
		}
	}
	if g := fmt.Sprint(got["some_custom_prop"]); g != "map[nested:[1 2]]" {
		t.Errorf("some_custom_prop = %s", g)
	}
	var cfs []string
	for _, cf := range arr(t, got["customfields"]) {
		m := obj(t, cf)
		cfs = append(cfs, fmt.Sprintf("%v %v %v %v %v", m["id"], m["name"], m["label"],
			m["value"], m["display"]))
	}
	want := []string{"140 CFImpact Impact 1 Company Wide",
		"142 CFExternalReference External Reference INV-1 INV-1"}
	if diff := cmp.Diff(want, cfs); diff != "" {
		t.Errorf("customfields (-want +got):\n%s", diff)
	}
}

func TestTicketClosureFields(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := emulator.NewTestServer(t, emulator.Config{Now: clock.Now, TokenTTL: 24 * time.Hour})
	c := newClient(t, s).login("all")
	id := mustCreate(t, s, map[string]any{"summary": "close me"})

	state := func() (bool, string) {
		got := obj(t, c.call("GET", "/Tickets/"+itoa(id), "", 200))
		return got["hasbeenclosed"] == true, got["dateclosed"].(string)
	}
	clock.Advance(time.Hour)
	c.call("POST", "/Tickets", fmt.Sprintf(`[{"id":%d,"status_id":9}]`, id), 201)
	if closed, at := state(); !closed || at != "2025-01-10T10:30:00" {
		t.Errorf("after close: hasbeenclosed=%v dateclosed=%s", closed, at)
	}
	clock.Advance(time.Hour)
	c.call("POST", "/Tickets", fmt.Sprintf(`[{"id":%d,"status_id":24}]`, id), 201)
	if closed, at := state(); !closed || at != "2025-01-10T10:30:00" {
		t.Errorf("closed to closed: hasbeenclosed=%v dateclosed=%s, want the first closure", closed, at)
	}
	c.call("POST", "/Tickets", fmt.Sprintf(`[{"id":%d,"status_id":2}]`, id), 201)
	if closed, at := state(); closed || at != "1900-01-01T00:00:00" {
		t.Errorf("after reopen: hasbeenclosed=%v dateclosed=%s", closed, at)
	}
}

func TestTicketDeleteAndRecover(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{})
	c := newClient(t, s).login("all")
	id := mustCreate(t, s, map[string]any{"summary": "delete me"})

	got := obj(t, c.call("DELETE", "/Tickets/"+itoa(id), "", 200))
	if num(t, got["id"]) != id {
		t.Errorf("delete answered %v", got)
	}
	if resp, _ := c.do("GET", "/Tickets/"+itoa(id), ""); resp.StatusCode != 404 {
		t.Errorf("GET deleted: status %d, want 404", resp.StatusCode)
	}
	if got := ids(t, c.call("GET", "/Tickets", "", 200)); len(got) != 0 {
		t.Errorf("list shows deleted tickets: %v", got)
	}
	if diff := cmp.Diff([]int{id}, ids(t, c.call("GET", "/Tickets?deleted=true", "", 200))); diff != "" {
		t.Errorf("deleted=true (-want +got):\n%s", diff)
	}
	if resp, _ := c.do("POST", "/Tickets", fmt.Sprintf(`[{"id":%d,"summary":"x"}]`, id)); resp.StatusCode != 404 {
		t.Errorf("update deleted: status %d, want 404", resp.StatusCode)
	}
	c.call("POST", "/Tickets", fmt.Sprintf(`[{"id":%d,"_recover":true,"_validate_updates":true}]`, id), 201)
	c.call("GET", "/Tickets/"+itoa(id), "", 200)
	if resp, _ := c.do("DELETE", "/Tickets/424242", ""); resp.StatusCode != 404 {
		t.Errorf("delete unknown: status %d, want 404", resp.StatusCode)
	}
}

func TestLooseIDs(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{LooseIDs: true})
	for range 3 {
		mustCreate(t, s, map[string]any{"summary": "loose"})
	}
	c := newClient(t, s).login("all")
	resp, body := c.do("GET", "/Tickets?order=id", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatal(resp.Status)
	}
	for _, frag := range []string{`"id":1001.0`, `"id":1002,`, `"id":"1003"`} {
		if !strings.Contains(string(body), frag) {
			t.Errorf("list does not contain %s", frag)
		}
	}
}

func TestUnparsableQueryValueGetsHalosText(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{})
	c := newClient(t, s).login("all")
	tests := []struct {
		query string
		want  string
	}{
		{"pageinate=yes", "The value 'yes' is not valid for pageinate."},
		{"pageinate=true&page_no=x", "The value 'x' is not valid for page_no."},
		{"pageinate=true&page_size=1.5", "The value '1.5' is not valid for page_size."},
	}
	for _, tt := range tests {
		resp, body := c.do("GET", "/Tickets?"+tt.query, "")
		if resp.StatusCode != http.StatusBadRequest || string(body) != tt.want {
			t.Errorf("%s: %d %q, want 400 %q", tt.query, resp.StatusCode, body, tt.want)
		}
	}
}
