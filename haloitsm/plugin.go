package haloitsm

import (
	"context"
	"fmt"
	"sync"

	"github.com/spf13/cobra"

	iconhaloitsm "github.com/haloconnect/icon-haloitsm"
	"github.com/haloconnect/icon-haloitsm/icon/runtime"
	"github.com/haloconnect/icon-haloitsm/icon/runtime/exception"
	"github.com/haloconnect/icon-haloitsm/icon/spec"
)

// Actions returns the handler of every action in plugin.spec.yaml.
func Actions() map[string]runtime.ActionFunc {
	return map[string]runtime.ActionFunc{
		"create_ticket":      createTicket,
		"update_ticket":      updateTicket,
		"get_ticket":         getTicket,
		"search_tickets":     searchTickets,
		"close_ticket":       closeTicket,
		"reopen_ticket":      reopenTicket,
		"assign_ticket":      assignTicket,
		"delete_ticket":      deleteTicket,
		"add_comment":        addComment,
		"list_ticket_notes":  listTicketNotes,
		"get_user":           getUser,
		"get_agent":          getAgent,
		"list_statuses":      listStatuses,
		"list_teams":         listNamed("teams", "the team list", kindTeam),
		"list_agents":        listAgents,
		"list_ticket_types":  listNamed("ticket_types", "the ticket type list", kindTicketType),
		"list_priorities":    listNamed("priorities", "the priority list", kindPriority),
		"list_categories":    listCategories,
		"list_custom_fields": listCustomFields,
		"parse_webhook":      parseWebhook,
	}
}

var (
	triggersMu sync.Mutex
	triggers   = map[string]runtime.TriggerFunc{}
)

// RegisterTrigger installs the handler of trigger id. The trigger files
// of this package call it from init functions; it panics on a duplicate,
// which is a programming error.
func RegisterTrigger(id string, fn runtime.TriggerFunc) {
	triggersMu.Lock()
	defer triggersMu.Unlock()
	if _, dup := triggers[id]; dup {
		panic("haloitsm: trigger " + id + " registered twice")
	}
	triggers[id] = fn
}

// Triggers returns the handler of every trigger in plugin.spec.yaml. A
// trigger declared in the spec whose handler has not been registered
// fails when started, saying so, instead of stopping the whole binary
// (the runtime refuses a plugin with a spec entry lacking a handler).
func Triggers() map[string]runtime.TriggerFunc {
	triggersMu.Lock()
	defer triggersMu.Unlock()
	out := make(map[string]runtime.TriggerFunc, len(triggers))
	for id, fn := range triggers {
		out[id] = fn
	}
	s, err := spec.ParseShared(iconhaloitsm.Spec)
	if err != nil {
		return out
	}
	for _, t := range s.Triggers {
		if _, ok := out[t.ID]; !ok {
			// TODO(triggers): the trigger handlers are written separately;
			// until one registers, the trigger reports it is unavailable.
			out[t.ID] = unavailableTrigger(t.ID)
		}
	}
	return out
}

func unavailableTrigger(id string) runtime.TriggerFunc {
	return func(context.Context, *runtime.Request, runtime.SendFunc) error {
		return exception.Custom(fmt.Sprintf("The %s trigger is not available in this build "+
			"of the plugin.", id), "Use a release of the plugin that includes triggers, or "+
			"use Parse Webhook with an API Trigger.", "")
	}
}

// Plugin returns the HaloITSM plugin for runtime.Main: the embedded
// plugin.spec.yaml, the connection, every action and trigger, and the
// smoke command.
func Plugin() runtime.Plugin { return newPlugin(Options{}) }

// newPlugin is Plugin with connection options (tests shorten the halo
// client's retry bound). Each call has its own metrics registry (see
// metrics.go), which HTTP mode serves at /metrics; in run mode nothing
// reads it and it costs a few idle collectors.
func newPlugin(opts Options) runtime.Plugin {
	reg, m, err := newRegistry()
	if err == nil {
		opts.metrics = m
	}
	connect := func(ctx context.Context, r *runtime.ConnectRequest) (runtime.Connection, error) {
		return connectWith(r, opts)
	}
	return runtime.Plugin{
		Spec:     iconhaloitsm.Spec,
		Connect:  connect,
		Actions:  withActionLogs(Actions()),
		Triggers: withTriggerLogs(Triggers()),
		Commands: []*cobra.Command{SmokeCommand()},
		Metrics:  reg,
	}
}
