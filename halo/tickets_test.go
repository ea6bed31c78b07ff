package halo

import (
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

func seedTickets(e *env, n int) []ID {
	ids := make([]ID, n)
	for i := range ids {
		ids[i] = ID(e.srv.CreateTicket(map[string]any{"summary": "seed"}))
	}
	return ids
}

func TestTicketListPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		seed      int
		opts      TicketListOptions
		stopAfter int // 0: read all
		wantRows  int
		wantPages int
	}{
		{"three pages until a short one", 250, TicketListOptions{}, 0, 250, 3},
		{"exact multiple stops on record_count", 200, TicketListOptions{}, 0, 200, 2},
		{"page size above 100 is reduced", 150, TicketListOptions{PageSize: 500}, 0, 150, 2},
		{"small pages", 25, TicketListOptions{PageSize: 10}, 0, 25, 3},
		{"early stop fetches one page", 250, TicketListOptions{}, 5, 5, 1},
		{"max bounds the listing", 250, TicketListOptions{Max: 120}, 0, 120, 2},
		{"empty", 0, TicketListOptions{}, 0, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, emulator.Config{LooseIDs: true}, nil)
			seedTickets(e, tt.seed)
			seen := map[ID]bool{}
			for tk, err := range e.client.Tickets.List(t.Context(), tt.opts) {
				if err != nil {
					t.Fatalf("List: %v", err)
				}
				if tk.ID == 0 || seen[tk.ID] {
					t.Fatalf("bad or repeated id %d", tk.ID)
				}
				seen[tk.ID] = true
				if tt.stopAfter > 0 && len(seen) == tt.stopAfter {
					break
				}
			}
			if len(seen) != tt.wantRows {
				t.Errorf("rows = %d, want %d", len(seen), tt.wantRows)
			}
			reqs := e.apiRequests("GET")
			if len(reqs) != tt.wantPages {
				t.Errorf("pages fetched = %d, want %d", len(reqs), tt.wantPages)
			}
			for _, r := range reqs {
				q, _ := url.ParseQuery(r.Query)
				if q.Get("pageinate") != "true" || q.Get("count") != "" {
					t.Errorf("query %q: want pageinate=true and no count", r.Query)
				}
			}
		})
	}
}

func TestTicketListFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Config{}, nil)
	day := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	opts := TicketListOptions{
		StatusIDs: []ID{1, 2}, AgentIDs: []ID{5}, TeamIDs: []ID{3}, PriorityIDs: []ID{4},
		TicketTypeIDs: []ID{1}, TicketIDs: []ID{7, 8}, ClientID: 12, SiteID: 2, UserID: 9,
		OpenOnly: true, Search: "phish", SearchSummary: "report",
		StartDate: day, EndDate: day.Add(24 * time.Hour), LastUpdateFrom: day,
		Order: "id", OrderDesc: true, PageSize: 50,
		Query: url.Values{"includeslaactiondate": {"true"}},
	}
	for _, err := range e.client.Tickets.List(t.Context(), opts) {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
	}
	reqs := e.apiRequests("GET")
	if len(reqs) != 1 {
		t.Fatalf("requests = %d, want 1", len(reqs))
	}
	got, _ := url.ParseQuery(reqs[0].Query)
	want := url.Values{
		"status": {"1,2"}, "agent": {"5"}, "team": {"3"}, "priority": {"4"},
		"requesttype": {"1"}, "ticketids": {"7,8"}, "client_id": {"12"}, "site_id": {"2"},
		"user_id": {"9"}, "open_only": {"true"}, "search": {"phish"},
		"search_summary": {"report"}, "datesearch": {"dateoccurred"},
		"startdate": {"2026-02-01T00:00:00Z"}, "enddate": {"2026-02-02T00:00:00Z"},
		"lastupdatefromdate": {"2026-02-01T00:00:00Z"}, "order": {"id"}, "orderdesc": {"true"},
		"pageinate": {"true"}, "page_no": {"1"}, "page_size": {"50"},
		"includeslaactiondate": {"true"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
}

func TestTicketGetCreateUpdateDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Config{}, nil)
	ctx := t.Context()

	created, err := e.client.Tickets.Create(ctx, TicketCreate{
		Summary: "Phishing report", Details: "user clicked", TicketTypeID: 1, PriorityID: 3,
		Fields: map[string]any{"impact": 2},
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if created.ID == 0 || created.Summary != "Phishing report" {
		t.Fatalf("Create returned %+v", created)
	}
	if len(created.Rapid7TicketRRN) != 36 {
		t.Errorf("idempotency key = %q, want a UUID", created.Rapid7TicketRRN)
	}

	got, err := e.client.Tickets.Get(ctx, created.ID, true)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.ID != created.ID || got.Details != "user clicked" {
		t.Errorf("Get = %+v", got)
	}

	updated, err := e.client.Tickets.Update(ctx, created.ID, map[string]any{"status_id": 2,
		"id": 999})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if updated.ID != created.ID || updated.StatusID != 2 {
		t.Errorf("Update = id %d status %d", updated.ID, updated.StatusID)
	}

	if err := e.client.Tickets.Delete(ctx, created.ID, "duplicate"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err = e.client.Tickets.Get(ctx, created.ID, false)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after delete: %v, want ErrNotFound", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Method != "GET" {
		t.Errorf("err = %#v, want *APIError 404", err)
	}
	want := "halo: get ticket " + itoa(created.ID) + ": GET "
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %q, want prefix %q", err, want)
	}

	var deleted int
	for tk, err := range e.client.Tickets.List(ctx, TicketListOptions{Deleted: true}) {
		if err != nil {
			t.Fatal(err)
		}
		if tk.ID == created.ID {
			deleted++
		}
	}
	if deleted != 1 {
		t.Errorf("deleted list holds the ticket %d times, want 1", deleted)
	}
}

