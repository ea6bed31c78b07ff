package haloitsm

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/haloconnect/icon-haloitsm/halo"
	"github.com/haloconnect/icon-haloitsm/icon/runtime"
)

// Lookup actions, notes and people: list_statuses, list_teams,
// list_agents, list_ticket_types, list_priorities, list_categories,
// list_custom_fields, add_comment, list_ticket_notes, get_user and
// get_agent.

func listStatuses(ctx context.Context, r *runtime.Request) (any, error) {
	c := conn(r)
	l, err := c.statuses(ctx)
	if err != nil {
		return nil, failure(err, "the status list")
	}
	closedID, cerr := c.closedStatus(ctx, 0, "")
	if cerr != nil {
		r.Logger.Warn("no closed status found", "error", cerr.Error())
	}
	out := make([]any, 0, len(l))
	for _, s := range l {
		out = append(out, map[string]any{"id": int(s.ID), "name": s.Name,
			"closed": cerr == nil && int(s.ID) == closedID})
	}
	res := map[string]any{"statuses": out}
	if cerr == nil {
		res["closed_status_id"] = closedID
	}
	return res, nil
}

// listNamed is the handler of a lookup list given as id and name.
func listNamed(key, subject string, k lookupKind) runtime.ActionFunc {
	return func(ctx context.Context, r *runtime.Request) (any, error) {
		c := conn(r)
		items, err := k.items(ctx, c)
		if err != nil {
			return nil, failure(err, subject)
		}
		out := make([]any, 0, len(items))
		for _, it := range items {
			out = append(out, map[string]any{"id": it.ID, "name": it.Name})
		}
		return map[string]any{key: out}, nil
	}
}

func listAgents(ctx context.Context, r *runtime.Request) (any, error) {
	c := conn(r)
	var in struct {
		TeamName string `json:"team_name"`
	}
	if err := decode(r, &in); err != nil {
		return nil, failure(err, "the agent list")
	}
	var team string
	if strings.TrimSpace(in.TeamName) != "" {
		id, err := c.resolve(ctx, kindTeam, "team_name", 0, in.TeamName)
		if err != nil {
			return nil, failure(err, "the agent list")
		}
		team = c.nameOf(ctx, kindTeam, id)
	}
	l, err := c.agents(ctx)
	if err != nil {
		return nil, failure(err, "the agent list")
	}
	out := make([]any, 0, len(l))
	for _, a := range l {
		if team != "" && !strings.EqualFold(a.Team, team) {
			continue
		}
		m := map[string]any{"id": int(a.ID), "name": a.Name, "disabled": a.IsDisabled}
		if a.Email != "" {
			m["email"] = a.Email
		}
		if a.Team != "" {
			m["team"] = a.Team
		}
		out = append(out, m)
	}
	return map[string]any{"agents": out}, nil
}

func listCategories(ctx context.Context, r *runtime.Request) (any, error) {
	c := conn(r)
	var in struct {
		Level int `json:"level"`
	}
	if err := decode(r, &in); err != nil {
		return nil, failure(err, "the category list")
	}
	if in.Level < 0 || in.Level > 4 {
		return nil, failure(outOfRange("level", 0, 4, "level: %d is not between 0 and 4",
			in.Level), "the category list")
	}
	l, err := c.categories(ctx)
	if err != nil {
		return nil, failure(err, "the category list")
	}
	out := make([]any, 0, len(l))
	for _, cat := range l {
		if in.Level != 0 && int(cat.TypeID) != in.Level {
			continue
		}
		m := map[string]any{"id": int(cat.ID), "name": categoryName(cat)}
		if cat.TypeID != 0 {
			m["level"] = int(cat.TypeID)
		}
		out = append(out, m)
	}
	return map[string]any{"categories": out}, nil
}

func listCustomFields(ctx context.Context, r *runtime.Request) (any, error) {
	c := conn(r)
	l, err := c.fieldInfo(ctx)
	if err != nil {
		return nil, failure(err, "the custom field list")
	}
	out := make([]any, 0, len(l))
	for _, f := range l {
		m := map[string]any{"id": int(f.ID), "name": f.Name}
		if f.Label != "" {
			m["label"] = f.Label
		}
		if f.Type != 0 {
			m["type"] = int(f.Type)
		}
		out = append(out, m)
	}
	return map[string]any{"custom_fields": out}, nil
}

type addCommentInput struct {
	TicketID  int    `json:"ticket_id"`
	Comment   string `json:"comment"`
	IsPrivate bool   `json:"is_private"`
	Outcome   string `json:"outcome"`
}

// addComment records the comment as a Halo action with the note outcome;
// is_private hides it from the end user.
func addComment(ctx context.Context, r *runtime.Request) (any, error) {
	c := conn(r)
	var in addCommentInput
	if err := decode(r, &in); err != nil {
		return nil, failure(err, "the ticket")
	}
	id, err := c.addComment(ctx, in)
	if err != nil {
		return nil, failure(err, ticketSubject(in.TicketID))
	}
	return map[string]any{"success": true, "comment_id": id}, nil
}

