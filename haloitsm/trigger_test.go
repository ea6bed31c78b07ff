package haloitsm

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/emulator"
	"github.com/haloconnect/icon-haloitsm/icon/runtime"
	"github.com/haloconnect/icon-haloitsm/icon/runtime/exception"
)

func TestTriggerInputCheck(t *testing.T) {
	t.Parallel()
	stateDir := t.TempDir()
	webhook := func(m map[string]any) map[string]any {
		m["source"] = "webhook"
		return m
	}
	tests := []struct {
		name  string
		input map[string]any
		field string // "" when valid
	}{
		{"defaults", map[string]any{}, ""},
		{"webhook defaults", webhook(map[string]any{}), ""},
		{"unknown source", map[string]any{"source": "push"}, "source"},
		{"interval too short", map[string]any{"interval": 1}, "interval"},
		{"lookback negative", map[string]any{"lookback_minutes": -5}, "lookback_minutes"},
		{"negative ticket", map[string]any{"ticket_id": -1}, "ticket_id"},
		{"unknown field", map[string]any{"fields": []any{"agent_id", "colour"}}, "fields"},
		{"port out of range", webhook(map[string]any{"webhook_port": 70000}), "webhook_port"},
		{"host name", webhook(map[string]any{"webhook_host": "example.com"}), "webhook_host"},
		{"relative path", webhook(map[string]any{"webhook_path": "halo"}), "webhook_path"},
		{"user without password", webhook(map[string]any{"webhook_username": "u"}),
			"webhook_username"},
		{"polling ignores webhook settings", map[string]any{"webhook_port": 0}, ""},
		{"state file", map[string]any{"state_file": stateDir + "/t.db"}, ""},
		{"state file relative", map[string]any{"state_file": "t.db"}, "state_file"},
		{"state file is a directory", map[string]any{"state_file": stateDir}, "state_file"},
		{"state file directory missing", map[string]any{"state_file": stateDir + "/no/t.db"},
			"state_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := readTriggerInput(&runtime.Request{Input: tt.input})
			var ie *inputError
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.field != "" && (!errors.As(err, &ie) || ie.Field != tt.field):
				t.Errorf("error %v, want one naming %s", err, tt.field)
			case tt.field != "" && !strings.Contains(err.Error(), tt.field):
				t.Errorf("message %q does not name %s", err, tt.field)
			}
		})
	}
}

