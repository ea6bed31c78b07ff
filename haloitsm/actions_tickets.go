package haloitsm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/haloconnect/icon-haloitsm/halo"
	"github.com/haloconnect/icon-haloitsm/icon/runtime"
)

// Ticket actions: create, update, get, search, close, reopen, assign and
// delete. Each handler decodes its input, resolves names to ids through
// the connection's cached lookups, makes its Halo calls and returns the
// spec's output; every error goes through failure.

// conn returns the request's connection bound to its logger.
func conn(r *runtime.Request) *Connection {
	c := r.Conn.(*Connection)
	c.bind(r.Logger)
	return c
}

// decode reads the request's input into v.
func decode(r *runtime.Request, v any) error {
	if err := r.Decode(v); err != nil {
		return badInput("input", "the input could not be read: %v", err)
	}
	return nil
}

// inputHandler builds the handler of an action whose work is a
// Connection method: it decodes the input over a copy of defaults, runs
// do, and maps any error with failure. decodeSubject names what the step
// works on when its input cannot be read; subject names it from the
// decoded input.
func inputHandler[In any](defaults In, decodeSubject string, subject func(In) string,
	do func(*Connection, context.Context, In) (map[string]any, error)) runtime.ActionFunc {
	return func(ctx context.Context, r *runtime.Request) (any, error) {
		c := conn(r)
		in := defaults
		if err := decode(r, &in); err != nil {
			return nil, failure(err, decodeSubject)
		}
		out, err := do(c, ctx, in)
		if err != nil {
			return nil, failure(err, subject(in))
		}
		return out, nil
	}
}

// fixedSubject is a subject that does not depend on the input.
func fixedSubject[In any](subject string) func(In) string {
	return func(In) string { return subject }
}

// ticketIDSubject names the ticket an input's TicketID points at.
func ticketIDSubject[In interface{ ticketID() int }](in In) string {
	return ticketSubject(in.ticketID())
}

func ticketSubject(id int) string { return fmt.Sprintf("Ticket %d", id) }

func checkTicketID(id int) error {
	if id <= 0 {
		return badInput("ticket_id", "ticket_id: %d is not a ticket number; give a positive ID", id)
	}
	return nil
}

type createTicketInput struct {
	Summary        string           `json:"summary"`
	Details        string           `json:"details"`
	TicketTypeID   int              `json:"tickettype_id"`
	TicketTypeName string           `json:"tickettype_name"`
	PriorityID     int              `json:"priority_id"`
	PriorityName   string           `json:"priority_name"`
	StatusID       int              `json:"status_id"`
	StatusName     string           `json:"status_name"`
	CategoryID     int              `json:"category_id"`
	CategoryName   string           `json:"category_name"`
	AgentID        int              `json:"agent_id"`
	AgentName      string           `json:"agent_name"`
	TeamID         int              `json:"team_id"`
	TeamName       string           `json:"team_name"`
	ClientID       int              `json:"client_id"`
	SiteID         int              `json:"site_id"`
	UserID         int              `json:"user_id"`
	CustomFields   []map[string]any `json:"customfields"`
	IdempotencyKey string           `json:"idempotency_key"`
}

var createTicket = inputHandler(createTicketInput{}, "the new ticket",
	fixedSubject[createTicketInput]("the new ticket"), (*Connection).createTicket)

