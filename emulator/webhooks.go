package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"syscall"
	"time"
)

// Webhook payload modes, as Halo names them in its webhook settings.
const (
	ModeFull      = "full"       // "Full object with linked objects"
	ModeSmall     = "small"      // "Small object with key fields only"
	ModeEventOnly = "event_only" // "Event information only"
)

// Webhook event kinds a Webhook can subscribe to.
const (
	EventCreated       = "created"        // sent as "new ticket logged"
	EventUpdated       = "updated"        // sent as "ticket updated"
	EventStatusChanged = "status_changed" // sent as "ticket status changed"
)

var eventNames = map[string]string{
	EventCreated:       "new ticket logged",
	EventUpdated:       "ticket updated",
	EventStatusChanged: "ticket status changed",
}

// notificationIDs stand in for the id of the notification (event
// subscription) that fired; Halo numbers them per tenant.
var notificationIDs = map[string]int{EventCreated: 40, EventUpdated: 41, EventStatusChanged: 42}

// Webhook configures one outgoing webhook. Halo signs nothing: the only
// authentication is optional Basic.
type Webhook struct {
	ID       string // GUID; generated when empty
	URL      string // must be a loopback http URL
	Username string // Basic authentication when set
	Password string
	Mode     string   // ModeFull (default), ModeSmall or ModeEventOnly
	Batch    bool     // send a JSON array of the events gathered in BatchWindow
	Events   []string // EventCreated, EventUpdated, EventStatusChanged; empty means all

	// BatchWindow is how long a batching webhook gathers events before
	// sending; default 50ms.
	BatchWindow time.Duration
	// Retries is how often a failed delivery is retried, with a backoff
	// starting at 100ms and doubling; default 2, negative means none.
	// Halo's own retry policy is undocumented.
	Retries int
}

// Delivery is one entry of the webhook delivery log. A batched POST
// logs one Delivery per event it carried, all with the same outcome.
type Delivery struct {
	ID        string // the event object's id (a GUID per event)
	WebhookID string
	Event     string // e.g. "ticket status changed"
	ObjectID  int    // the ticket id
	Body      []byte // the event object as sent (inside the array when batched)
	BatchSize int    // events in the POST that carried this one
	Status    int    // status the receiver answered; 0 when none
	Err       string // transport error or non-2xx summary; empty on success
	Attempts  int
	Time      time.Time
}

// hookWorker delivers one webhook's events in the background.
type hookWorker struct {
	cfg    Webhook
	client *http.Client

	mu    sync.Mutex
	queue []pendingEvent
	wake  chan struct{}
}

type pendingEvent struct {
	id, event string
	objectID  int
	obj       map[string]any
}

// AddWebhook registers an outgoing webhook and returns its id. It fails
// for a non-loopback URL or an unknown mode or event; callers that know
// their input is valid may ignore the results.
func (s *Server) AddWebhook(w Webhook) (string, error) {
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("emulator: webhook url %q: must be an http URL", w.URL)
	}
	if err := checkLoopbackAddr(hostPort(u)); err != nil {
		return "", fmt.Errorf("emulator: webhook url: %w", err)
	}
	switch w.Mode {
	case "":
		w.Mode = ModeFull
	case ModeFull, ModeSmall, ModeEventOnly:
	default:
		return "", fmt.Errorf("emulator: webhook mode %q: want %s, %s or %s",
			w.Mode, ModeFull, ModeSmall, ModeEventOnly)
	}
	for _, e := range w.Events {
		if _, ok := eventNames[e]; !ok {
			return "", fmt.Errorf("emulator: webhook event %q: want %s, %s or %s",
				e, EventCreated, EventUpdated, EventStatusChanged)
		}
	}
	if w.ID == "" {
		w.ID = newGUID()
	}
	if w.BatchWindow <= 0 {
		w.BatchWindow = 50 * time.Millisecond
	}
	if w.Retries == 0 {
		w.Retries = 2
	}
	h := &hookWorker{cfg: w, client: loopbackClient(), wake: make(chan struct{}, 1)}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", errors.New("emulator: server closed")
	}
	s.hooks = append(s.hooks, h)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.runHook(h)
	}()
	return w.ID, nil
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// loopbackClient is an HTTP client that can only reach loopback
// addresses, whatever a host name resolves to, and ignores proxy
// settings.
func loopbackClient() *http.Client {
	d := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				return fmt.Errorf("emulator: refusing to deliver to non-loopback %s", host)
			}
			return nil
		},
	}
	return &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{Proxy: nil, DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// emitLocked queues webhook events for a ticket change. s.mu must be
// held; the ticket is rendered now so deliveries show this state.
func (s *Server) emitLocked(t *ticket, c changes, agentID int) {
	if len(s.hooks) == 0 || s.closed {
		return
	}
	var kinds []string
	if c.created {
		kinds = append(kinds, EventCreated)
	} else {
		if c.statusChanged {
			kinds = append(kinds, EventStatusChanged)
		}
		if c.updated {
			kinds = append(kinds, EventUpdated)
		}
	}
	if len(kinds) == 0 {
		return
	}
	full := s.store.renderTicket(t, true)
	now := s.now()
	for _, h := range s.hooks {
		for _, kind := range kinds {
			if len(h.cfg.Events) > 0 && !slices.Contains(h.cfg.Events, kind) {
				continue
			}
			ev := pendingEvent{id: newGUID(), event: eventNames[kind], objectID: t.id}
			ev.obj = webhookObject(h.cfg, ev, kind, full, agentID, now)
			h.mu.Lock()
			h.queue = append(h.queue, ev)
			h.mu.Unlock()
			select {
			case h.wake <- struct{}{}:
			default:
			}
		}
	}
}

// smallFields are the ticket fields of a "small object" payload.
var smallFields = []string{"id", "summary", "status_id", "status_name", "tickettype_id",
	"priority_id", "client_id", "site_id", "user_id", "team", "team_id", "agent_id",
	"customfields", "hasbeenclosed", "dateoccurred", "last_update"}

// webhookObject builds one event object in Halo's shape.
func webhookObject(h Webhook, ev pendingEvent, kind string, ticket map[string]any,
	agentID int, now time.Time) map[string]any {
	if h.Mode == ModeEventOnly {
		return map[string]any{"id": ev.id, "event": ev.event, "object_id": ev.objectID,
			"webhook_id": h.ID}
	}
	var messages = map[string]string{
		EventCreated:       "A new ticket has been logged, Ticket ID: %07d.",
		EventUpdated:       "Ticket ID: %07d has been updated.",
		EventStatusChanged: "The status has been changed for Ticket ID: %07d.",
	}
	var body map[string]any
	if h.Mode == ModeSmall {
		body = map[string]any{}
		for _, k := range smallFields {
			body[k] = ticket[k]
		}
	} else {
		body = maps.Clone(ticket)
	}
	return map[string]any{
		"id": ev.id, "webhook_id": h.ID, "notification_id": notificationIDs[kind],
		"escmsg_id": newGUID(), "event": ev.event,
		"message":   fmt.Sprintf(messages[kind], ev.objectID),
		"object_id": ev.objectID, "agent_id": agentID,
		"timestamp": now.UTC().Format(webhookTimeLayout),
		"ticket":    body,
	}
}

// runHook delivers queued events until the Server closes.
func (s *Server) runHook(h *hookWorker) {
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-h.wake:
		}
		if h.cfg.Batch && !sleepCtx(s.ctx, h.cfg.BatchWindow) {
			return
		}
		h.mu.Lock()
		batch := h.queue
		h.queue = nil
		h.mu.Unlock()
		if len(batch) == 0 {
			continue
		}
		if h.cfg.Batch {
			s.deliver(h, batch)
			continue
		}
		for _, ev := range batch {
			if s.ctx.Err() != nil {
				return
			}
			s.deliver(h, []pendingEvent{ev})
		}
	}
}

