package main

import (
	"fmt"
	"time"
)

// A trigger is a long-running `icon_haloitsm run` process. It reads one
// trigger_start message on stdin, writes its log records to stderr as it
// goes, and POSTs each event to the dispatcher URL of the message. In
// InsightConnect the orchestrator is the dispatcher; here the demo
// stands in for it with a loopback HTTP server.

// Settings of the trigger the demo runs.
const (
	demoTrigger  = "ticket_status_changed"
	demoInterval = 5 // seconds between polls, the least the trigger takes
	// readyTimeout bounds the trigger's start: connect, read the lookups.
	readyTimeout = 20 * time.Second
	// eventTimeout bounds the wait for the event; a poll comes every
	// demoInterval seconds.
	eventTimeout = 30 * time.Second
	// stopTimeout bounds the trigger's exit after SIGTERM.
	stopTimeout = 10 * time.Second
)

// triggerSteps starts the ticket_status_changed trigger, moves a ticket
// to another status and prints the event the trigger posts to a
// dispatcher the demo runs. Each step that misbehaves counts as failed.
func (d *demo) triggerSteps() {
	fmt.Fprintf(d.w, "\nA trigger (%s, source poll: asks HaloITSM every %ds):\n",
		demoTrigger, demoInterval)
	disp, err := startDispatcher(d.ctx)
	if err != nil {
		d.fail("dispatcher", "", err)
		return
	}
	defer disp.close()
	fmt.Fprintf(d.w, "%s -> listening\n", stepLabel("dispatcher", disp.url))

	// The ticket exists before the trigger starts, so the trigger knows
	// it in its first status. A ticket created and moved between two
	// polls is first seen already moved: ticket_created reports it, and
	// ticket_status_changed does not.
	out := d.step("create_ticket", `summary="Suspicious login"`,
		map[string]any{"summary": "Suspicious login",
			"details": "Sign-in from a new country", "priority_name": "High"}, false)
	id := ticketID(out)
	if id == 0 {
		d.failed++
		fmt.Fprintln(d.w, "no ticket was created; skipping the trigger")
		return
	}

	tp, ok := d.startTrigger(disp.url)
	if !ok {
		return
	}
	defer tp.kill()

	tid := fmt.Sprintf("ticket_id=%d", id)
	if d.step("update_ticket", tid+` status_name="In Progress"`,
		map[string]any{"ticket_id": id, "status_name": "In Progress"}, false) == nil {
		d.stopTrigger(tp, disp)
		return
	}
	changed := time.Now()

	label := stepLabel("dispatcher", "trigger_event from "+demoTrigger)
	ev, err := disp.waitEvent(d.ctx, 1, eventTimeout, tp.exited)
	if err != nil {
		d.failed++
		fmt.Fprintf(d.w, "%s -> NO EVENT: %v\n", label, err)
	} else {
		line, problem := eventLine(ev, id)
		fmt.Fprintf(d.w, "%s -> %s (event %.1fs after the change)\n", label, line,
			ev.at.Sub(changed).Seconds())
		if problem != "" {
			d.failed++
			fmt.Fprintf(d.w, "    UNEXPECTED EVENT: %s\n", problem)
		}
	}
	d.stopTrigger(tp, disp)
}

// startTrigger starts the demo trigger and waits until it polls.
func (d *demo) startTrigger(dispatcherURL string) (*triggerProcess, bool) {
	label := stepLabel("icon_haloitsm run", "trigger_start "+demoTrigger)
	input := map[string]any{"source": "poll", "interval": demoInterval}
	msg, err := triggerStart(demoTrigger, demoMeta, d.conn, input, dispatcherURL)
	if err != nil {
		d.fail("icon_haloitsm run", "trigger_start "+demoTrigger, err)
		return nil, false
	}
	start := time.Now()
	tp, err := startTrigger(d.ctx, d.o.plugin, msg)
	if err != nil {
		d.fail("icon_haloitsm run", "trigger_start "+demoTrigger, err)
		return nil, false
	}

	// The trigger logs this line when it has read the lookups and begins
	// to poll; a status change from then on is one it reports.
	_, err = tp.waitLog(d.ctx, readyTimeout, "polling HaloITSM for ticket changes")
	if err != nil {
		tp.kill()
		d.failed++
		fmt.Fprintf(d.w, "%s -> DID NOT START: %v\n", label, err)
		d.printTriggerLogs(tp)
		return nil, false
	}
	fmt.Fprintf(d.w, "%s -> polling every %ds (started in %s)\n", label, demoInterval,
		time.Since(start).Round(time.Millisecond))
	return tp, true
}

// stopTrigger stops the trigger with SIGTERM, expecting exit status 0
// and exactly one event at the dispatcher, and prints its warnings.
func (d *demo) stopTrigger(tp *triggerProcess, disp *dispatcher) {
	label := stepLabel("stop the trigger", "SIGTERM")
	code, err := tp.stop(stopTimeout)
	events, _ := disp.received()
	switch {
	case err != nil:
		d.failed++
		fmt.Fprintf(d.w, "%s -> FAILED: %v\n", label, err)
	case code != 0:
		d.failed++
		fmt.Fprintf(d.w, "%s -> FAILED: exit status %d, want 0\n", label, code)
	case len(events) != 1:
		d.failed++
		fmt.Fprintf(d.w, "%s -> exit status 0, but %d events in all, want 1\n", label,
			len(events))
	default:
		fmt.Fprintf(d.w, "%s -> exit status 0, 1 event in all\n", label)
	}
	d.printTriggerLogs(tp)
}

// printTriggerLogs prints the trigger's warnings and errors, or with -v
// every record it logged. An error record counts as a failed step.
func (d *demo) printTriggerLogs(tp *triggerProcess) {
	for _, r := range tp.logs() {
		switch {
		case r.level == "ERROR":
			d.failed++
		case r.level != "WARN" && !d.o.verbose:
			continue
		}
		fmt.Fprintf(d.w, "    trigger log: %s\n", r.raw)
	}
}

// fail counts a step that could not run and prints why.
func (d *demo) fail(what, key string, err error) {
	d.failed++
	fmt.Fprintf(d.w, "%s -> FAILED TO RUN: %v\n", stepLabel(what, key), err)
}

// demoMeta is the meta of the trigger_start message; InsightConnect
// puts workflow context there, and every event must carry it back.
var demoMeta = map[string]any{"triggerId": "haloitsm-demo"}

// eventLine summarises a ticket_status_changed event for ticket id, and
// says what is wrong with it, if anything.
func eventLine(ev triggerEvent, id int) (line, problem string) {
	out := ev.Body.Output
	t, _ := out["ticket"].(map[string]any)
	line = fmt.Sprintf("ticket %v %q %v -> %v", t["id"], t["summary"],
		out["old_status_name"], out["new_status_name"])
	switch {
	case ticketID(out) != id:
		problem = fmt.Sprintf("ticket %v, want %d", t["id"], id)
	case out["old_status_name"] != "New" || out["new_status_name"] != "In Progress":
		problem = "want the move from New to In Progress"
	case ev.Body.Meta["triggerId"] != demoMeta["triggerId"]:
		problem = fmt.Sprintf("meta %v, want the start message's %v", ev.Body.Meta, demoMeta)
	}
	return line, problem
}