func itoa(id ID) string { return strconv.FormatInt(int64(id), 10) }

// toI reads an id from an emulator row, however it is typed.
func toI(v any) int64 {
	var id ID
	b, _ := json.Marshal(v)
	_ = json.Unmarshal(b, &id)
	return int64(id)
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Config{}, nil)
	if _, err := e.client.Tickets.Create(t.Context(), TicketCreate{}); err == nil ||
		!strings.Contains(err.Error(), "summary is required") {
		t.Errorf("Create without summary: %v", err)
	}
	if _, err := e.client.Actions.Create(t.Context(), ActionCreate{TicketID: 1}); err == nil ||
		!strings.Contains(err.Error(), "outcome") {
		t.Errorf("Create action without outcome: %v", err)
	}
	if n := len(e.apiRequests("")); n != 0 {
		t.Errorf("invalid input reached the API %d times", n)
	}
}

func TestCreateNeverDuplicates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		script    []int
		wantPosts int
		wantGets  int // idempotency lookups
	}{
		{"committed then dropped: found by key", []int{commitThenDrop}, 1, 1},
		{"502 before reaching Halo: not found, sent again", []int{502}, 2, 1},
		{"dropped before reaching Halo: not found, sent again", []int{dropBefore}, 2, 1},
		{"429 is safe to resend", []int{429}, 2, 0},
		{"plain success", nil, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			se := newScriptedEnv(t, tt.script, nil)
			se.srv.CreateTicket(map[string]any{"summary": "older ticket"})
			tk, err := se.client.Tickets.Create(t.Context(), TicketCreate{Summary: "new"})
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			var withKey int
			for _, row := range se.srv.Tickets() {
				if row["summary"] == "new" {
					withKey++
					if row["rapid7_ticketrrn"] != tk.Rapid7TicketRRN || ID(toI(row["id"])) != tk.ID {
						t.Errorf("returned %d/%q, stored %v/%v", tk.ID, tk.Rapid7TicketRRN,
							row["id"], row["rapid7_ticketrrn"])
					}
				}
			}
			if withKey != 1 {
				t.Errorf("tickets created = %d, want exactly 1", withKey)
			}
			gets := 0
			for _, r := range se.srv.Requests() {
				switch {
				case r.Method == "GET" && strings.EqualFold(r.Path, "/api/Tickets"):
					gets++
					q, _ := url.ParseQuery(r.Query)
					if q.Get("order") != "id" || q.Get("orderdesc") != "true" ||
						q.Get("startdate") == "" {
						t.Errorf("lookup query %q: want newest first since the first attempt",
							r.Query)
					}
				}
			}
			// Scripted answers never reach the emulator's log; the front
			// handler counts every API request, and lookups pass through.
			posts := se.front.hits() - gets
			if posts != tt.wantPosts || gets != tt.wantGets {
				t.Errorf("POSTs, lookups = %d, %d; want %d, %d", posts, gets, tt.wantPosts,
					tt.wantGets)
			}
		})
	}
}

