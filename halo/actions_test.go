package halo

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

// setScript replaces the scripted answers of the front handler, for
// tests that prepare data through the API first.
func (se *scriptedEnv) setScript(script ...int) {
	se.front.mu.Lock()
	defer se.front.mu.Unlock()
	se.front.script = script
}

// notesWithText counts the actions of ticket id whose note is text.
func notesWithText(srv *emulator.Server, id ID, text string) int {
	n := 0
	for _, a := range srv.Actions(int(id)) {
		if a["note"] == text {
			n++
		}
	}
	return n
}

// actionRequests counts the POSTs and GETs under /api/Actions in the
// emulator's log (scripted answers never reach it).
func actionRequests(srv *emulator.Server) (posts, gets int) {
	for _, r := range srv.Requests() {
		if !strings.EqualFold(r.Path, "/api/Actions") {
			continue
		}
		switch r.Method {
		case "POST":
			posts++
		case "GET":
			gets++
		}
	}
	return posts, gets
}

func TestActionCreateAfterAmbiguousFailure(t *testing.T) {
	t.Parallel()
	note := ActionCreate{Outcome: "Private Note", Note: "Linked to INV-7"}
	statusOnly := ActionCreate{OutcomeID: 7, NewStatus: 2}
	tests := []struct {
		name      string
		in        ActionCreate
		script    []int
		wantErr   []error // nil: success
		wantHits  int     // every API request, scripted or not
		wantNotes int
	}{
		{"plain success", note, nil, nil, 1, 1},
		{"committed then dropped: found, not resent", note, []int{commitThenDrop}, nil, 2, 1},
		{"503 before reaching Halo: not found, resent", note, []int{503}, nil, 3, 1},
		{"500 before reaching Halo: not found, resent", note, []int{500}, nil, 3, 1},
		{"dropped before reaching Halo: not found, resent", note, []int{dropBefore}, nil, 3, 1},
		{"429 is resent without a lookup", note, []int{429}, nil, 2, 1},
		{"401 is resent with a new token", note, []int{401}, nil, 2, 1},
		{"written, and the lookup is refused", note, []int{commitThenDrop, 403},
			[]error{ErrAmbiguous, ErrForbidden}, 2, 1},
		{"an action without note text is not looked up", statusOnly, []int{503},
			[]error{ErrAmbiguous}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			se := newScriptedEnv(t, tt.script, nil)
			in := tt.in
			in.TicketID = ID(se.srv.CreateTicket(map[string]any{"summary": "x"}))
			a, err := se.client.Actions.Create(t.Context(), in)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Create: %v", err)
			case tt.wantErr != nil && err == nil:
				t.Fatalf("Create succeeded, want %v", tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !errors.Is(err, want) {
					t.Errorf("errors.Is(err, %v) = false; err = %v", want, err)
				}
			}
			if err != nil && !strings.HasPrefix(err.Error(), "halo: create action on ticket ") {
				t.Errorf("err = %q, want the operation named", err)
			}
			if n := se.front.hits(); n != tt.wantHits {
				t.Errorf("API requests = %d, want %d", n, tt.wantHits)
			}
			if in.Note == "" {
				return
			}
			if n := notesWithText(se.srv, in.TicketID, in.Note); n != tt.wantNotes {
				t.Errorf("notes on the ticket = %d, want %d", n, tt.wantNotes)
			}
			if err == nil {
				stored := se.srv.Actions(int(in.TicketID))
				if last := stored[len(stored)-1]; ID(toI(last["id"])) != a.ID || a.Note != in.Note {
					t.Errorf("returned action %d %q, stored %v", a.ID, a.Note, last)
				}
			}
		})
	}
}

func TestActionCreateCommitThenFailReturnsTheExistingNote(t *testing.T) {
	t.Parallel()
	// Every POST is applied and then answered 502 or dropped.
	e := newEnv(t, emulator.Config{Faults: emulator.Faults{CommitThenFail: 1, Seed: 3}}, nil)
	for i := range 6 { // both 502 and drops, by this seed
		id := ID(e.srv.CreateTicket(map[string]any{"summary": "x"}))
		text := fmt.Sprintf("note %d", i)
		a, err := e.client.Actions.Create(t.Context(), ActionCreate{TicketID: id,
			OutcomeID: 7, NoteHTML: "<p>" + text + "</p>", HiddenFromUser: true})
		if err != nil {
			t.Fatalf("Create %d: %v", i, err)
		}
		stored := e.srv.Actions(int(id))
		if len(stored) != 1 {
			t.Fatalf("ticket %d has %d actions, want exactly 1: %v", id, len(stored), stored)
		}
		if got := ID(toI(stored[0]["id"])); got != a.ID || a.TicketID != id {
			t.Errorf("Create returned action %d of ticket %d, want %d of %d", a.ID,
				a.TicketID, got, id)
		}
	}
	posts, gets := actionRequests(e.srv)
	if posts != 6 || gets != 6 {
		t.Errorf("POSTs, lookups = %d, %d; want 6, 6 (one create and one lookup each)",
			posts, gets)
	}
	for _, r := range e.apiRequests("GET") {
		q, _ := url.ParseQuery(r.Query)
		if q.Get("ticket_id") == "" || q.Get("includehtmlnote") != "true" {
			t.Errorf("lookup query %q: want the ticket's actions with HTML notes", r.Query)
		}
	}
}