func (c *Connection) createTicket(ctx context.Context, in createTicketInput) (map[string]any,
	error) {
	if strings.TrimSpace(in.Summary) == "" {
		return nil, badInput("summary", "summary: must not be empty")
	}
	d := c.params
	tc := halo.TicketCreate{
		Summary:        in.Summary,
		Details:        in.Details,
		ClientID:       halo.ID(orDefault(in.ClientID, d.DefaultClientID)),
		SiteID:         halo.ID(orDefault(in.SiteID, d.DefaultSiteID)),
		UserID:         halo.ID(in.UserID),
		IdempotencyKey: strings.TrimSpace(in.IdempotencyKey),
		Fields:         map[string]any{},
	}
	var err error
	var id int
	if id, err = c.resolve(ctx, kindTicketType, "tickettype_name",
		orDefault(in.TicketTypeID, d.DefaultTicketTypeID), in.TicketTypeName); err != nil {
		return nil, err
	}
	tc.TicketTypeID = halo.ID(id)
	if id, err = c.resolve(ctx, kindPriority, "priority_name",
		orDefault(in.PriorityID, d.DefaultPriorityID), in.PriorityName); err != nil {
		return nil, err
	}
	tc.PriorityID = halo.ID(id)
	if id, err = c.resolve(ctx, kindStatus, "status_name", in.StatusID, in.StatusName); err != nil {
		return nil, err
	}
	tc.StatusID = halo.ID(id)
	if id, err = c.resolve(ctx, kindAgent, "agent_name",
		orDefault(in.AgentID, d.DefaultAgentID), in.AgentName); err != nil {
		return nil, err
	}
	tc.AgentID = halo.ID(id)

	team, err := c.teamFor(ctx, orDefault(in.TeamID, d.DefaultTeamID), in.TeamName)
	if err != nil {
		return nil, err
	}
	tc.Team = team
	catID, catName, err := c.categoryFor(ctx, orDefault(in.CategoryID, d.DefaultCategoryID),
		in.CategoryName)
	if err != nil {
		return nil, err
	}
	if catID != 0 {
		tc.Category1 = catName
		tc.Fields["categoryid_1"] = catID
	}
	if tc.CustomFields, err = c.customFields(ctx, in.CustomFields); err != nil {
		return nil, err
	}

	t, err := c.client.Tickets.Create(ctx, tc)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ticket": c.ticketOutput(ctx, t, true), "success": true}, nil
}

func orDefault(v, def int) int {
	if v != 0 {
		return v
	}
	return def
}

// teamFor returns the team name tickets are written with, from a team
// id or name ("" when neither is set).
func (c *Connection) teamFor(ctx context.Context, id int, name string) (string, error) {
	if strings.TrimSpace(name) != "" {
		id, err := c.resolve(ctx, kindTeam, "team_name", 0, name)
		if err != nil {
			return "", err
		}
		return c.teamName(ctx, "team_name", id)
	}
	if id == 0 {
		return "", nil
	}
	return c.teamName(ctx, "team_id", id)
}

// categoryFor resolves a first-level category by id or name to its id
// and name (0 and "" when neither is set).
func (c *Connection) categoryFor(ctx context.Context, id int, name string) (int, string, error) {
	id, err := c.resolve(ctx, kindCategory, "category_name", id, name)
	if err != nil || id == 0 {
		return 0, "", err
	}
	n := c.nameOf(ctx, kindCategory, id)
	if n == "" {
		return 0, "", unknownInput("category_id", "category",
			"category_id: HaloITSM has no category with ID %d", id)
	}
	return id, n, nil
}

// customFields checks custom field items ({name or id, value}) against
// Halo's custom field definitions. When the definitions cannot be read
// for lack of permission, the items are sent unchecked.
func (c *Connection) customFields(ctx context.Context,
	items []map[string]any) ([]halo.CustomFieldValue, error) {
	if len(items) == 0 {
		return nil, nil
	}
	defs, err := c.fieldInfo(ctx)
	checked := true
	if errors.Is(err, halo.ErrForbidden) {
		checked = false
	} else if err != nil {
		return nil, err
	}
	var byID []named
	for _, d := range defs {
		byID = append(byID, named{ID: int(d.ID), Name: d.Name, Aliases: []string{d.Label}})
	}

	out := make([]halo.CustomFieldValue, 0, len(items))
	for i, it := range items {
		field := fmt.Sprintf("customfields[%d]", i)
		value, hasValue := it["value"]
		if !hasValue {
			return nil, badInput("customfields", "%s: has no value", field)
		}
		name, _ := it["name"].(string)
		var id int
		switch v := it["id"].(type) {
		case float64:
			id = int(v)
			if float64(id) != v || id <= 0 {
				return nil, badInput("customfields", "%s: id %v is not a custom field ID", field, v)
			}
		case nil:
		default:
			return nil, badInput("customfields", "%s: id must be a number", field)
		}
		if id == 0 && strings.TrimSpace(name) == "" {
			return nil, badInput("customfields", "%s: give the custom field's name or id", field)
		}
		if !checked {
			out = append(out, halo.CustomFieldValue{ID: halo.ID(id), Name: name, Value: value})
			continue
		}
		if name != "" {
			rid, err := resolveName("custom field", "customfields", name, byID)
			if err != nil {
				return nil, unknownInput("customfields", "custom field", "%s: %v", field, err)
			}
			id = rid
		} else if !hasID(byID, id) {
			return nil, unknownInput("customfields", "custom field",
				"%s: HaloITSM has no custom field with ID %d", field, id)
		}
		out = append(out, halo.CustomFieldValue{ID: halo.ID(id), Value: value})
	}
	return out, nil
}

