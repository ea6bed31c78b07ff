package haloitsm

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/haloconnect/icon-haloitsm/halo"
	"github.com/haloconnect/icon-haloitsm/icon/runtime"
)

// The three triggers share one engine. A source (polling, or the
// webhook receiver) produces observations of tickets; a tracker turns
// them into change events, computing what changed since the ticket was
// last seen; each trigger filters the events and shapes its output.
//
// A trigger runs until the workflow is stopped. Only bad input ends it
// (an unknown name, an out-of-range number): every HaloITSM failure,
// including refused credentials, is logged and retried with a growing
// wait, because credentials can be fixed in HaloITSM while the workflow
// keeps running. Events go out through the runtime's send, which retries
// a dispatcher that is down; while it does, polling pauses and the
// webhook queue fills up to its limit, then HaloITSM is asked to resend.

// Trigger ids, as in plugin.spec.yaml.
const (
	triggerCreated       = "ticket_created"
	triggerUpdated       = "ticket_updated"
	triggerStatusChanged = "ticket_status_changed"
)

// Event sources.
const (
	sourcePoll    = "poll"
	sourceWebhook = "webhook"
)

// Input limits.
const (
	minInterval     = 5
	maxInterval     = 24 * 60 * 60
	maxLookback     = 7 * 24 * 60
	maxPollBackoff  = 10 * time.Minute
	maxResolveRetry = 5 * time.Minute
)

func init() {
	for id, fn := range triggerHandlers() {
		RegisterTrigger(id, fn)
	}
}

// triggerHandlers returns the handler of every trigger.
func triggerHandlers() map[string]runtime.TriggerFunc {
	out := map[string]runtime.TriggerFunc{}
	for _, id := range []string{triggerCreated, triggerUpdated, triggerStatusChanged} {
		out[id] = func(ctx context.Context, r *runtime.Request, send runtime.SendFunc) error {
			return runTrigger(ctx, r, send, id, triggerOptions{})
		}
	}
	return out
}

// triggerInput is the input of every trigger; each trigger's spec
// declares the fields it takes.
type triggerInput struct {
	Source          string `json:"source"`
	Interval        int    `json:"interval"`
	LookbackMinutes int    `json:"lookback_minutes"`
	WebhookPort     int    `json:"webhook_port"`
	WebhookHost     string `json:"webhook_host"`
	WebhookPath     string `json:"webhook_path"`
	WebhookUsername string `json:"webhook_username"`
	WebhookPassword string `json:"webhook_password"`
	WebhookTLSCert  string `json:"webhook_tls_certificate"`
	WebhookTLSKey   string `json:"webhook_tls_key"`
	StateFile       string `json:"state_file"`

	// webhookTLS is built from WebhookTLSCert and WebhookTLSKey by check;
	// nil means plain HTTP.
	webhookTLS *tls.Config

	TicketID       int      `json:"ticket_id"`
	TicketTypeID   int      `json:"tickettype_id"`
	TicketTypeName string   `json:"tickettype_name"`
	PriorityID     int      `json:"priority_id"`
	PriorityName   string   `json:"priority_name"`
	TeamName       string   `json:"team_name"`
	StatusName     string   `json:"status_name"`
	StatusChanged  bool     `json:"status_changed"`
	Fields         []string `json:"fields"`
	NewStatusID    int      `json:"new_status_id"`
	NewStatusName  string   `json:"new_status_name"`
}

// readTriggerInput decodes and checks a trigger's input, applying the
// defaults the spec gives (for callers that bypass the runtime).
func readTriggerInput(r *runtime.Request) (triggerInput, error) {
	in := triggerInput{Source: sourcePoll, Interval: 60, WebhookPort: 10002,
		WebhookHost: "0.0.0.0"}
	if err := decode(r, &in); err != nil {
		return in, err
	}
	return in, in.check()
}

