package haloitsm

import (
	"context"
	"maps"
	"sync"

	"github.com/spf13/cobra"

	iconhaloitsm "github.com/haloconnect/icon-haloitsm"
	"github.com/haloconnect/icon-haloitsm/icon/runtime"
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

// Triggers returns the handler of every trigger, as the trigger files of
// this package registered them. The runtime fails a trigger the spec
// declares but no handler serves as not implemented;
// TestSpecStepsHaveHandlers keeps such a build from being made.
func Triggers() map[string]runtime.TriggerFunc {
	triggersMu.Lock()
	defer triggersMu.Unlock()
	return maps.Clone(triggers)
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