// deliver POSTs events (an array when the webhook batches) with retries,
// then logs the outcome per event.
func (s *Server) deliver(h *hookWorker, events []pendingEvent) {
	var payload any = events[0].obj
	if h.cfg.Batch {
		objs := make([]map[string]any, len(events))
		for i, ev := range events {
			objs[i] = ev.obj
		}
		payload = objs
	}
	body, err := json.Marshal(payload)
	if err != nil {
		s.recordDeliveries(h, events, 0, "encode: "+err.Error(), 0)
		return
	}

	status, errText, attempts := 0, "", 0
	backoff := 100 * time.Millisecond
	for attempts = 1; ; attempts++ {
		status, errText = s.post(h, body)
		if errText == "" || attempts > h.cfg.Retries || s.ctx.Err() != nil {
			break
		}
		if !sleepCtx(s.ctx, backoff) {
			break
		}
		backoff *= 2
	}
	s.recordDeliveries(h, events, status, errText, attempts)
}

// post sends one webhook request and returns the status and an error
// text (empty on a 2xx answer).
func (s *Server) post(h *hookWorker, body []byte) (int, string) {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, h.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return 0, "build request: " + err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	if h.cfg.Username != "" {
		req.SetBasicAuth(h.cfg.Username, h.cfg.Password)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is in the log already
		}
		s.logger.Debug("emulator: webhook delivery failed", "webhook_id", h.cfg.ID, "err", err)
		return 0, err.Error()
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Sprintf("receiver answered %s", resp.Status)
	}
	return resp.StatusCode, ""
}

func (s *Server) recordDeliveries(h *hookWorker, events []pendingEvent, status int,
	errText string, attempts int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, ev := range events {
		b, _ := json.Marshal(ev.obj)
		s.deliveries = append(s.deliveries, Delivery{
			ID: ev.id, WebhookID: h.cfg.ID, Event: ev.event, ObjectID: ev.objectID, Body: b,
			BatchSize: len(events), Status: status, Err: errText, Attempts: attempts,
			Time: now,
		})
	}
	close(s.delivered)
	s.delivered = make(chan struct{})
}

// WebhookDeliveries returns the delivery log, oldest first.
func (s *Server) WebhookDeliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}

// WaitDeliveries waits until the delivery log holds at least n entries
// and returns it, or returns ctx's error.
func (s *Server) WaitDeliveries(ctx context.Context, n int) ([]Delivery, error) {
	for {
		s.mu.Lock()
		if len(s.deliveries) >= n {
			out := slices.Clone(s.deliveries)
			s.mu.Unlock()
			return out, nil
		}
		ch := s.delivered
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("emulator: waiting for %d webhook deliveries: %w", n, ctx.Err())
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