func hasID(items []named, id int) bool {
	for _, it := range items {
		if it.ID == id {
			return true
		}
	}
	return false
}

type updateTicketInput struct {
	TicketID       int              `json:"ticket_id"`
	Summary        string           `json:"summary"`
	Details        string           `json:"details"`
	StatusID       int              `json:"status_id"`
	StatusName     string           `json:"status_name"`
	PriorityID     int              `json:"priority_id"`
	PriorityName   string           `json:"priority_name"`
	AgentID        int              `json:"agent_id"`
	AgentName      string           `json:"agent_name"`
	TeamID         int              `json:"team_id"`
	TeamName       string           `json:"team_name"`
	TicketTypeID   int              `json:"tickettype_id"`
	TicketTypeName string           `json:"tickettype_name"`
	CategoryID     int              `json:"category_id"`
	CategoryName   string           `json:"category_name"`
	CustomFields   []map[string]any `json:"customfields"`
}

func (in updateTicketInput) ticketID() int { return in.TicketID }

var updateTicket = inputHandler(updateTicketInput{}, "the ticket",
	ticketIDSubject[updateTicketInput], (*Connection).updateTicket)

func (c *Connection) updateTicket(ctx context.Context, in updateTicketInput) (map[string]any,
	error) {
	if err := checkTicketID(in.TicketID); err != nil {
		return nil, err
	}
	fields := map[string]any{}
	if in.Summary != "" {
		fields["summary"] = in.Summary
	}
	if in.Details != "" {
		fields["details"] = in.Details
	}
	refs := []struct {
		kind      lookupKind
		nameField string
		id        int
		name      string
		wire      string
	}{
		{kindStatus, "status_name", in.StatusID, in.StatusName, "status_id"},
		{kindPriority, "priority_name", in.PriorityID, in.PriorityName, "priority_id"},
		{kindAgent, "agent_name", in.AgentID, in.AgentName, "agent_id"},
		{kindTicketType, "tickettype_name", in.TicketTypeID, in.TicketTypeName, "tickettype_id"},
	}
	for _, ref := range refs {
		id, err := c.resolve(ctx, ref.kind, ref.nameField, ref.id, ref.name)
		if err != nil {
			return nil, err
		}
		if id != 0 {
			fields[ref.wire] = id
		}
	}
	team, err := c.teamFor(ctx, in.TeamID, in.TeamName)
	if err != nil {
		return nil, err
	}
	if team != "" {
		fields["team"] = team
	}
	catID, catName, err := c.categoryFor(ctx, in.CategoryID, in.CategoryName)
	if err != nil {
		return nil, err
	}
	if catID != 0 {
		fields["category_1"], fields["categoryid_1"] = catName, catID
	}
	cfs, err := c.customFields(ctx, in.CustomFields)
	if err != nil {
		return nil, err
	}
	if len(cfs) > 0 {
		fields["customfields"] = cfs
	}
	if len(fields) == 0 {
		return nil, badInput("input", "nothing to update: give at least one field to change "+
			"(summary, details, status, priority, agent, team, ticket type, category or "+
			"custom fields)")
	}

	t, err := c.updateExisting(ctx, in.TicketID, fields)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ticket": c.ticketOutput(ctx, t, true), "success": true}, nil
}

// updateExisting updates a ticket that must already exist. Halo's write
// endpoint creates a ticket when the id is unknown on some versions, so
// the ticket is read first; that read also turns a wrong id into a clear
// not-found error. The answer of the update is returned when it is a full
// ticket, else the ticket is read again.
func (c *Connection) updateExisting(ctx context.Context, id int,
	fields map[string]any) (*halo.Ticket, error) {
	if _, err := c.client.Tickets.Get(ctx, halo.ID(id), false); err != nil {
		return nil, err
	}
	t, err := c.client.Tickets.Update(ctx, halo.ID(id), fields)
	if err != nil {
		return nil, err
	}
	if t.ID == halo.ID(id) && t.Summary != "" {
		return t, nil
	}
	return c.client.Tickets.Get(ctx, halo.ID(id), true)
}

