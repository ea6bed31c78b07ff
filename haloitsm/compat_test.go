package haloitsm

import (
	"strings"
	"testing"

	iconhaloitsm "github.com/haloconnect/icon-haloitsm"
	"github.com/haloconnect/icon-haloitsm/icon/spec"
)

// predecessor is the declared interface of the Python plugin haloitsm
// 2.1.4 that this plugin replaces: "id type required" per parameter.
// Every entry must still exist with the same type and requiredness, or
// workflows built on 2.1.4 break.
var predecessor = map[string][]string{
	"connection": {"client_id string true", "client_secret credential_secret_key true",
		"authorization_server string true", "resource_server string true",
		"tenant string true", "ssl_verify boolean false", "default_ticket_type_id integer false",
		"default_priority_id integer false", "default_team_id integer false",
		"default_agent_id integer false", "default_category_id integer false"},
	"action create_ticket input": {"summary string true", "details string true",
		"tickettype_id integer false", "priority_id integer false", "status_id integer false",
		"category_id integer false", "agent_id integer false", "team_id integer false",
		"site_id integer false", "user_id integer false", "customfields []object false"},
	"action create_ticket output": {"ticket ticket true", "success boolean true"},
	"action update_ticket input": {"ticket_id integer true", "summary string false",
		"details string false", "status_id integer false", "priority_id integer false",
		"agent_id integer false", "customfields []object false"},
	"action update_ticket output": {"ticket ticket true", "success boolean true"},
	"action close_ticket input": {"ticket_id integer true", "resolution string false",
		"closed_status_id integer false"},
	"action close_ticket output":   {"ticket ticket true", "success boolean true"},
	"action get_ticket input":      {"ticket_id integer true", "include_details boolean false"},
	"action get_ticket output":     {"ticket ticket true", "found boolean true"},
	"action search_tickets input":  {"summary_contains string false", "status_id integer false", "agent_id integer false", "team_id integer false", "priority_id integer false", "created_after date false", "created_before date false", "max_results integer false"},
	"action search_tickets output": {"tickets []ticket true", "count integer true"},
	"action add_comment input": {"ticket_id integer true", "comment string true",
		"is_private boolean false"},
	"action add_comment output": {"success boolean true", "comment_id integer false"},
	"action assign_ticket input": {"ticket_id integer true", "agent_id integer false",
		"team_id integer false", "notify boolean false"},
	"action assign_ticket output":   {"ticket ticket true", "success boolean true"},
	"action get_user input":         {"user_id integer true"},
	"action get_user output":        {"user object true", "success boolean true"},
	"action get_agent input":        {"agent_id integer true"},
	"action get_agent output":       {"agent object true", "success boolean true"},
	"trigger ticket_created input":  {"tickettype_id integer false", "priority_id integer false"},
	"trigger ticket_created output": {"ticket ticket true"},
	"trigger ticket_updated input": {"ticket_id integer false",
		"status_changed boolean false"},
	"trigger ticket_updated output": {"ticket ticket true",
		"previous_status_id integer false"},
	"trigger ticket_status_changed input": {"ticket_id integer false",
		"new_status_id integer false"},
	"trigger ticket_status_changed output": {"ticket ticket true",
		"old_status_id integer true", "new_status_id integer true"},
	"type ticket": {"id integer false", "summary string false", "details string false",
		"tickettype_id integer false", "status_id integer false", "status_name string false",
		"priority_id integer false", "priority_name string false", "category_id integer false",
		"agent_id integer false", "agent_name string false", "agent_email string false",
		"team_id integer false", "team_name string false", "site_id integer false",
		"user_id integer false", "user_name string false", "dateoccurred date false",
		"datecreated date false", "datemodified date false", "customfields []object false",
		"url string false"},
}

// predecessorDefaults are the 2.1.4 defaults kept; close_ticket's
// closed_status_id default (5) was a defect and is deliberately gone.
var predecessorDefaults = map[string]any{
	"connection ssl_verify":                       true,
	"action create_ticket input status_id":        1,
	"action get_ticket input include_details":     true,
	"action search_tickets input max_results":     50,
	"action add_comment input is_private":         false,
	"action assign_ticket input notify":           true,
	"trigger ticket_updated input status_changed": false,
}

func TestSpecKeepsPredecessorInterface(t *testing.T) {
	t.Parallel()
	s, err := spec.Parse(iconhaloitsm.Spec)
	if err != nil {
		t.Fatal(err)
	}
	params := map[string][]spec.Param{"connection": s.Connection}
	for _, c := range s.Actions {
		params["action "+c.ID+" input"] = c.Input
		params["action "+c.ID+" output"] = c.Output
	}
	for _, c := range s.Triggers {
		params["trigger "+c.ID+" input"] = c.Input
		params["trigger "+c.ID+" output"] = c.Output
	}
	for _, ty := range s.Types {
		params["type "+ty.Name] = ty.Fields
	}

	for where, want := range predecessor {
		have := map[string]spec.Param{}
		for _, p := range params[where] {
			have[p.ID] = p
		}
		for _, w := range want {
			f := strings.Fields(w)
			p, ok := have[f[0]]
			switch {
			case !ok:
				t.Errorf("%s: %s is missing", where, f[0])
			case p.Type != f[1]:
				t.Errorf("%s: %s has type %s, predecessor %s", where, f[0], p.Type, f[1])
			case (f[2] == "true") != p.Required:
				t.Errorf("%s: %s required = %v, predecessor %s", where, f[0], p.Required, f[2])
			}
		}
		// New inputs must be optional, or old workflows stop validating.
		if strings.HasSuffix(where, "input") || where == "connection" {
			old := map[string]bool{}
			for _, w := range want {
				old[strings.Fields(w)[0]] = true
			}
			for _, p := range params[where] {
				if !old[p.ID] && p.Required {
					t.Errorf("%s: new parameter %s is required", where, p.ID)
				}
			}
		}
	}

	for key, want := range predecessorDefaults {
		where, id := key[:strings.LastIndexByte(key, ' ')], key[strings.LastIndexByte(key, ' ')+1:]
		for _, p := range params[where] {
			if p.ID == id && (!p.HasDefault || p.Default != want) {
				t.Errorf("%s: %s default = %v, predecessor %v", where, id, p.Default, want)
			}
		}
	}
	for _, p := range params["action close_ticket input"] {
		if p.ID == "closed_status_id" && p.HasDefault {
			t.Errorf("close_ticket closed_status_id has default %v; the closed status must "+
				"be discovered", p.Default)
		}
	}
}