func TestEventOutputFilters(t *testing.T) {
	t.Parallel()
	_, c := emulatorConn(t, emulator.Config{})
	ctx := t.Context()
	ticket := tk("id", 42, "status_id", 2, "status_name", "In Progress", "tickettype_id", 1,
		"priority_id", 3, "team_id", 1)
	created := ticketEvent{ticket: ticket, id: 42, created: true, newStatus: 2}
	moved := ticketEvent{ticket: ticket, id: 42, known: true, statusChanged: true,
		prevStatus: 1, newStatus: 2, changes: []fieldChange{{"status_id", 1, 2}}}
	assigned := ticketEvent{ticket: ticket, id: 42, known: true, newStatus: 2,
		changes: []fieldChange{{"agent_id", 0, 5}}}

	tests := []struct {
		name    string
		trigger string
		input   triggerInput
		ev      ticketEvent
		want    bool
	}{
		{"created", triggerCreated, triggerInput{}, created, true},
		{"created is no update", triggerUpdated, triggerInput{}, created, false},
		{"created is no status change", triggerStatusChanged, triggerInput{}, created, false},
		{"type by name", triggerCreated, triggerInput{TicketTypeName: "incident"}, created, true},
		{"other type", triggerCreated, triggerInput{TicketTypeID: 2}, created, false},
		{"priority by name", triggerCreated, triggerInput{PriorityName: "Medium"}, created, true},
		{"other priority", triggerCreated, triggerInput{PriorityName: "High"}, created, false},
		{"other team", triggerCreated, triggerInput{TeamName: "Security"}, created, false},
		{"status by name", triggerCreated, triggerInput{StatusName: "In Progress"}, created,
			true},
		{"update", triggerUpdated, triggerInput{}, assigned, true},
		{"status changes only", triggerUpdated, triggerInput{StatusChanged: true}, assigned,
			false},
		{"fields match", triggerUpdated, triggerInput{Fields: []string{"agent_id"}}, assigned,
			true},
		{"fields do not match", triggerUpdated, triggerInput{Fields: []string{"team_id"}},
			assigned, false},
		{"one ticket", triggerUpdated, triggerInput{TicketID: 42}, assigned, true},
		{"another ticket", triggerUpdated, triggerInput{TicketID: 7}, assigned, false},
		{"status change", triggerStatusChanged, triggerInput{}, moved, true},
		{"no status change", triggerStatusChanged, triggerInput{}, assigned, false},
		{"new status by name", triggerStatusChanged, triggerInput{NewStatusName: "in progress"},
			moved, true},
		{"other new status", triggerStatusChanged, triggerInput{NewStatusID: 9}, moved, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := c.resolveFilter(ctx, tt.input)
			if err != nil {
				t.Fatal(err)
			}
			if _, got := c.eventOutput(ctx, tt.trigger, f, &tt.ev); got != tt.want {
				t.Errorf("reported = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEventOutputShapes(t *testing.T) {
	t.Parallel()
	_, c := emulatorConn(t, emulator.Config{})
	ctx := t.Context()
	ticket := tk("id", 42, "status_id", 2, "status_name", "In Progress", "agent_id", 5,
		"agent_name", "Ann")
	ev := ticketEvent{ticket: ticket, id: 42, known: true, statusChanged: true, prevStatus: 1,
		newStatus: 2, deliveryID: "d-1",
		changes: []fieldChange{{"status_id", 1, 2}, {"agent_id", 0, 5}}}

	out, _ := c.eventOutput(ctx, triggerUpdated, eventFilter{}, &ev)
	want := map[string]any{
		"ticket": ticket, "event": EventStatusChanged, "delivery_id": "d-1",
		"previous_status_id": 1, "previous_status_name": "New",
		"changes": []any{
			map[string]any{"field": "status_id", "previous": 1, "current": 2,
				"previous_name": "New", "current_name": "In Progress"},
			map[string]any{"field": "agent_id", "previous": 0, "current": 5,
				"current_name": "Ann"},
		},
	}
	if d := cmp.Diff(want, out); d != "" {
		t.Errorf("ticket_updated output (-want +got):\n%s", d)
	}

	out, _ = c.eventOutput(ctx, triggerStatusChanged, eventFilter{}, &ev)
	want = map[string]any{"ticket": ticket, "delivery_id": "d-1", "old_status_id": 1,
		"old_status_name": "New", "new_status_id": 2, "new_status_name": "In Progress"}
	if d := cmp.Diff(want, out); d != "" {
		t.Errorf("ticket_status_changed output (-want +got):\n%s", d)
	}
}

func TestTriggerStopsOnBadInputOnly(t *testing.T) {
	t.Parallel()
	srv, c := emulatorConn(t, emulator.Config{})
	log := slog.New(slog.DiscardHandler)
	send := func(context.Context, any) error { return nil }

	r := &runtime.Request{Conn: c, Logger: log,
		Input: map[string]any{"tickettype_name": "Incidnet"}}
	err := runTrigger(t.Context(), r, send, triggerCreated, triggerOptions{})
	var pe *exception.PluginException
	if !errors.As(err, &pe) || !strings.Contains(pe.Cause+pe.Assistance, "tickettype_name") {
		t.Errorf("unknown name: error %v, want an exception naming tickettype_name", err)
	}

	// HaloITSM down: the trigger keeps trying until it is stopped.
	srv.SetFaults(emulator.Faults{ErrorRatio: 1})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- runTrigger(ctx, &runtime.Request{Conn: c, Logger: log,
			Input: map[string]any{"interval": 5}}, send, triggerUpdated, triggerOptions{})
	}()
	select {
	case err := <-done:
		t.Fatalf("trigger returned %v while HaloITSM was down", err)
	case <-waitRequests(ctx, srv, 3):
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("stopped trigger returned %v, want nil", err)
	}
}

// waitRequests is closed once the emulator has answered n requests, or
// ctx ended.
func waitRequests(ctx context.Context, srv *emulator.Server, n int) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		for len(srv.Requests()) < n && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
	}()
	return ch
}