func TestActionCreateResendsWhatWasNotWritten(t *testing.T) {
	t.Parallel()
	// Injected 5xx and drops are answered without being processed.
	e := newEnv(t, emulator.Config{Faults: emulator.Faults{ErrorRatio: 0.25, DropRatio: 0.1,
		Seed: 11}}, nil)
	id := ID(e.srv.CreateTicket(map[string]any{"summary": "x"}))
	const n = 30
	for i := range n {
		text := fmt.Sprintf("step %d done", i)
		if _, err := e.client.Actions.Create(t.Context(), ActionCreate{TicketID: id,
			Outcome: "Private Note", Note: text}); err != nil {
			t.Fatalf("Create %d: %v", i, err)
		}
		if got := notesWithText(e.srv, id, text); got != 1 {
			t.Errorf("note %q stored %d times, want exactly once", text, got)
		}
	}
	failed := 0
	for _, r := range e.apiRequests("POST") {
		if r.Status == 0 || r.Status >= 500 {
			failed++
		}
	}
	posts, _ := actionRequests(e.srv)
	if failed == 0 || posts != n+failed {
		t.Errorf("POSTs = %d with %d failed; want some failed and each resent once", posts,
			failed)
	}
}

func TestActionCreateMatchWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		earlier   ActionCreate // posted before the call, without faults
		age       time.Duration
		wantNotes int
		wantSame  bool // the call returns the earlier note
	}{
		{"identical note seconds earlier collapses", ActionCreate{OutcomeID: 7,
			Note: "Escalated  to\n SOC"}, 20 * time.Second, 1, true},
		{"identical note older than the allowance is another note", ActionCreate{OutcomeID: 7,
			Note: "Escalated to SOC"}, 2 * time.Minute, 2, false},
		{"same text, other outcome", ActionCreate{Outcome: "Status Change",
			Note: "Escalated to SOC"}, 0, 2, false},
		{"other text", ActionCreate{OutcomeID: 7, Note: "Escalated to NOC"}, 0, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			se := newScriptedEnv(t, nil, nil)
			id := ID(se.srv.CreateTicket(map[string]any{"summary": "x"}))
			prev := tt.earlier
			prev.TicketID = id
			old, err := se.client.Actions.Create(t.Context(), prev)
			if err != nil {
				t.Fatal(err)
			}
			se.clock.Advance(tt.age)
			se.setScript(503)
			a, err := se.client.Actions.Create(t.Context(), ActionCreate{TicketID: id,
				OutcomeID: 7, Note: "Escalated to SOC"})
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if got := (a.ID == old.ID); got != tt.wantSame {
				t.Errorf("returned action %d, earlier %d; same = %v, want %v", a.ID, old.ID,
					got, tt.wantSame)
			}
			n := 0
			for _, x := range se.srv.Actions(int(id)) {
				if collapseSpace(fmt.Sprint(x["note"])) == "Escalated to SOC" {
					n++
				}
			}
			if n != tt.wantNotes {
				t.Errorf("notes reading %q = %d, want %d", "Escalated to SOC", n, tt.wantNotes)
			}
		})
	}
}

func TestActionCreateLookupReadsTheNewestPages(t *testing.T) {
	t.Parallel()
	se := newScriptedEnv(t, nil, nil)
	id := ID(se.srv.CreateTicket(map[string]any{"summary": "x"}))
	for i := range 250 {
		if _, err := se.client.Actions.Create(t.Context(), ActionCreate{TicketID: id,
			OutcomeID: 7, Note: fmt.Sprintf("history %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	se.srv.ResetRequests()
	se.setScript(commitThenDrop)
	const text = "the new note"
	if _, err := se.client.Actions.Create(t.Context(), ActionCreate{TicketID: id,
		OutcomeID: 7, Note: text}); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if n := notesWithText(se.srv, id, text); n != 1 {
		t.Errorf("notes = %d, want 1", n)
	}
	// The emulator lists oldest first: page 1 shows that, then the last
	// page (251 actions: page 3) holds the note.
	var pages []string
	for _, r := range se.srv.Requests() {
		if r.Method == "GET" {
			q, _ := url.ParseQuery(r.Query)
			pages = append(pages, q.Get("page_no"))
		}
	}
	if diff := cmp.Diff([]string{"1", "3"}, pages); diff != "" {
		t.Errorf("pages read (-want +got):\n%s", diff)
	}
}

func TestActionCreateMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   ActionCreate
		got  Action
		want bool
	}{
		{"same note, outcome id", ActionCreate{OutcomeID: 7, Note: "a b"},
			Action{OutcomeID: 7, Note: "a b"}, true},
		{"white space collapsed", ActionCreate{OutcomeID: 7, Note: " a\n\tb  "},
			Action{OutcomeID: 7, Note: "a b"}, true},
		{"HTML note against note_html", ActionCreate{OutcomeID: 7, NoteHTML: "<p>a</p>"},
			Action{OutcomeID: 7, Note: "a", NoteHTML: "<p>a</p>\n"}, true},
		{"plain note against note_html", ActionCreate{OutcomeID: 7, Note: "<b>a</b>"},
			Action{OutcomeID: 7, NoteHTML: "<b>a</b>"}, true},
		{"outcome name, any case", ActionCreate{Outcome: "private note", Note: "a"},
			Action{OutcomeID: 9, Outcome: "Private Note", Note: "a"}, true},
		{"other outcome id", ActionCreate{OutcomeID: 7, Note: "a"},
			Action{OutcomeID: 8, Note: "a"}, false},
		{"other outcome name", ActionCreate{Outcome: "Private Note", Note: "a"},
			Action{Outcome: "Public Note", Note: "a"}, false},
		{"other text", ActionCreate{OutcomeID: 7, Note: "a"},
			Action{OutcomeID: 7, Note: "ab"}, false},
		{"no text never matches", ActionCreate{OutcomeID: 7},
			Action{OutcomeID: 7}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.in.matches(tt.got); got != tt.want {
				t.Errorf("matches = %v, want %v", got, tt.want)
			}
		})
	}
}