func (c *Connection) addComment(ctx context.Context, in addCommentInput) (int, error) {
	if err := checkTicketID(in.TicketID); err != nil {
		return 0, err
	}
	if strings.TrimSpace(in.Comment) == "" {
		return 0, badInput("comment", "comment: must not be empty")
	}
	outcomeID, outcome, err := c.noteOutcome(ctx, in.Outcome)
	if err != nil {
		return 0, err
	}
	a, err := c.client.Actions.Create(ctx, halo.ActionCreate{
		TicketID: halo.ID(in.TicketID), OutcomeID: outcomeID, Outcome: outcome,
		Note: in.Comment, HiddenFromUser: in.IsPrivate,
	})
	if err != nil {
		return 0, err
	}
	return int(a.ID), nil
}

func listTicketNotes(ctx context.Context, r *runtime.Request) (any, error) {
	c := conn(r)
	in := struct {
		TicketID       int  `json:"ticket_id"`
		IncludePrivate bool `json:"include_private"`
	}{IncludePrivate: true}
	if err := decode(r, &in); err != nil {
		return nil, failure(err, "the ticket")
	}
	if err := checkTicketID(in.TicketID); err != nil {
		return nil, failure(err, "the ticket")
	}
	actions, err := c.client.Actions.List(ctx, halo.ID(in.TicketID),
		halo.ActionListOptions{ExcludePrivate: !in.IncludePrivate})
	if err != nil {
		return nil, failure(err, ticketSubject(in.TicketID))
	}
	notes := make([]any, 0, len(actions))
	for _, a := range actions {
		if !in.IncludePrivate && a.HiddenFromUser {
			continue
		}
		notes = append(notes, c.noteOutput(ctx, a))
	}
	return map[string]any{"notes": notes, "count": len(notes)}, nil
}

// noteOutput turns a Halo action into the spec's note type.
func (c *Connection) noteOutput(ctx context.Context, a halo.Action) map[string]any {
	m := map[string]any{"id": int(a.ID), "private": a.HiddenFromUser}
	if a.TicketID != 0 {
		m["ticket_id"] = int(a.TicketID)
	}
	note := a.Note
	if note == "" {
		note = a.NoteHTML
	}
	if note != "" {
		m["note"] = note
	}
	if a.Outcome != "" {
		m["outcome"] = a.Outcome
	}
	if a.OutcomeID != 0 {
		m["outcome_id"] = int(a.OutcomeID)
		if a.Outcome == "" {
			if n := c.nameOf(ctx, kindOutcome, int(a.OutcomeID)); n != "" {
				m["outcome"] = n
			}
		}
	}
	if a.Who != "" {
		m["who"] = a.Who
	}
	when := a.DateTime
	if when.IsZero() {
		when = a.DateCreated
	}
	if !when.IsZero() {
		m["date"] = when.UTC().Format("2006-01-02T15:04:05Z07:00")
	}
	if a.OldStatus != 0 {
		m["old_status_id"] = int(a.OldStatus)
	}
	if a.NewStatus != 0 {
		m["new_status_id"] = int(a.NewStatus)
		name := a.NewStatusName
		if name == "" {
			name = c.nameOf(ctx, kindStatus, int(a.NewStatus))
		}
		if name != "" {
			m["new_status_name"] = name
		}
	}
	return m
}

func getUser(ctx context.Context, r *runtime.Request) (any, error) {
	c := conn(r)
	var in struct {
		UserID int `json:"user_id"`
	}
	if err := decode(r, &in); err != nil {
		return nil, failure(err, "the user")
	}
	subject := fmt.Sprintf("User %d", in.UserID)
	if in.UserID == 0 {
		return nil, failure(badInput("user_id", "user_id: must not be 0"), subject)
	}
	u, err := c.client.Lookups.User(ctx, halo.ID(in.UserID))
	if err != nil {
		return nil, failure(err, subject)
	}
	obj, err := asObject(u)
	if err != nil {
		return nil, failure(err, subject)
	}
	return map[string]any{"user": obj, "success": true}, nil
}

func getAgent(ctx context.Context, r *runtime.Request) (any, error) {
	c := conn(r)
	var in struct {
		AgentID int `json:"agent_id"`
	}
	if err := decode(r, &in); err != nil {
		return nil, failure(err, "the agent")
	}
	subject := fmt.Sprintf("Agent %d", in.AgentID)
	if in.AgentID <= 0 {
		return nil, failure(badInput("agent_id", "agent_id: %d is not an agent ID", in.AgentID),
			subject)
	}
	a, err := c.client.Lookups.Agent(ctx, halo.ID(in.AgentID))
	if err != nil {
		return nil, failure(err, subject)
	}
	obj, err := asObject(a)
	if err != nil {
		return nil, failure(err, subject)
	}
	return map[string]any{"agent": obj, "success": true}, nil
}

// asObject re-encodes a Halo record (with every property Halo sent) as a
// JSON object.
func asObject(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}