// check reports the first input out of range, naming it.
func (in *triggerInput) check() error {
	in.Source = strings.ToLower(strings.TrimSpace(in.Source))
	switch in.Source {
	case "":
		in.Source = sourcePoll
	case sourcePoll, sourceWebhook:
	default:
		return badInput("source", "source: %q is not a source; give poll or webhook", in.Source)
	}
	if in.Interval < minInterval || in.Interval > maxInterval {
		return outOfRange("interval", minInterval, maxInterval,
			"interval: %d seconds is out of range; give %d to %d",
			in.Interval, minInterval, maxInterval)
	}
	if in.LookbackMinutes < 0 || in.LookbackMinutes > maxLookback {
		return outOfRange("lookback_minutes", 0, maxLookback,
			"lookback_minutes: %d is out of range; give 0 to %d", in.LookbackMinutes, maxLookback)
	}
	if in.TicketID < 0 {
		return badInput("ticket_id", "ticket_id: %d is not a ticket number", in.TicketID)
	}
	in.StateFile = strings.TrimSpace(in.StateFile)
	if err := checkStatePath(in.StateFile); err != nil {
		return err
	}
	known := ChangeFields()
	for _, f := range in.Fields {
		if !slices.Contains(known, f) {
			return badInput("fields", "fields: %q is not a field a change can name; give "+
				"some of %s", f, strings.Join(known, ", "))
		}
	}
	if in.Source != sourceWebhook {
		return nil
	}
	if in.WebhookPort < 1 || in.WebhookPort > 65535 {
		return outOfRange("webhook_port", 1, 65535,
			"webhook_port: %d is not a TCP port; give 1 to 65535", in.WebhookPort)
	}
	in.WebhookHost = strings.TrimSpace(in.WebhookHost)
	if in.WebhookHost == "" {
		in.WebhookHost = "0.0.0.0"
	}
	if net.ParseIP(strings.Trim(in.WebhookHost, "[]")) == nil {
		return badInput("webhook_host", "webhook_host: %q is not an IP address; give "+
			"0.0.0.0 for every interface or one address of the orchestrator", in.WebhookHost)
	}
	if in.WebhookPath != "" && !strings.HasPrefix(in.WebhookPath, "/") {
		return badInput("webhook_path", "webhook_path: %q must start with /", in.WebhookPath)
	}
	if (in.WebhookUsername == "") != (in.WebhookPassword == "") {
		return badInput("webhook_username", "webhook_username and webhook_password: give "+
			"both for Basic authentication, or neither")
	}
	var err error
	in.webhookTLS, err = webhookTLS(in.WebhookTLSCert, in.WebhookTLSKey)
	return err
}

// eventFilter is a trigger's input with names resolved to ids.
type eventFilter struct {
	ticketID, typeID, priorityID, teamID, statusID, newStatusID int
	statusChanged                                               bool
	fields                                                      []string
}

// resolveFilter resolves the names of in to ids through the cached
// lookups. An unknown name is an *inputError.
func (c *Connection) resolveFilter(ctx context.Context, in triggerInput) (eventFilter, error) {
	f := eventFilter{ticketID: in.TicketID, statusChanged: in.StatusChanged, fields: in.Fields}
	var err error
	if f.typeID, err = c.resolve(ctx, kindTicketType, "tickettype_name", in.TicketTypeID,
		in.TicketTypeName); err != nil {
		return f, err
	}
	if f.priorityID, err = c.resolve(ctx, kindPriority, "priority_name", in.PriorityID,
		in.PriorityName); err != nil {
		return f, err
	}
	if f.teamID, err = c.resolve(ctx, kindTeam, "team_name", 0, in.TeamName); err != nil {
		return f, err
	}
	if f.statusID, err = c.resolve(ctx, kindStatus, "status_name", 0, in.StatusName); err != nil {
		return f, err
	}
	if f.newStatusID, err = c.resolve(ctx, kindStatus, "new_status_name", in.NewStatusID,
		in.NewStatusName); err != nil {
		return f, err
	}
	return f, nil
}

// ticketInt reads an id of a ticket in the spec's shape (0 when absent).
func ticketInt(t map[string]any, k string) int {
	n, _ := t[k].(int)
	return n
}

