package haloitsm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/haloconnect/icon-haloitsm/halo"
	"github.com/haloconnect/icon-haloitsm/icon/runtime"
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

// Event is one normalised webhook event: what the webhook triggers emit
// and what Parse Webhook returns.
type Event struct {
	// Kind is one of the Event* constants.
	Kind string
	// TicketID is the ticket number, 0 when the body names none.
	TicketID int
	// Ticket is the ticket in the spec's ticket shape, nil when neither
	// the body nor Halo provided it (a deleted ticket, say).
	Ticket map[string]any
	// PreviousStatusID and PreviousStatusName are the status before the
	// change, when known.
	PreviousStatusID   int
	PreviousStatusName string
	// NewStatusID and NewStatusName are the status after the event.
	NewStatusID   int
	NewStatusName string
	// DeliveryID is Halo's id of the delivery.
	DeliveryID string
}

// Output returns the event in the spec's webhook_event shape.
func (e Event) Output() map[string]any {
	m := map[string]any{"event": e.Kind}
	if e.Ticket != nil {
		m["ticket"] = e.Ticket
	}
	if e.PreviousStatusID != 0 {
		m["previous_status_id"] = e.PreviousStatusID
	}
	if e.PreviousStatusName != "" {
		m["previous_status_name"] = e.PreviousStatusName
	}
	if e.NewStatusID != 0 {
		m["new_status_id"] = e.NewStatusID
	}
	if e.NewStatusName != "" {
		m["new_status_name"] = e.NewStatusName
	}
	if e.DeliveryID != "" {
		m["delivery_id"] = e.DeliveryID
	}
	return m
}

// NormaliseWebhook parses a HaloITSM webhook body (see ParseWebhook) and
// completes each event from Halo: when fetch is true and the body carries
// no full ticket (the "event information only" and small payload modes),
// the ticket is read from Halo; for status changes without the old status
// in the body, the previous status is taken from the newest status-moving
// action of the ticket. Names of statuses and of the ticket's references
// come from the cached lookups. A ticket that no longer exists is left
// out of its event rather than failing the whole body.
func (c *Connection) NormaliseWebhook(ctx context.Context, body []byte,
	fetch bool) ([]Event, error) {
	ds, err := ParseWebhook(body)
	if err != nil {
		return nil, badInput("body", "%v", err)
	}
	out := make([]Event, 0, len(ds))
	for _, d := range ds {
		ev, err := c.normaliseDelivery(ctx, d, fetch)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

func (c *Connection) normaliseDelivery(ctx context.Context, d WebhookDelivery,
	fetch bool) (Event, error) {
	ev := Event{Kind: d.Kind, TicketID: d.TicketID, DeliveryID: d.DeliveryID,
		NewStatusID: d.NewStatusID, PreviousStatusID: d.PreviousStatusID}

	var t *halo.Ticket
	if len(d.Ticket) > 0 {
		var bt halo.Ticket
		if err := json.Unmarshal(d.Ticket, &bt); err == nil {
			t = &bt
		}
	}
	full := t != nil && t.Summary != ""
	if fetch && !full && d.TicketID != 0 && d.Kind != EventDeleted {
		got, err := c.client.Tickets.Get(ctx, halo.ID(d.TicketID), true)
		switch {
		case err == nil:
			t = got
		case errors.Is(err, halo.ErrNotFound):
		default:
			return ev, err
		}
	}
	if t != nil {
		if t.ID == 0 {
			t.ID = halo.ID(d.TicketID)
		}
		ev.Ticket = c.ticketOutput(ctx, t, true)
		if t.StatusID != 0 {
			ev.NewStatusID = int(t.StatusID)
		}
		if ev.Kind == EventStatusChanged && t.HasBeenClosed {
			ev.Kind = EventClosed
		}
	}

	statusEvent := ev.Kind == EventStatusChanged || ev.Kind == EventClosed
	if fetch && statusEvent && ev.PreviousStatusID == 0 && d.TicketID != 0 {
		actions, err := c.client.Actions.List(ctx, halo.ID(d.TicketID), halo.ActionListOptions{})
		if err != nil && !errors.Is(err, halo.ErrNotFound) {
			return ev, err
		}
		for i := len(actions) - 1; i >= 0; i-- {
			a := actions[i]
			if a.NewStatus != 0 && a.OldStatus != 0 && a.OldStatus != a.NewStatus {
				ev.PreviousStatusID = int(a.OldStatus)
				break
			}
		}
	}
	ev.NewStatusName = c.nameOf(ctx, kindStatus, ev.NewStatusID)
	ev.PreviousStatusName = c.nameOf(ctx, kindStatus, ev.PreviousStatusID)
	return ev, nil
}

type parseWebhookInput struct {
	Body        map[string]any `json:"body"`
	RawBody     string         `json:"raw_body"`
	FetchTicket bool           `json:"fetch_ticket"`
}

func parseWebhook(ctx context.Context, r *runtime.Request) (any, error) {
	c := conn(r)
	in := parseWebhookInput{FetchTicket: true}
	if err := decode(r, &in); err != nil {
		return nil, failure(err, "the webhook")
	}
	var body []byte
	switch {
	case len(in.Body) > 0:
		b, err := json.Marshal(in.Body)
		if err != nil {
			return nil, failure(badInput("body", "body: %v", err), "the webhook")
		}
		body = b
	case strings.TrimSpace(in.RawBody) != "":
		body = []byte(in.RawBody)
	default:
		return nil, failure(badInput("body", "give the webhook body in body or raw_body"),
			"the webhook")
	}
	events, err := c.NormaliseWebhook(ctx, body, in.FetchTicket)
	if err != nil {
		return nil, failure(err, "the webhook's ticket")
	}
	all := make([]any, len(events))
	for i, e := range events {
		all[i] = e.Output()
	}
	out := map[string]any{"event": EventUnknown, "events": all}
	if len(events) > 0 {
		for k, v := range events[0].Output() {
			out[k] = v
		}
	}
	return out, nil
}