type getTicketInput struct {
	TicketID       int  `json:"ticket_id"`
	IncludeDetails bool `json:"include_details"`
}

func getTicket(ctx context.Context, r *runtime.Request) (any, error) {
	c := conn(r)
	in := getTicketInput{IncludeDetails: true}
	if err := decode(r, &in); err != nil {
		return nil, failure(err, "the ticket")
	}
	if err := checkTicketID(in.TicketID); err != nil {
		return nil, failure(err, "the ticket")
	}
	t, err := c.client.Tickets.Get(ctx, halo.ID(in.TicketID), in.IncludeDetails)
	if errors.Is(err, halo.ErrNotFound) {
		r.Logger.Info("ticket not found", "ticket_id", in.TicketID)
		return map[string]any{"ticket": map[string]any{}, "found": false}, nil
	}
	if err != nil {
		return nil, failure(err, ticketSubject(in.TicketID))
	}
	return map[string]any{"ticket": c.ticketOutput(ctx, t, in.IncludeDetails), "found": true},
		nil
}

type searchTicketsInput struct {
	SummaryContains string `json:"summary_contains"`
	Search          string `json:"search"`
	State           string `json:"state"`
	StatusID        int    `json:"status_id"`
	StatusName      string `json:"status_name"`
	AgentID         int    `json:"agent_id"`
	AgentName       string `json:"agent_name"`
	TeamID          int    `json:"team_id"`
	TeamName        string `json:"team_name"`
	PriorityID      int    `json:"priority_id"`
	PriorityName    string `json:"priority_name"`
	TicketTypeID    int    `json:"tickettype_id"`
	TicketTypeName  string `json:"tickettype_name"`
	ClientID        int    `json:"client_id"`
	UserID          int    `json:"user_id"`
	CreatedAfter    string `json:"created_after"`
	CreatedBefore   string `json:"created_before"`
	UpdatedAfter    string `json:"updated_after"`
	UpdatedBefore   string `json:"updated_before"`
	OrderBy         string `json:"order_by"`
	OrderDescending bool   `json:"order_descending"`
	MaxResults      int    `json:"max_results"`
	IdempotencyKey  string `json:"idempotency_key"`
}

// maxSearchResults bounds search_tickets: 100 pages of 100.
const maxSearchResults = 10000

// orderFields maps the order_by enum to Halo's order parameter.
var orderFields = map[string]string{
	"id": "id", "datecreated": "dateoccurred", "last_update": "last_update",
	"priority": "priority_id", "status": "status_id", "summary": "summary",
}

var searchTickets = inputHandler(searchTicketsInput{MaxResults: 50, OrderDescending: true}, "the ticket search",
	fixedSubject[searchTicketsInput]("the ticket search"), (*Connection).searchTickets)

