package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"
)

var interruptSignal = syscall.SIGTERM

type options struct {
	plugin   string
	emulator string
	timeout  time.Duration
	verbose  bool
}

// demo holds what the steps share.
type demo struct {
	ctx    context.Context
	o      options
	w      io.Writer
	conn   map[string]any
	failed int
}

// run starts the emulator, walks through every action, shows a trigger
// sending an event, and stops the emulator again.
func run(ctx context.Context, o options, w io.Writer) error {
	for _, bin := range []string{o.plugin, o.emulator} {
		if _, err := os.Stat(bin); err != nil {
			return fmt.Errorf("%s: %w (run make build first)", bin, err)
		}
	}
	emu, err := startEmulator(ctx, o.emulator, "--addr", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer emu.stop()
	fmt.Fprintf(w, "HaloITSM emulator: authorization server %s, resource server %s\n\n",
		emu.authURL, emu.apiURL)

	d := &demo{ctx: ctx, o: o, w: w, conn: map[string]any{
		"client_id":            "emulator-client",
		"client_secret":        map[string]any{"secretKey": "emulator-secret"},
		"authorization_server": emu.authURL,
		"resource_server":      emu.apiURL,
		"tenant":               "",
	}}
	d.steps()

	d.triggerSteps()

	if d.failed > 0 {
		return fmt.Errorf("%d steps did not behave as expected", d.failed)
	}
	fmt.Fprintln(w, "\ndemo finished: every step behaved as expected")
	return nil
}

// step runs one action and prints a line: the action, its key input and a
// summary of the output or error. wantErr marks a deliberate failure.
func (d *demo) step(action, key string, input map[string]any, wantErr bool) map[string]any {
	env, took, err := runAction(d.ctx, d.o.plugin, d.conn, action, input)
	label := stepLabel(action, key)
	if err != nil {
		d.failed++
		fmt.Fprintf(d.w, "%s -> FAILED TO RUN: %v\n", label, err)
		return nil
	}
	ms := took.Round(time.Millisecond)
	if env.Body.Status != "ok" {
		msg := env.Body.Error
		if env.Body.Exception != nil {
			msg = env.Body.Exception.Cause
		}
		mark := "ERROR"
		if wantErr {
			mark = "expected error"
		} else {
			d.failed++
		}
		fmt.Fprintf(d.w, "%s -> %s: %s (%s)\n", label, mark, msg, ms)
		return nil
	}
	if wantErr {
		d.failed++
		fmt.Fprintf(d.w, "%s -> UNEXPECTED SUCCESS\n", label)
	}
	fmt.Fprintf(d.w, "%s -> %s (%s)\n", label, summarise(env.Body.Output), ms)
	if d.o.verbose {
		b, _ := json.MarshalIndent(env.Body.Output, "    ", "  ")
		fmt.Fprintf(d.w, "    %s\n", b)
	}
	return env.Body.Output
}

// stepLabel is the start of a step's line: what ran and its key input,
// in two columns.
func stepLabel(what, key string) string {
	return fmt.Sprintf("%-19s %-42s", what, clip(key, 42))
}

func (d *demo) steps() {
	fmt.Fprintln(d.w, "Lookups (so workflows never hard-code ids):")
	d.step("list_statuses", "", nil, false)
	d.step("list_ticket_types", "", nil, false)
	d.step("list_priorities", "", nil, false)
	d.step("list_teams", "", nil, false)
	d.step("list_agents", "", nil, false)
	d.step("list_categories", "", nil, false)
	d.step("list_custom_fields", "", nil, false)
	d.step("get_agent", "agent_id=3", map[string]any{"agent_id": 3}, false)
	d.step("get_user", "user_id=-1", map[string]any{"user_id": -1}, false)

	fmt.Fprintln(d.w, "\nA ticket's life:")
	out := d.step("create_ticket", `summary="Phishing report", priority_name=High`,
		map[string]any{"summary": "Phishing report", "details": "Suspicious invoice attachment",
			"priority_name": "High", "team_name": "Security",
			"customfields": []any{map[string]any{"name": "CFImpact", "value": 2}}}, false)
	id := ticketID(out)
	if id == 0 {
		d.failed++
		fmt.Fprintln(d.w, "no ticket was created; skipping the ticket steps")
		return
	}
	tid := fmt.Sprintf("ticket_id=%d", id)
	d.step("get_ticket", tid, map[string]any{"ticket_id": id}, false)
	d.step("update_ticket", tid+` status_name="in progress"`,
		map[string]any{"ticket_id": id, "status_name": "in progress"}, false)
	d.step("assign_ticket", tid+` agent_name="API Integration"`,
		map[string]any{"ticket_id": id, "agent_name": "API Integration"}, false)
	d.step("add_comment", tid+" is_private=true",
		map[string]any{"ticket_id": id, "comment": "Sender blocked at the gateway",
			"is_private": true}, false)
	d.step("search_tickets", `search="phishing" state=open`,
		map[string]any{"search": "phishing", "state": "open"}, false)
	d.step("close_ticket", tid+` resolution="Sender blocked"`,
		map[string]any{"ticket_id": id, "resolution": "Sender blocked"}, false)
	d.step("list_ticket_notes", tid, map[string]any{"ticket_id": id}, false)
	d.step("reopen_ticket", tid, map[string]any{"ticket_id": id,
		"note": "Same sender seen again"}, false)
	d.step("parse_webhook", `event-only body for `+tid,
		map[string]any{"body": map[string]any{"id": "delivery-1",
			"event": "ticket status changed", "object_id": id}}, false)

	fmt.Fprintln(d.w, "\nMistakes and how they are reported:")
	d.step("create_ticket", "no summary (bad input)",
		map[string]any{"details": "missing summary"}, true)
	d.step("update_ticket", tid+` status_name="Clsoed" (typo)`,
		map[string]any{"ticket_id": id, "status_name": "Clsoed"}, true)
	d.step("get_ticket", "ticket_id=999999", map[string]any{"ticket_id": 999999}, false)
	d.step("close_ticket", "ticket_id=999999", map[string]any{"ticket_id": 999999}, true)

	fmt.Fprintln(d.w, "\nClean-up:")
	d.step("delete_ticket", tid, map[string]any{"ticket_id": id, "reason": "demo"}, false)
}

// ticketID is the id of the ticket in an action's output, 0 when there
// is none.
func ticketID(out map[string]any) int {
	t, _ := out["ticket"].(map[string]any)
	f, _ := t["id"].(float64)
	return int(f)
}

// summarise renders an action output in one short line.
func summarise(out map[string]any) string {
	if t, ok := out["ticket"].(map[string]any); ok {
		if len(t) == 0 {
			return fmt.Sprintf("found=%v", out["found"])
		}
		s := ticketLine(t)
		if ev, ok := out["event"]; ok {
			s = fmt.Sprintf("event %v, status %v -> %v, %s", ev, out["previous_status_name"],
				out["new_status_name"], s)
		}
		return s
	}
	if l, ok := out["tickets"].([]any); ok {
		ids := make([]string, 0, len(l))
		for _, t := range l {
			if m, ok := t.(map[string]any); ok {
				ids = append(ids, fmt.Sprintf("#%v", m["id"]))
			}
		}
		return fmt.Sprintf("%d tickets: %s", len(l), strings.Join(ids, " "))
	}
	if l, ok := out["notes"].([]any); ok {
		var parts []string
		for _, n := range l {
			m, _ := n.(map[string]any)
			p := fmt.Sprintf("%v", m["outcome"])
			if s, ok := m["new_status_name"]; ok {
				p += "->" + fmt.Sprint(s)
			}
			parts = append(parts, p)
		}
		return fmt.Sprintf("%d notes: %s", len(l), clip(strings.Join(parts, ", "), 70))
	}
	for _, key := range []string{"agent", "user"} {
		if m, ok := out[key].(map[string]any); ok {
			return fmt.Sprintf("%s %v %q", key, m["id"], m["name"])
		}
	}
	if id, ok := out["comment_id"]; ok {
		return fmt.Sprintf("note %v added", id)
	}
	keys := make([]string, 0, len(out))
	for k := range out {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if l, ok := out[k].([]any); ok {
			var names []string
			for _, it := range l {
				if m, ok := it.(map[string]any); ok {
					names = append(names, fmt.Sprint(m["name"]))
				}
			}
			return fmt.Sprintf("%d %s: %s", len(l), strings.ReplaceAll(k, "_", " "),
				clip(strings.Join(names, ", "), 70))
		}
	}
	b, _ := json.Marshal(out)
	return clip(string(b), 90)
}

func ticketLine(t map[string]any) string {
	s := fmt.Sprintf("ticket %v %q (status %v", t["id"], t["summary"], t["status_name"])
	if a, ok := t["agent_name"]; ok {
		s += fmt.Sprintf(", agent %v", a)
	}
	if tm, ok := t["team_name"]; ok {
		s += fmt.Sprintf(", team %v", tm)
	}
	return s + ")"
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
