package halo

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The request-body builders copy the caller's extra Fields, set the
// typed fields over them (zero typed fields are not sent and leave an
// extra field of the same name alone) and never send "id".

func TestActionCreateBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ac   ActionCreate
		want map[string]any
	}{
		{
			name: "minimal",
			ac:   ActionCreate{TicketID: 4, OutcomeID: 7},
			want: map[string]any{"ticket_id": ID(4), "outcome_id": ID(7)},
		},
		{
			name: "every typed field",
			ac: ActionCreate{TicketID: 4, Outcome: "Private Note", OutcomeID: 7,
				Note: "n", NoteHTML: "<p>n</p>", HiddenFromUser: true, NewStatus: 2,
				NewAgent: 3, NewTeam: "Security", NewPriority: 1, Important: true,
				SendEmail: true, EmailTo: "a@example.com", EmailCC: "b@example.com",
				EmailSubject: "s", TimeTaken: 0.5},
			want: map[string]any{"ticket_id": ID(4), "outcome": "Private Note",
				"outcome_id": ID(7), "note": "n", "note_html": "<p>n</p>",
				"hiddenfromuser": true, "new_status": ID(2), "new_agent": ID(3),
				"new_team": "Security", "new_priority": ID(1), "important": true,
				"sendemail": true, "emailto": "a@example.com",
				"emailcc": "b@example.com", "emailsubject": "s", "timetaken": 0.5},
		},
		{
			name: "typed fields win over extra fields; zero ones do not",
			ac: ActionCreate{TicketID: 4, OutcomeID: 7, Note: "typed",
				Fields: map[string]any{"note": "extra", "new_status": 9,
					"ticket_id": 99, "id": 5, "actionby": "x"}},
			want: map[string]any{"ticket_id": ID(4), "outcome_id": ID(7),
				"note": "typed", "new_status": 9, "actionby": "x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.ac.body()); diff != "" {
				t.Errorf("body() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTicketCreateBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tc   TicketCreate
		want map[string]any
	}{
		{
			name: "minimal",
			tc:   TicketCreate{Summary: "s"},
			want: map[string]any{"summary": "s", "rrn": "k"},
		},
		{
			name: "details_html replaces details",
			tc:   TicketCreate{Summary: "s", Details: "plain", DetailsHTML: "<b>h</b>"},
			want: map[string]any{"summary": "s", "details_html": "<b>h</b>", "rrn": "k"},
		},
		{
			name: "every typed field",
			tc: TicketCreate{Summary: "s", Details: "d", TicketTypeID: 1, StatusID: 2,
				PriorityID: 3, AgentID: 4, Team: "Security", ClientID: 5, SiteID: 6,
				UserID: 7, Category1: "c",
				CustomFields: []CustomFieldValue{{Name: "CFx", Value: "v"}}},
			want: map[string]any{"rrn": "k", "summary": "s", "details": "d",
				"tickettype_id": ID(1), "status_id": ID(2), "priority_id": ID(3),
				"agent_id": ID(4), "team": "Security", "client_id": ID(5),
				"site_id": ID(6), "user_id": ID(7), "category_1": "c",
				"customfields": []CustomFieldValue{{Name: "CFx", Value: "v"}}},
		},
		{
			name: "typed fields and the key win over extra fields; zero ones do not",
			tc: TicketCreate{Summary: "typed", Fields: map[string]any{
				"summary": "extra", "status_id": 9, "rrn": "other", "id": 5,
				"impact": 2}},
			want: map[string]any{"summary": "typed", "status_id": 9, "rrn": "k",
				"impact": 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.tc.body("rrn", "k")); diff != "" {
				t.Errorf("body() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCreateBodiesLeaveFieldsAlone checks that building a body never
// changes the caller's Fields map.
func TestCreateBodiesLeaveFieldsAlone(t *testing.T) {
	t.Parallel()
	fields := map[string]any{"id": 5, "note": "extra", "summary": "extra"}
	want := map[string]any{"id": 5, "note": "extra", "summary": "extra"}

	ActionCreate{TicketID: 4, OutcomeID: 7, Note: "typed", Fields: fields}.body()
	TicketCreate{Summary: "typed", Fields: fields}.body("rrn", "k")

	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("Fields changed (-want +got):\n%s", diff)
	}
}