func (c *Connection) searchTickets(ctx context.Context, in searchTicketsInput) (map[string]any,
	error) {
	if in.MaxResults < 1 || in.MaxResults > maxSearchResults {
		return nil, outOfRange("max_results", 1, maxSearchResults,
			"max_results: %d is outside 1 to %d", in.MaxResults, maxSearchResults)
	}
	opts := halo.TicketListOptions{
		Search:        strings.TrimSpace(in.Search),
		SearchSummary: strings.TrimSpace(in.SummaryContains),
		ClientID:      halo.ID(in.ClientID),
		UserID:        halo.ID(in.UserID),
		OrderDesc:     in.OrderDescending,
		Max:           in.MaxResults,
	}
	switch in.State {
	case "", "any":
	case "open":
		opts.OpenOnly = true
	case "closed":
		opts.ClosedOnly = true
	default:
		return nil, badInput("state", "state: %q is not one of any, open or closed", in.State)
	}
	orderBy := in.OrderBy
	if orderBy == "" {
		orderBy = "id"
	}
	order, ok := orderFields[orderBy]
	if !ok {
		return nil, badInput("order_by", "order_by: %q is not one of id, datecreated, "+
			"last_update, priority, status or summary", in.OrderBy)
	}
	opts.Order = order

	one := func(k lookupKind, nameField string, id int, name string) ([]halo.ID, error) {
		id, err := c.resolve(ctx, k, nameField, id, name)
		if err != nil || id == 0 {
			return nil, err
		}
		return []halo.ID{halo.ID(id)}, nil
	}
	var err error
	if opts.StatusIDs, err = one(kindStatus, "status_name", in.StatusID, in.StatusName); err != nil {
		return nil, err
	}
	if opts.AgentIDs, err = one(kindAgent, "agent_name", in.AgentID, in.AgentName); err != nil {
		return nil, err
	}
	if opts.TeamIDs, err = one(kindTeam, "team_name", in.TeamID, in.TeamName); err != nil {
		return nil, err
	}
	if opts.PriorityIDs, err = one(kindPriority, "priority_name", in.PriorityID,
		in.PriorityName); err != nil {
		return nil, err
	}
	if opts.TicketTypeIDs, err = one(kindTicketType, "tickettype_name", in.TicketTypeID,
		in.TicketTypeName); err != nil {
		return nil, err
	}
	dates := []struct {
		field string
		raw   string
		dst   *time.Time
	}{
		{"created_after", in.CreatedAfter, &opts.StartDate},
		{"created_before", in.CreatedBefore, &opts.EndDate},
		{"updated_after", in.UpdatedAfter, &opts.LastUpdateFrom},
		{"updated_before", in.UpdatedBefore, &opts.LastUpdateTo},
	}
	for _, d := range dates {
		if d.raw == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, d.raw)
		if err != nil {
			return nil, badInput(d.field, "%s: %q is not an RFC 3339 date-time "+
				"(e.g. 2025-01-31T00:00:00Z)", d.field, d.raw)
		}
		*d.dst = t
	}
	if !opts.StartDate.IsZero() && !opts.EndDate.IsZero() && !opts.StartDate.Before(opts.EndDate) {
		return nil, badInput("created_before", "created_before must be later than created_after")
	}

	// Halo documents no list filter on the idempotency field, so the key
	// is compared here, over the tickets the other filters return.
	key := strings.TrimSpace(in.IdempotencyKey)
	tickets := []any{}
	for t, err := range c.client.Tickets.List(ctx, opts) {
		if err != nil {
			return nil, err
		}
		if key != "" && strings.TrimSpace(t.Rapid7TicketRRN) != key {
			continue
		}
		tickets = append(tickets, c.ticketOutput(ctx, &t, true))
	}
	return map[string]any{"tickets": tickets, "count": len(tickets)}, nil
}

type closeTicketInput struct {
	TicketID         int    `json:"ticket_id"`
	Resolution       string `json:"resolution"`
	ClosedStatusID   int    `json:"closed_status_id"`
	ClosedStatusName string `json:"closed_status_name"`
	IsPrivate        bool   `json:"is_private"`
}

func (in closeTicketInput) ticketID() int { return in.TicketID }

var closeTicket = inputHandler(closeTicketInput{}, "the ticket",
	ticketIDSubject[closeTicketInput], (*Connection).closeTicket)

// closeTicket records the resolution as an action that also moves the
// ticket to the closed status, leaving the ticket's details untouched.
func (c *Connection) closeTicket(ctx context.Context, in closeTicketInput) (map[string]any,
	error) {
	if err := checkTicketID(in.TicketID); err != nil {
		return nil, err
	}
	closedID, err := c.closedStatus(ctx, in.ClosedStatusID, in.ClosedStatusName)
	if err != nil {
		return nil, err
	}
	return c.moveWithNote(ctx, in.TicketID, closedID, in.Resolution,
		"Closed by InsightConnect", in.IsPrivate)
}

// moveWithNote moves ticket id to status with a note action (note, else
// fallback) in the connection's note outcome, and returns the ticket as
// it is afterwards with the note's id. The ticket is read first so that
// a wrong id fails as not found before anything is written.
func (c *Connection) moveWithNote(ctx context.Context, id, status int, note,
	fallback string, private bool) (map[string]any, error) {
	if _, err := c.client.Tickets.Get(ctx, halo.ID(id), false); err != nil {
		return nil, err
	}
	outcomeID, outcome, err := c.noteOutcome(ctx, "")
	if err != nil {
		return nil, err
	}
	if note = strings.TrimSpace(note); note == "" {
		note = fallback
	}
	a, err := c.client.Actions.Create(ctx, halo.ActionCreate{
		TicketID: halo.ID(id), OutcomeID: outcomeID, Outcome: outcome,
		Note: note, HiddenFromUser: private, NewStatus: halo.ID(status),
	})
	if err != nil {
		return nil, err
	}
	t, err := c.client.Tickets.Get(ctx, halo.ID(id), true)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ticket": c.ticketOutput(ctx, t, true), "success": true,
		"note_id": int(a.ID)}, nil
}

