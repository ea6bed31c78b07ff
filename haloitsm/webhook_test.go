package haloitsm

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseWebhook(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want []WebhookDelivery
	}{
		{
			name: "status changed, full object",
			body: `{"id": "0c0f6b8e-2f3e-4a57-9f4e-5f1e3c2a1b00", "webhook_id": "w1",
				"event": "ticket status changed", "object_id": 4242,
				"timestamp": "2026-09-25T06:41:08.7895915Z",
				"ticket": {"id": 4242, "summary": "x", "status_id": 9, "hasbeenclosed": true}}`,
			want: []WebhookDelivery{{
				Kind: EventClosed, EventName: "ticket status changed",
				DeliveryID: "0c0f6b8e-2f3e-4a57-9f4e-5f1e3c2a1b00", TicketID: 4242,
				NewStatusID: 9, Closed: true,
			}},
		},
		{
			name: "status changed to an open status",
			body: `{"id": "d1", "event": "Ticket Status Changed", "object_id": "0004242",
				"ticket": {"id": "0004242", "status_id": 2.0}}`,
			want: []WebhookDelivery{{
				Kind: EventStatusChanged, EventName: "Ticket Status Changed",
				DeliveryID: "d1", TicketID: 4242, NewStatusID: 2,
			}},
		},
		{
			name: "event information only",
			body: `{"id": "d2", "event": "New Ticket Logged", "object_id": 17, "webhook_id": "w"}`,
			want: []WebhookDelivery{{
				Kind: EventCreated, EventName: "New Ticket Logged", DeliveryID: "d2", TicketID: 17,
			}},
		},
		{
			name: "action with old status",
			body: `{"id": "d3", "event": "ticket_updated", "ticket_id": 8,
				"action": {"id": 99, "old_status": 1, "new_status": 2}}`,
			want: []WebhookDelivery{{
				Kind: EventUpdated, EventName: "ticket_updated", DeliveryID: "d3", TicketID: 8,
				NewStatusID: 2, PreviousStatusID: 1,
			}},
		},
		{
			name: "batched",
			body: `[{"id": "a", "event": "Ticket Deleted", "object_id": 5},
				{"id": "b", "event": "SLA warning", "data": {"id": 6, "status_id": 1}}]`,
			want: []WebhookDelivery{
				{Kind: EventDeleted, EventName: "Ticket Deleted", DeliveryID: "a", TicketID: 5},
				{Kind: EventUnknown, EventName: "SLA warning", DeliveryID: "b", TicketID: 6,
					NewStatusID: 1, Ticket: []byte(`{"id":6,"status_id":1}`)},
			},
		},
		{
			name: "hand-made body with a numeric id",
			body: `{"id": 12, "event": "closed"}`,
			want: []WebhookDelivery{{Kind: EventClosed, EventName: "closed", TicketID: 12}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseWebhook([]byte(tt.body))
			if err != nil {
				t.Fatalf("ParseWebhook: %v", err)
			}
			// The raw ticket is checked separately where it matters.
			for i := range got {
				if i < len(tt.want) && tt.want[i].Ticket == nil {
					got[i].Ticket = nil
				}
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ParseWebhook (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseWebhookRejects(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body, want string }{
		{"empty", "  ", "webhook body is empty"},
		{"not json", "event=new", "webhook body is not a JSON object: syntax error at byte 1"},
		{"null", "null", "webhook body is not a JSON object: null"},
		{"string", `"hello"`, "webhook body is not a JSON object: found string where an object was expected"},
		{"array of numbers", `[1]`, "webhook body is not a JSON array of objects: found number where an object was expected"},
		{"too big", `{"a":"` + strings.Repeat("x", maxWebhookBody) + `"}`, "more than the"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseWebhook([]byte(tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseWebhook(%.20q) error = %v, want it to contain %q", tt.body, err, tt.want)
			}
		})
	}
}
