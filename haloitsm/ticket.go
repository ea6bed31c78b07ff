package haloitsm

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/haloconnect/icon-haloitsm/halo"
)

// ticketOutput turns a Halo ticket into the spec's ticket type. Names
// missing from Halo's answer (a create or update answer carries ids only)
// are filled in from the cached lookups; a lookup failure leaves the name
// out rather than failing the action. withDetails false leaves out the
// description and custom fields.
func (c *Connection) ticketOutput(ctx context.Context, t *halo.Ticket,
	withDetails bool) map[string]any {
	out := map[string]any{}
	setInt := func(k string, v halo.ID) {
		if v != 0 {
			out[k] = int(v)
		}
	}
	setStr := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			out[k] = v
		}
	}
	setTime := func(k string, v halo.Time) {
		if !v.IsZero() {
			out[k] = v.UTC().Format(time.RFC3339)
		}
	}
	orName := func(have string, k lookupKind, id halo.ID) string {
		if strings.TrimSpace(have) != "" || id == 0 {
			return have
		}
		return c.nameOf(ctx, k, int(id))
	}

	setInt("id", t.ID)
	setStr("summary", t.Summary)
	if withDetails {
		details := t.Details
		if details == "" {
			details = t.DetailsHTML
		}
		setStr("details", details)
	}
	setInt("tickettype_id", t.TicketTypeID)
	setStr("tickettype_name", orName(t.TicketTypeName, kindTicketType, t.TicketTypeID))
	setInt("status_id", t.StatusID)
	setStr("status_name", orName(t.StatusName, kindStatus, t.StatusID))
	setInt("priority_id", t.PriorityID)
	setStr("priority_name", orName(t.PriorityName, kindPriority, t.PriorityID))

	catID := extraID(t.Extra, "categoryid_1")
	setInt("category_id", catID)
	setStr("category_name", orName(t.Category1, kindCategory, catID))

	setInt("agent_id", t.AgentID)
	if t.AgentID != 0 {
		name, email := c.agentNameEmail(ctx, int(t.AgentID))
		if t.AgentName != "" {
			name = t.AgentName
		}
		setStr("agent_name", name)
		setStr("agent_email", email)
	}

	teamID := t.TeamID
	if teamID == 0 && t.Team != "" {
		if id, err := c.resolve(ctx, kindTeam, "team", 0, t.Team); err == nil {
			teamID = halo.ID(id)
		}
	}
	setInt("team_id", teamID)
	setStr("team_name", orName(t.Team, kindTeam, teamID))

	setInt("client_id", t.ClientID)
	setStr("client_name", t.ClientName)
	setInt("site_id", t.SiteID)
	setStr("site_name", t.SiteName)
	setInt("user_id", t.UserID)
	setStr("user_name", t.UserName)
	setStr("user_email", t.UserEmail)

	setTime("dateoccurred", t.DateOccurred)
	created := t.DateCreated
	if created.IsZero() {
		created = t.DateOccurred
	}
	setTime("datecreated", created)
	updated := t.LastUpdate
	if updated.IsZero() {
		updated = t.LastActionDate
	}
	setTime("datemodified", updated)
	setTime("last_update", updated)
	setTime("dateclosed", t.DateClosed)
	out["hasbeenclosed"] = t.HasBeenClosed
	setStr("closure_note", t.ClosureNote)

	if withDetails {
		cfs := make([]any, 0, len(t.CustomFields))
		for _, f := range t.CustomFields {
			m := map[string]any{}
			if f.ID != 0 {
				m["id"] = int(f.ID)
			}
			if f.Name != "" {
				m["name"] = f.Name
			}
			if f.Label != "" {
				m["label"] = f.Label
			}
			if len(f.Value) > 0 {
				var v any
				if json.Unmarshal(f.Value, &v) == nil {
					m["value"] = v
				}
			}
			if f.Display != "" {
				m["display"] = string(f.Display)
			}
			cfs = append(cfs, m)
		}
		out["customfields"] = cfs
	}
	if t.ID != 0 {
		out["url"] = c.agentLink(int(t.ID))
	}
	// The halo client stamps every created ticket's key into this field
	// (halo.DefaultIdempotencyField); Search Tickets can filter on it.
	setStr("idempotency_key", t.Rapid7TicketRRN)
	return out
}

// agentNameEmail returns the name and email of agent id from the cached
// agent list ("" when unknown).
func (c *Connection) agentNameEmail(ctx context.Context, id int) (string, string) {
	agents, err := c.agents(ctx)
	if err != nil {
		return "", ""
	}
	for _, a := range agents {
		if int(a.ID) == id {
			return a.Name, a.Email
		}
	}
	return "", ""
}

// extraID reads an id Halo sent in a property the halo.Ticket type does
// not name.
func extraID(extra map[string]json.RawMessage, key string) halo.ID {
	raw, ok := extra[key]
	if !ok {
		return 0
	}
	var id halo.ID
	if json.Unmarshal(raw, &id) != nil || id < 0 {
		return 0
	}
	return id
}
