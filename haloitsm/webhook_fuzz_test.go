package haloitsm

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParseWebhook feeds arbitrary bodies to ParseWebhook, which reads
// whatever a HaloITSM tenant (or anyone who can reach the webhook port)
// POSTs. It checks the contract: no panics; an error exactly when the body
// is not a JSON object or array of objects; one delivery per element of a
// batch, each the same as when the element arrives alone; and deliveries
// whose fields are within their documented ranges.
func FuzzParseWebhook(f *testing.F) {
	for _, s := range []string{
		// Full object, as captured from a live tenant.
		`{"id": "0c0f6b8e-2f3e-4a57-9f4e-5f1e3c2a1b00", "webhook_id": "w1",
		  "notification_id": 41, "escmsg_id": "e1", "event": "ticket status changed",
		  "message": "The status has been changed for Ticket ID: 0004242.",
		  "object_id": 4242, "agent_id": 3, "timestamp": "2026-09-25T06:41:08.7895915Z",
		  "ticket": {"id": 4242, "summary": "x", "status_id": 9, "tickettype_id": 25,
		    "client_id": 1, "team_id": 5, "agent_id": 3, "customfields": [],
		    "hasbeenclosed": true}}`,
		// Event information only.
		`{"id": "d2", "event": "New Ticket Logged", "object_id": "0004243", "webhook_id": "w1"}`,
		// Small object under object or data, ids loosely typed.
		`{"id": "d3", "event": "ticket_updated", "object": {"id": "17", "summary": "s",
		  "status_id": 2.0}}`,
		`{"id": 42, "event": "Ticket Deleted", "data": {"ticket_id": 42.0, "new_status": "3"}}`,
		// An action event with the old status.
		`{"id": "d4", "event": "Ticket Status Changed", "ticket_id": 7,
		  "action": {"old_status": 1, "new_status": 9}}`,
		// A batched delivery.
		`[{"id": "b1", "event": "ticket logged", "object_id": 1},
		  {"id": "b2", "event": "ticket closed", "ticket": {"id": 2, "hasbeenclosed": "true"}}]`,
		`[]`, `[null]`, `{}`, `null`, `"event"`, `[1]`, ``, ` `,
		`{"EVENT": "STATUS", "Object_ID": -5, "ticket": {"id": 1e300, "status_id": "x"}}`,
		`{"id": "9", "object_id": 2147483648, "new_status": 2.5}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ds, err := ParseWebhook(body)
		if wantOK := isObjectOrBatch(body); (err == nil) != wantOK {
			t.Fatalf("ParseWebhook error = %v, want an error: %v\n%s", err, !wantOK, body)
		}
		if err != nil {
			if ds != nil {
				t.Errorf("ParseWebhook returned deliveries with an error")
			}
			return
		}
		for i, d := range ds {
			checkDelivery(t, i, d)
		}

		// Each element of a batch parses as it would alone, and a single
		// object parses as a batch of one.
		trimmed := bytes.TrimSpace(body)
		if trimmed[0] != '[' {
			batch, err := ParseWebhook(append(append([]byte("["), trimmed...), ']'))
			if err != nil {
				t.Fatalf("the object refused as a batch of one: %v", err)
			}
			if diff := cmp.Diff(ds, batch); diff != "" {
				t.Fatalf("object and batch of one differ (-object +batch):\n%s", diff)
			}
			return
		}
		var elems []json.RawMessage
		if err := json.Unmarshal(trimmed, &elems); err != nil {
			t.Fatal(err)
		}
		if len(elems) != len(ds) {
			t.Fatalf("%d deliveries from a batch of %d", len(ds), len(elems))
		}
		for i, e := range elems {
			if bytes.Equal(bytes.TrimSpace(e), []byte("null")) {
				continue
			}
			alone, err := ParseWebhook(e)
			if err != nil || len(alone) != 1 {
				t.Fatalf("element %d alone: %v, %d deliveries", i, err, len(alone))
			}
			if diff := cmp.Diff(ds[i], alone[0]); diff != "" {
				t.Fatalf("element %d differs alone (-batched +alone):\n%s", i, diff)
			}
		}
	})
}

// isObjectOrBatch reports whether body is what ParseWebhook promises to
// accept: a JSON object, or an array whose elements are objects (null
// elements decode as empty objects).
func isObjectOrBatch(body []byte) bool {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || len(body) > maxWebhookBody || !json.Valid(body) {
		return false
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return false
	}
	switch x := v.(type) {
	case map[string]any:
		return true
	case []any:
		for _, e := range x {
			if _, ok := e.(map[string]any); !ok && e != nil {
				return false
			}
		}
		return true
	}
	return false
}

func checkDelivery(t *testing.T, i int, d WebhookDelivery) {
	t.Helper()
	kinds := []string{EventCreated, EventUpdated, EventStatusChanged, EventClosed,
		EventDeleted, EventUnknown}
	if !slices.Contains(kinds, d.Kind) {
		t.Errorf("delivery %d: kind %q", i, d.Kind)
	}
	if d.TicketID < 0 || d.NewStatusID < 0 || d.PreviousStatusID < 0 {
		t.Errorf("delivery %d: negative id in %+v", i, d)
	}
	if d.Ticket != nil {
		var m map[string]any
		if err := json.Unmarshal(d.Ticket, &m); err != nil || m == nil {
			t.Errorf("delivery %d: Ticket is not a JSON object: %s", i, d.Ticket)
		}
	}
}