// matches applies the filters every trigger shares.
func (f eventFilter) matches(ev *ticketEvent) bool {
	t := ev.ticket
	want := []struct {
		id    int
		field string
	}{
		{f.ticketID, "id"}, {f.typeID, "tickettype_id"}, {f.priorityID, "priority_id"},
		{f.teamID, "team_id"}, {f.statusID, "status_id"},
	}
	for _, w := range want {
		if w.id != 0 && ticketInt(t, w.field) != w.id {
			return false
		}
	}
	return true
}

// eventOutput returns the output trigger id sends for ev, or false when
// the trigger does not report ev.
func (c *Connection) eventOutput(ctx context.Context, id string, f eventFilter,
	ev *ticketEvent) (map[string]any, bool) {
	if !f.matches(ev) {
		return nil, false
	}
	out := map[string]any{"ticket": ev.ticket}
	if ev.deliveryID != "" {
		out["delivery_id"] = ev.deliveryID
	}
	statusName := func(id int) string { return c.nameOf(ctx, kindStatus, id) }

	switch id {
	case triggerCreated:
		if !ev.created {
			return nil, false
		}
		out["event"] = EventCreated
		return out, true

	case triggerUpdated:
		if ev.created || (f.statusChanged && !ev.statusChanged) {
			return nil, false
		}
		if len(f.fields) > 0 && !slices.ContainsFunc(ev.changes, func(ch fieldChange) bool {
			return slices.Contains(f.fields, ch.Field)
		}) {
			return nil, false
		}
		out["changes"] = c.changeOutputs(ctx, ev.changes, ev.ticket)
		switch {
		case ev.closedNow:
			out["event"] = EventClosed
		case ev.statusChanged:
			out["event"] = EventStatusChanged
		default:
			out["event"] = EventUpdated
		}
		if ev.prevStatus != 0 {
			out["previous_status_id"] = ev.prevStatus
			if s := statusName(ev.prevStatus); s != "" {
				out["previous_status_name"] = s
			}
		}
		return out, true

	case triggerStatusChanged:
		if ev.created || !ev.statusChanged || ev.newStatus == 0 {
			return nil, false
		}
		if f.newStatusID != 0 && ev.newStatus != f.newStatusID {
			return nil, false
		}
		out["old_status_id"] = ev.prevStatus
		out["new_status_id"] = ev.newStatus
		if s := statusName(ev.prevStatus); s != "" {
			out["old_status_name"] = s
		}
		if s, _ := ev.ticket["status_name"].(string); s != "" {
			out["new_status_name"] = s
		} else if s := statusName(ev.newStatus); s != "" {
			out["new_status_name"] = s
		}
		return out, true
	}
	return nil, false
}

// needsStatusHistory reports whether trigger id must know whether the
// status of a ticket it has no snapshot of changed, which costs a request
// per such ticket: one changed but not seen before, or, when polling, one
// seen for the first time as created (it may have moved since).
func needsStatusHistory(id string, f eventFilter) bool {
	return id == triggerStatusChanged || (id == triggerUpdated && f.statusChanged)
}

// triggerOptions tune runTrigger for tests; the zero value is the
// production setting.
type triggerOptions struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Ready, when set, is called with the webhook receiver's address once
	// it listens.
	Ready func(addr string)
	// StateTimeout bounds the wait for the state file's lock; 0 means
	// stateOpenTimeout.
	StateTimeout time.Duration
}