func TestCreateWithCallerKeyIsIdempotentAcrossRuns(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Config{}, nil)
	in := TicketCreate{Summary: "from workflow", IdempotencyKey: "inv-123-run"}
	first, err := e.client.Tickets.Create(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour) // a later run of the same workflow
	second, err := e.client.Tickets.Create(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != second.ID || second.Rapid7TicketRRN != "inv-123-run" {
		t.Errorf("second create returned %d (%q), want %d", second.ID,
			second.Rapid7TicketRRN, first.ID)
	}
	if n := len(e.apiRequests("POST")); n != 1 {
		t.Errorf("POSTs = %d, want 1", n)
	}
}

func TestCustomIdempotencyField(t *testing.T) {
	t.Parallel()
	se := newScriptedEnv(t, []int{commitThenDrop}, func(c *Config) {
		c.IdempotencyField = "rapid7_ticketinvid"
	})
	tk, err := se.client.Tickets.Create(t.Context(), TicketCreate{Summary: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if len(se.srv.Tickets()) != 1 {
		t.Errorf("tickets = %d, want 1", len(se.srv.Tickets()))
	}
	if _, ok := tk.Extra["rapid7_ticketinvid"]; !ok {
		t.Errorf("returned ticket lacks the key field: %v", tk.Extra)
	}
}

func TestActionCreateAndList(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Config{}, nil)
	ctx := t.Context()
	id := ID(e.srv.CreateTicket(map[string]any{"summary": "x"}))
	a, err := e.client.Actions.Create(ctx, ActionCreate{TicketID: id, OutcomeID: 7,
		NoteHTML: "<p>Linked to INV-1</p>", HiddenFromUser: true, NewStatus: 2})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if a.ID == 0 || a.TicketID != id {
		t.Errorf("Create = %+v", a)
	}
	acts, err := e.client.Actions.List(ctx, id, ActionListOptions{})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	found := false
	for _, x := range acts {
		found = found || x.ID == a.ID
	}
	if !found {
		t.Errorf("List lacks the new action %d: %+v", a.ID, acts)
	}
	tk, err := e.client.Tickets.Get(ctx, id, false)
	if err != nil || tk.StatusID != 2 {
		t.Errorf("ticket status after new_status: %v, %v", tk, err)
	}
}

func TestCreateReportsAFailedLookup(t *testing.T) {
	t.Parallel()
	// The create reaches Halo but its answer is lost; the idempotency
	// lookup that follows is refused.
	se := newScriptedEnv(t, []int{commitThenDrop, 403}, nil)
	_, err := se.client.Tickets.Create(t.Context(), TicketCreate{Summary: "new"})
	if err == nil {
		t.Fatal("Create succeeded, want an error")
	}
	for _, want := range []error{ErrAmbiguous, ErrForbidden} {
		if !errors.Is(err, want) {
			t.Errorf("errors.Is(err, %v) = false; err = %v", want, err)
		}
	}
	if !strings.HasPrefix(err.Error(), "halo: create ticket: ") ||
		!strings.Contains(err.Error(), "(lookup failed: ") {
		t.Errorf("err = %q, want the create and the lookup failure", err)
	}
	if n := se.front.hits(); n != 2 {
		t.Errorf("API requests = %d, want 1 POST and 1 lookup", n)
	}
}

func TestUpdateErrorNamesTheTicket(t *testing.T) {
	t.Parallel()
	se := newScriptedEnv(t, []int{400}, nil)
	id := ID(se.srv.CreateTicket(map[string]any{"summary": "x"}))
	_, err := se.client.Tickets.Update(t.Context(), id, map[string]any{"summary": "y"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Fatalf("err = %#v, want *APIError 400", err)
	}
	want := "halo: update ticket " + itoa(id) + ": POST "
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %q, want prefix %q", err, want)
	}
}
