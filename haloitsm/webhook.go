package haloitsm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Event kinds of a normalised webhook event.
const (
	EventCreated       = "created"
	EventUpdated       = "updated"
	EventStatusChanged = "status_changed"
	EventClosed        = "closed"
	EventDeleted       = "deleted"
	EventUnknown       = "unknown"
)

// maxWebhookBody bounds the webhook body ParseWebhook accepts.
const maxWebhookBody = 4 << 20

// WebhookDelivery is one event read from a HaloITSM webhook body, before
// anything is fetched from Halo.
type WebhookDelivery struct {
	// Kind is one of the Event* constants, derived from Halo's event name
	// and, failing that, from the ticket fields.
	Kind string
	// EventName is Halo's own event text ("ticket status changed").
	EventName string
	// DeliveryID is the delivery's GUID (the body's top-level id).
	DeliveryID string
	// TicketID is the ticket number, 0 when the body names none.
	TicketID int
	// Ticket is the ticket object the body carries, nil for "event
	// information only" bodies.
	Ticket json.RawMessage
	// NewStatusID is the ticket's status after the event, 0 when unknown.
	NewStatusID int
	// PreviousStatusID is the status before the event when the body
	// carries it (an action's old_status), else 0.
	PreviousStatusID int
	// Closed reports that the body shows the ticket closed
	// (hasbeenclosed).
	Closed bool
}

// ParseWebhook reads a HaloITSM webhook body: one event object, or a JSON
// array of them when Halo batches deliveries. It accepts every payload
// mode Halo offers (full object, small object, event information only):
// the ticket id is looked for under ticket.id, object_id and ticket_id,
// and inside object or data; the new status under status_id or new_status.
//
// It fails only when the body is not JSON or not an object or array of
// objects; an event it cannot classify has Kind EventUnknown.
func ParseWebhook(body []byte) ([]WebhookDelivery, error) {
	body = bytes.TrimSpace(body)
	switch {
	case len(body) == 0:
		return nil, errors.New("webhook body is empty")
	case len(body) > maxWebhookBody:
		return nil, fmt.Errorf("webhook body is %d bytes, more than the %d accepted",
			len(body), maxWebhookBody)
	}

	var objs []map[string]json.RawMessage
	if body[0] == '[' {
		if err := json.Unmarshal(body, &objs); err != nil {
			return nil, fmt.Errorf("webhook body is not a JSON array of objects: %s",
				jsonProblem(err))
		}
	} else {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
			if err == nil {
				err = errors.New("null")
			}
			return nil, fmt.Errorf("webhook body is not a JSON object: %s", jsonProblem(err))
		}
		objs = []map[string]json.RawMessage{obj}
	}

	out := make([]WebhookDelivery, 0, len(objs))
	for _, obj := range objs {
		out = append(out, parseDelivery(obj))
	}
	return out, nil
}

// jsonProblem describes a JSON decoding error without quoting the input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "found " + te.Value + " where an object was expected"
	}
	return err.Error()
}

func parseDelivery(obj map[string]json.RawMessage) WebhookDelivery {
	d := WebhookDelivery{
		EventName:  rawString(field(obj, "event")),
		DeliveryID: rawString(field(obj, "id")),
	}
	// A numeric top-level id is a ticket id of a hand-made body, not a
	// delivery GUID.
	if _, err := strconv.Atoi(d.DeliveryID); err == nil {
		d.DeliveryID = ""
	}

	ticket := objectField(obj, "ticket")
	var nested map[string]json.RawMessage
	for _, k := range []string{"object", "data"} {
		if nested = objectField(obj, k); nested != nil {
			break
		}
	}
	if ticket == nil && nested != nil && rawInt(field(nested, "id")) != 0 &&
		(field(nested, "summary") != nil || field(nested, "status_id") != nil) {
		ticket = nested
	}
	if ticket != nil {
		d.Ticket, _ = json.Marshal(ticket)
	}

	d.TicketID = firstInt(
		fieldOf(ticket, "id"), field(obj, "object_id"), field(obj, "ticket_id"),
		fieldOf(nested, "ticket_id"), fieldOf(nested, "id"))
	if d.TicketID == 0 {
		d.TicketID = rawInt(field(obj, "id"))
	}
	d.NewStatusID = firstInt(
		fieldOf(ticket, "status_id"), field(obj, "new_status"), field(obj, "status_id"),
		fieldOf(nested, "new_status"), fieldOf(nested, "status_id"))
	action := objectField(obj, "action")
	d.PreviousStatusID = firstInt(fieldOf(action, "old_status"), field(obj, "old_status"))
	if d.NewStatusID == 0 {
		d.NewStatusID = rawInt(fieldOf(action, "new_status"))
	}
	d.Closed = rawBool(fieldOf(ticket, "hasbeenclosed"))

	d.Kind = classifyEvent(d.EventName, d.Closed)
	return d
}

// classifyEvent maps Halo's event text to an event kind. Halo's event
// names are configurable notification events ("New Ticket Logged",
// "Ticket Status Changed", "Ticket Closed", "Ticket Deleted", "Ticket
// Updated by User", "Ticket Reassigned"); they arrive lower-cased, title
// cased or with underscores, so matching is by keywords.
func classifyEvent(name string, closed bool) string {
	n := strings.ToLower(strings.NewReplacer("_", " ", "-", " ").Replace(name))
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(n, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("delet"):
		return EventDeleted
	case has("status"):
		if closed {
			return EventClosed
		}
		return EventStatusChanged
	case has("closed", "resolved", "closure"):
		return EventClosed
	case has("new ticket", "ticket logged", "logged", "created", "new"):
		return EventCreated
	case has("updat", "reassign", "assign", "action", "note", "change", "edit", "reopen"):
		return EventUpdated
	}
	return EventUnknown
}

// field returns obj[key], matching the key without regard to case.
func field(obj map[string]json.RawMessage, key string) json.RawMessage {
	if v, ok := obj[key]; ok {
		return v
	}
	for k, v := range obj {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

func fieldOf(obj map[string]json.RawMessage, key string) json.RawMessage {
	if obj == nil {
		return nil
	}
	return field(obj, key)
}

func objectField(obj map[string]json.RawMessage, key string) map[string]json.RawMessage {
	raw := field(obj, key)
	if len(raw) == 0 || raw[0] != '{' {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

func firstInt(raws ...json.RawMessage) int {
	for _, r := range raws {
		if n := rawInt(r); n != 0 {
			return n
		}
	}
	return 0
}

// rawInt reads a loosely typed Halo id: 42, 42.0 or "0000042". Anything
// else, including negative and fractional numbers, gives 0.
func rawInt(raw json.RawMessage) int {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0
	}
	s := string(raw)
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return 0
		}
		s = strings.TrimSpace(s)
	}
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 && f < 1<<31 && f == float64(int(f)) {
		return int(f)
	}
	return 0
}

func rawString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func rawBool(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	s := strings.ToLower(rawString(raw))
	return s == "true" || s == "1"
}