// runTrigger runs trigger id until ctx ends.
func runTrigger(ctx context.Context, r *runtime.Request, send runtime.SendFunc, id string,
	opts triggerOptions) error {
	c := conn(r)
	log := r.Logger
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	in, err := readTriggerInput(r)
	if err != nil {
		return failure(err, "the trigger input")
	}
	start := now().Add(-time.Duration(in.LookbackMinutes) * time.Minute)

	f, err := resolveWithRetry(ctx, c, in, log)
	if err != nil {
		return err
	}
	log.Info("trigger filters", "filter", f.String())

	emit := func(ctx context.Context, ev ticketEvent) error {
		out, ok := c.eventOutput(ctx, id, f, &ev)
		if !ok {
			return nil
		}
		if err := send(ctx, out); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// The output did not pass the spec: a defect to report, not a
			// reason to stop watching.
			log.Error("trigger event dropped: output rejected", "ticket_id", ev.id,
				"error", err.Error())
			c.metrics.triggerEvent(id, eventFailed)
			return nil
		}
		c.metrics.triggerEvent(id, eventDispatched)
		log.Info("trigger event sent", "ticket_id", ev.id, "event", out["event"])
		return nil
	}

	if in.Source == sourceWebhook {
		if in.StateFile != "" {
			log.Info("state_file is used only when polling; webhook deliveries HaloITSM "+
				"made while the trigger was stopped are resent by HaloITSM", "state_file",
				in.StateFile)
		}
		return runWebhookSource(ctx, c, in, emit, log, opts)
	}
	timeout := opts.StateTimeout
	if timeout <= 0 {
		timeout = stateOpenTimeout
	}
	sf, saved := openPollState(ctx, in.StateFile, id, timeout, log)
	if sf != nil {
		defer func() {
			if err := sf.Close(); err != nil {
				log.Warn("cannot close state_file", "state_file", in.StateFile,
					"error", err.Error())
			}
		}()
	}
	return runPollSource(ctx, c, in, id, f, start, emit, log, sf, saved)
}

// resolveWithRetry resolves the input's names, retrying while HaloITSM
// cannot be asked; an unknown name ends the trigger with an error naming
// the input.
func resolveWithRetry(ctx context.Context, c *Connection, in triggerInput,
	log *slog.Logger) (eventFilter, error) {
	for attempt := 1; ; attempt++ {
		f, err := c.resolveFilter(ctx, in)
		if err == nil {
			return f, nil
		}
		var ie *inputError
		if errors.As(err, &ie) || ctx.Err() != nil {
			return f, failure(err, "the trigger input")
		}
		wait := retryWait(attempt, 5*time.Second, maxResolveRetry)
		log.Warn("cannot read HaloITSM's lookups to resolve the trigger's names; "+
			"trying again", "attempt", attempt, "wait", wait.String(), "error", haloErrText(err))
		if !sleepCtx(ctx, wait) {
			return f, ctx.Err()
		}
	}
}

// triggerPoller returns the poller of trigger id, reporting changes made
// from start on. Only a trigger that reports status changes reads
// tickets' actions (see needsStatusHistory).
func (c *Connection) triggerPoller(id string, f eventFilter, start time.Time,
	log *slog.Logger) *poller {
	p := newPoller(c.pollSource(f.ticketID), func(ctx context.Context, t *halo.Ticket) map[string]any {
		return c.ticketOutput(ctx, t, true)
	}, start, log)
	if needsStatusHistory(id, f) {
		p.history = c.statusHistory
		p.origin = c.initialStatus
	}
	return p
}

// runPollSource polls HaloITSM every interval until ctx ends.
func runPollSource(ctx context.Context, c *Connection, in triggerInput, id string,
	f eventFilter, start time.Time, emit func(context.Context, ticketEvent) error,
	log *slog.Logger, sf *stateFile, saved *savedState) error {
	interval := time.Duration(in.Interval) * time.Second
	p := c.triggerPoller(id, f, start, log)
	if sf != nil {
		p.useState(sf, saved)
	}
	if saved != nil {
		log.Info("polling HaloITSM for ticket changes, resuming from state_file",
			"interval", interval.String(), "state_file", in.StateFile,
			"since", p.from().UTC().Format(time.RFC3339))
	} else {
		log.Info("polling HaloITSM for ticket changes", "interval", interval.String(),
			"since", start.UTC().Format(time.RFC3339))
	}

	failures := 0
	for {
		err := p.poll(ctx, emit)
		if ctx.Err() != nil {
			return nil
		}
		wait := interval
		if err != nil {
			failures++
			wait = retryWait(failures, interval, max(interval, maxPollBackoff))
			log.Warn("polling HaloITSM failed; trying again", "attempt", failures,
				"wait", wait.String(), "error", haloErrText(err))
		} else if failures > 0 {
			log.Info("polling HaloITSM works again", "failed_polls", failures)
			failures = 0
		}
		if !sleepCtx(ctx, wait) {
			return nil
		}
	}
}

