package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// maxEventLog bounds the log text one trigger event carries. A trigger
// can log for hours between two events (a HaloITSM outage, a dispatcher
// that refuses events); only the newest records are kept for the event,
// and stderr has them all.
const maxEventLog = 64 << 10

// runTrigger runs a trigger_start message until the handler returns. It
// writes an error envelope and returns ExitFailed when the trigger cannot
// start or its handler fails; a handler that returns after ctx is
// cancelled is a clean stop (ExitOK).
//
// A trigger's log records go to stderr as they are written, masked, with
// or without --debug: a trigger runs for long, and an operator must see
// what it is doing before its next event. Each event also carries the
// records logged since the previous one, at most maxEventLog bytes.
//
// With metricsAddr set (and a Metrics registry) the process serves GET
// /metrics there while the handler runs. An address that cannot be
// listened on is logged as an error and the trigger runs on without it:
// missing metrics are no reason to miss events.
func (e *engine) runTrigger(ctx context.Context, msg *startMessage, stdout io.Writer, debug bool,
	metricsAddr string) int {
	inv := newInvocation(requestID("", msg.Meta), e.debug, e.format, e.stderr)
	inv.cap.stderr = e.stderr
	inv.cap.limit = maxEventLog
	env := &envelope{Type: typeTriggerEvent, Meta: msg.Meta}
	failWith := func(err error) int {
		e.fail(env, inv, err, false)
		env.Log = inv.cap.Take()
		_, _ = stdout.Write(env.encode()) // a failed write leaves nothing more to do
		e.metrics.observeRun(kindTrigger, msg.Name, "error", 0)
		return ExitFailed
	}

	comp := e.spec.Trigger(msg.Name)
	if comp == nil {
		return failWith(badRequest(fmt.Sprintf("The plugin has no trigger %q.", msg.Name)))
	}
	h := e.p.Triggers[msg.Name]
	if h == nil {
		return failWith(notImplemented(kindTrigger, msg.Name))
	}
	key := kindTrigger + "/" + msg.Name
	inv.mask.set(e.secrets(msg))
	input := e.inputV[key].Prepare(msg.Input)
	if err := e.inputV[key].Validate(input); err != nil {
		return failWith(invalidInput(err))
	}
	conn, err := e.connect(ctx, msg, inv)
	if err != nil {
		return failWith(err)
	}

	d := &dispatcher{cfg: e.p.Dispatch.withDefaults(), url: msg.Dispatcher.URL, log: inv}
	if debug || msg.Dispatcher.URL == "" {
		d.stdout = stdout
	}
	send := func(sctx context.Context, output any) error {
		obj, err := e.checkOutput(comp, e.outputV[key], output)
		if err != nil {
			inv.log.Error("trigger event rejected", "error", err.Error())
			return err
		}
		event := triggerEvent(msg.Meta, inv.mask.Map(obj), inv.cap.Take())
		start := time.Now()
		err = d.deliver(sctx, event)
		outcome := "ok"
		if err != nil {
			outcome = "error"
		}
		e.metrics.observeRun("trigger_event", msg.Name, outcome, time.Since(start))
		return err
	}
	req := &Request{
		Name: msg.Name, Conn: conn, Input: input, Logger: inv.log, Meta: msg.Meta,
		RequestID: inv.id, Dispatcher: msg.Dispatcher,
	}

	if metricsAddr != "" && e.p.Metrics != nil {
		bound, stop, err := serveMetrics(ctx, metricsAddr, e.p.Metrics, inv.log)
		if err != nil {
			inv.log.Error("cannot serve metrics; the trigger runs without them",
				"address", metricsAddr, "error", err.Error())
		} else {
			defer stop()
			inv.log.Info("serving metrics", "address", bound, "path", "/metrics")
		}
	}

	inv.log.Info("trigger started", "name", msg.Name)
	err = e.safely(inv, func() error { return h(ctx, req, send) })
	if ctx.Err() != nil && (err == nil || errors.Is(err, ctx.Err())) {
		inv.log.Info("trigger stopped", "name", msg.Name)
		return ExitOK
	}
	if err != nil {
		return failWith(err)
	}
	inv.log.Info("trigger returned", "name", msg.Name)
	return ExitOK
}

func (c DispatchConfig) withDefaults() DispatchConfig {
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 500 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 30 * time.Second
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = c.MinBackoff
	}
	return c
}

// dispatcher delivers trigger events: to stdout, one envelope per line,
// or by POST to the dispatcher URL with retries.
type dispatcher struct {
	cfg    DispatchConfig
	url    string
	stdout io.Writer
	log    *invocation
	mu     sync.Mutex // one delivery at a time keeps events in order
	client http.Client
}

// deliver sends one event, retrying a failed POST with exponential
// backoff until it is accepted or ctx ends.
func (d *dispatcher) deliver(ctx context.Context, event []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stdout != nil {
		_, err := d.stdout.Write(event)
		return err
	}
	wait := d.cfg.MinBackoff
	for attempt := 1; ; attempt++ {
		err := d.post(ctx, event)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d.log.log.Warn("trigger event not delivered, retrying",
			"attempt", attempt, "wait", wait.String(), "error", err.Error())
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, d.cfg.MaxBackoff)
	}
}

// DispatchError reports a POST the dispatcher did not accept.
type DispatchError struct {
	Status int
}

func (e *DispatchError) Error() string {
	return fmt.Sprintf("runtime: dispatcher answered %d", e.Status)
}

func (d *dispatcher) post(ctx context.Context, event []byte) error {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(event))
	if err != nil {
		return fmt.Errorf("runtime: dispatcher request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.client.Do(req)
	if err != nil {
		return fmt.Errorf("runtime: post event: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) //nolint:errcheck // drain for reuse
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &DispatchError{Status: resp.StatusCode}
	}
	return nil
}