type reopenTicketInput struct {
	TicketID   int    `json:"ticket_id"`
	Note       string `json:"note"`
	StatusID   int    `json:"status_id"`
	StatusName string `json:"status_name"`
}

func (in reopenTicketInput) ticketID() int { return in.TicketID }

var reopenTicket = inputHandler(reopenTicketInput{}, "the ticket",
	ticketIDSubject[reopenTicketInput], (*Connection).reopenTicket)

func (c *Connection) reopenTicket(ctx context.Context, in reopenTicketInput) (map[string]any,
	error) {
	if err := checkTicketID(in.TicketID); err != nil {
		return nil, err
	}
	statusID, err := c.resolve(ctx, kindStatus, "status_name", in.StatusID, in.StatusName)
	if err != nil {
		return nil, err
	}
	if statusID == 0 {
		if statusID, err = c.reopenStatus(ctx); err != nil {
			return nil, err
		}
	}
	if closedID, err := c.closedStatus(ctx, 0, ""); err == nil && closedID == statusID {
		return nil, unknownInput("status_name", "status", "status %q is the closed status; "+
			"choose an open status to reopen to", c.nameOf(ctx, kindStatus, statusID))
	}
	return c.moveWithNote(ctx, in.TicketID, statusID, in.Note,
		"Reopened by InsightConnect", true)
}

type assignTicketInput struct {
	TicketID  int    `json:"ticket_id"`
	AgentID   int    `json:"agent_id"`
	AgentName string `json:"agent_name"`
	TeamID    int    `json:"team_id"`
	TeamName  string `json:"team_name"`
	Notify    bool   `json:"notify"`
}

func (in assignTicketInput) ticketID() int { return in.TicketID }

var assignTicket = inputHandler(assignTicketInput{Notify: true}, "the ticket",
	ticketIDSubject[assignTicketInput], (*Connection).assignTicket)

func (c *Connection) assignTicket(ctx context.Context, in assignTicketInput) (map[string]any,
	error) {
	if err := checkTicketID(in.TicketID); err != nil {
		return nil, err
	}
	if in.AgentID == 0 && in.AgentName == "" && in.TeamID == 0 && in.TeamName == "" {
		return nil, badInput("agent_id", "give at least one of agent_id, agent_name, "+
			"team_id or team_name")
	}
	fields := map[string]any{}
	agentID, err := c.resolve(ctx, kindAgent, "agent_name", in.AgentID, in.AgentName)
	if err != nil {
		return nil, err
	}
	if agentID != 0 {
		fields["agent_id"] = agentID
	}
	team, err := c.teamFor(ctx, in.TeamID, in.TeamName)
	if err != nil {
		return nil, err
	}
	if team != "" {
		fields["team"] = team
	}
	if !in.Notify {
		// Halo's rules send the reassignment notifications; this asks
		// Halo not to run them for this change.
		fields["dont_do_rules"] = true
	}
	t, err := c.updateExisting(ctx, in.TicketID, fields)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ticket": c.ticketOutput(ctx, t, true), "success": true}, nil
}

type deleteTicketInput struct {
	TicketID int    `json:"ticket_id"`
	Reason   string `json:"reason"`
}

func deleteTicket(ctx context.Context, r *runtime.Request) (any, error) {
	c := conn(r)
	var in deleteTicketInput
	if err := decode(r, &in); err != nil {
		return nil, failure(err, "the ticket")
	}
	if err := checkTicketID(in.TicketID); err != nil {
		return nil, failure(err, "the ticket")
	}
	if err := c.client.Tickets.Delete(ctx, halo.ID(in.TicketID), in.Reason); err != nil {
		return nil, failure(err, ticketSubject(in.TicketID))
	}
	return map[string]any{"success": true}, nil
}