// runWebhookSource receives HaloITSM webhooks until ctx ends.
func runWebhookSource(ctx context.Context, c *Connection, in triggerInput,
	emit func(context.Context, ticketEvent) error, log *slog.Logger,
	opts triggerOptions) error {
	wr := newWebhookReceiver(webhookConfig{Path: in.WebhookPath, Username: in.WebhookUsername,
		Password: in.WebhookPassword, TLS: in.webhookTLS, Now: opts.Now}, log)
	wr.metrics = c.metrics
	addr := webhookAddr(in.WebhookHost, in.WebhookPort)
	ln, err := listenWebhooks(ctx, addr, log)
	if err != nil {
		return nil // ctx ended
	}
	log.Info("receiving HaloITSM webhooks", "address", ln.Addr().String(),
		"path", in.WebhookPath, "basic_auth", in.WebhookUsername != "",
		"tls", in.webhookTLS != nil)
	if opts.Ready != nil {
		opts.Ready(ln.Addr().String())
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- serveWebhooks(ctx, ln, wr, log) }()

	tr := newTracker(0)
	err = processWebhooks(ctx, wr, tr, c.webhookObservation, emit, log)
	cancel()
	if serr := <-served; serr != nil && ctx.Err() == nil {
		log.Error("webhook server stopped", "error", serr.Error())
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// processWebhooks reports the queued deliveries one at a time, in order,
// until ctx ends. A delivery that cannot be completed from HaloITSM stays
// at the head of the queue and is retried with a growing wait, with no
// limit on the attempts: the fetch of the ticket, and for a status change
// without old_status in the body the read of the ticket's actions that
// gives the previous status. A failed actions read retries the delivery
// rather than sending it with the previous status unknown, because the
// outage only delays the event while a missing old status would stay
// wrong in every workflow that uses it; and, as everywhere in the
// triggers, a refusal (credentials, permissions) can be fixed in HaloITSM
// while the trigger waits. Deliveries received meanwhile queue up behind
// it (see webhookReceiver).
func processWebhooks(ctx context.Context, wr *webhookReceiver, tr *tracker,
	observe func(context.Context, WebhookDelivery) (observation, bool, error),
	emit func(context.Context, ticketEvent) error, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	failures := 0
	for {
		d, err := wr.next(ctx)
		if err != nil {
			return nil
		}
		o, ok, err := observe(ctx, d)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			failures++
			wait := retryWait(failures, time.Second, 5*time.Minute)
			log.Warn("cannot read the webhook's ticket from HaloITSM; trying again",
				"ticket_id", d.TicketID, "attempt", failures, "wait", wait.String(),
				"queued", wr.pending(), "error", haloErrText(err))
			if !sleepCtx(ctx, wait) {
				return nil
			}
			continue
		}
		failures = 0
		if ok {
			ev, fresh := tr.observe(o)
			// A created event is reported even when a later version of the
			// ticket arrived first; resends were dropped by delivery id.
			if fresh || ev.created {
				if err := emit(ctx, ev); err != nil {
					return nil // ctx ended
				}
			}
		} else {
			log.Debug("webhook event without a ticket skipped", "ticket_id", d.TicketID,
				"event", d.EventName)
		}
		wr.done()
	}
}

// haloErrText describes a HaloITSM failure for the log, with advice for
// refused credentials. halo's errors carry no secrets.
func haloErrText(err error) string {
	var te *halo.TokenError
	if errors.As(err, &te) {
		return err.Error() + " (check the connection's client ID, secret, tenant and " +
			"authorisation server)"
	}
	return err.Error()
}

// retryWait is the wait before retry attempt n (from 1): base doubling
// up to limit, with up to 10% random jitter.
func retryWait(n int, base, limit time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return d + time.Duration(rand.Int64N(int64(d)/10+1)) //nolint:gosec // jitter, not a secret
}

// sleepCtx waits d or until ctx ends, reporting whether d passed.
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

// String describes the filter for logs.
func (f eventFilter) String() string {
	return fmt.Sprintf("ticket=%d type=%d priority=%d team=%d status=%d new_status=%d",
		f.ticketID, f.typeID, f.priorityID, f.teamID, f.statusID, f.newStatusID)
}
