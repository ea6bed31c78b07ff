package haloitsm

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/haloconnect/icon-haloitsm/halo"
)

// Cached lookup lists. Each is fetched at most once per lookupTTL per
// connection.

func (c *Connection) statuses(ctx context.Context) ([]halo.Status, error) {
	return cached(ctx, c.cache, "statuses", c.client.Lookups.Statuses)
}

func (c *Connection) ticketTypes(ctx context.Context) ([]halo.TicketType, error) {
	return cached(ctx, c.cache, "tickettypes", c.client.Lookups.TicketTypes)
}

func (c *Connection) priorities(ctx context.Context) ([]halo.Priority, error) {
	return cached(ctx, c.cache, "priorities", c.client.Lookups.Priorities)
}

func (c *Connection) teams(ctx context.Context) ([]halo.Team, error) {
	return cached(ctx, c.cache, "teams", c.client.Lookups.Teams)
}

func (c *Connection) agents(ctx context.Context) ([]halo.Agent, error) {
	return cached(ctx, c.cache, "agents", func(ctx context.Context) ([]halo.Agent, error) {
		return c.client.Lookups.Agents(ctx, halo.AgentListOptions{})
	})
}

func (c *Connection) categories(ctx context.Context) ([]halo.Category, error) {
	return cached(ctx, c.cache, "categories", func(ctx context.Context) ([]halo.Category, error) {
		return c.client.Lookups.Categories(ctx, 0)
	})
}

func (c *Connection) outcomes(ctx context.Context) ([]halo.Outcome, error) {
	return cached(ctx, c.cache, "outcomes", c.client.Lookups.Outcomes)
}

func (c *Connection) fieldInfo(ctx context.Context) ([]halo.FieldInfo, error) {
	return cached(ctx, c.cache, "fieldinfo", c.client.Lookups.FieldInfo)
}

// lookupKind describes one kind of lookup for name resolution.
type lookupKind struct {
	noun  string // singular, for messages
	items func(ctx context.Context, c *Connection) ([]named, error)
}

var (
	kindStatus = lookupKind{"status", func(ctx context.Context, c *Connection) ([]named, error) {
		l, err := c.statuses(ctx)
		out := make([]named, len(l))
		for i, s := range l {
			out[i] = named{ID: int(s.ID), Name: s.Name, Aliases: []string{s.ShortName}}
		}
		return out, err
	}}
	kindTicketType = lookupKind{"ticket type", func(ctx context.Context, c *Connection) ([]named, error) {
		l, err := c.ticketTypes(ctx)
		out := make([]named, len(l))
		for i, s := range l {
			out[i] = named{ID: int(s.ID), Name: s.Name}
		}
		return out, err
	}}
	kindPriority = lookupKind{"priority", func(ctx context.Context, c *Connection) ([]named, error) {
		l, err := c.priorities(ctx)
		return priorityItems(l), err
	}}
	kindTeam = lookupKind{"team", func(ctx context.Context, c *Connection) ([]named, error) {
		l, err := c.teams(ctx)
		out := make([]named, len(l))
		for i, s := range l {
			out[i] = named{ID: int(s.ID), Name: s.Name}
		}
		return out, err
	}}
	kindAgent = lookupKind{"agent", func(ctx context.Context, c *Connection) ([]named, error) {
		l, err := c.agents(ctx)
		out := make([]named, len(l))
		for i, s := range l {
			out[i] = named{ID: int(s.ID), Name: s.Name, Aliases: []string{s.Email}}
		}
		return out, err
	}}
	kindCategory = lookupKind{"category", func(ctx context.Context, c *Connection) ([]named, error) {
		l, err := c.categories(ctx)
		out := make([]named, len(l))
		for i, s := range l {
			out[i] = named{ID: int(s.ID), Name: categoryName(s)}
		}
		return out, err
	}}
	kindOutcome = lookupKind{"outcome", func(ctx context.Context, c *Connection) ([]named, error) {
		l, err := c.outcomes(ctx)
		out := make([]named, len(l))
		for i, s := range l {
			out[i] = named{ID: int(s.ID), Name: s.Outcome, Aliases: []string{s.ButtonName}}
		}
		return out, err
	}}
)

// priorityItems lists priorities by the numeric id tickets use. Halo
// lists one priority per SLA, so a name can repeat with the same id;
// repeats are folded.
func priorityItems(l []halo.Priority) []named {
	seen := map[int]bool{}
	var out []named
	for _, p := range l {
		id := priorityID(p)
		if id == 0 || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, named{ID: id, Name: p.Name})
	}
	return out
}

// priorityID is the id tickets use for p: priorityid, else a numeric id.
func priorityID(p halo.Priority) int {
	if p.PriorityID != 0 {
		return int(p.PriorityID)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(p.ID)))
	return n
}

func categoryName(c halo.Category) string {
	if c.Value != "" {
		return c.Value
	}
	return c.CategoryName
}

// resolve returns the id a workflow means: the one named by name when
// name is set, else id (0 when neither is set). nameField is the input the
// name came from, for errors.
func (c *Connection) resolve(ctx context.Context, k lookupKind, nameField string, id int,
	name string) (int, error) {
	if strings.TrimSpace(name) == "" {
		return id, nil
	}
	items, err := k.items(ctx, c)
	if err != nil {
		return 0, err
	}
	return resolveName(k.noun, nameField, name, items)
}

// nameOf returns the name of id among the lookup's items, or "" when the
// list cannot be fetched or has no such id. It is used to fill in names
// on outputs, so a lookup failure must not fail the action.
func (c *Connection) nameOf(ctx context.Context, k lookupKind, id int) string {
	if id == 0 {
		return ""
	}
	items, err := k.items(ctx, c)
	if err != nil {
		return ""
	}
	for _, it := range items {
		if it.ID == id {
			return it.Name
		}
	}
	return ""
}

// teamName returns the name of team id, or a *inputError naming field.
func (c *Connection) teamName(ctx context.Context, field string, id int) (string, error) {
	teams, err := c.teams(ctx)
	if err != nil {
		return "", err
	}
	for _, t := range teams {
		if int(t.ID) == id {
			return t.Name, nil
		}
	}
	return "", unknownInput(field, "team", "%s: HaloITSM has no team with ID %d", field, id)
}

// closedStatus returns the status Close Ticket uses: the given override
// (closed_status_id or closed_status_name of the action), else the
// connection's Closed Status (name or id), else the status named
// "Closed", else a status whose name starts with "Closed".
func (c *Connection) closedStatus(ctx context.Context, overrideID int,
	overrideName string) (int, error) {
	if overrideName != "" || overrideID != 0 {
		return c.resolve(ctx, kindStatus, "closed_status_name", overrideID, overrideName)
	}
	items, err := kindStatus.items(ctx, c)
	if err != nil {
		return 0, err
	}
	if cs := strings.TrimSpace(c.params.ClosedStatus); cs != "" {
		id, err := resolveName("status", "closed_status", cs, items)
		if err != nil {
			return 0, &settingsError{Field: "closed_status", msg: err.Error()}
		}
		return id, nil
	}
	for _, it := range items {
		if strings.EqualFold(strings.TrimSpace(it.Name), "closed") {
			return it.ID, nil
		}
	}
	for _, it := range items {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(it.Name)), "closed") {
			return it.ID, nil
		}
	}
	return 0, &settingsError{Field: "closed_status", msg: fmt.Sprintf(
		"HaloITSM has no status named Closed; set Closed Status in the connection "+
			"to the name or ID of your closed status (statuses: %s)", namesOf(items, 10))}
}

// reopenStatus returns the status Reopen Ticket uses when none is given:
// In Progress, else New, else the first status that is not closed.
func (c *Connection) reopenStatus(ctx context.Context) (int, error) {
	items, err := kindStatus.items(ctx, c)
	if err != nil {
		return 0, err
	}
	for _, want := range []string{"in progress", "new", "open"} {
		for _, it := range items {
			if strings.EqualFold(strings.TrimSpace(it.Name), want) {
				return it.ID, nil
			}
		}
	}
	return 0, unknownInput("status_name", "status", "HaloITSM has no status named In Progress, New "+
		"or Open; give status_id or status_name (statuses: %s)", namesOf(items, 10))
}

// noteOutcome returns the outcome for notes: the action's outcome input
// when set, else the connection's Note Outcome, else "Internal Note".
// When the outcome list cannot be read (some logins may not list
// outcomes), a numeric setting is used as an id and a name is sent as
// it is, letting Halo judge it.
func (c *Connection) noteOutcome(ctx context.Context, input string) (halo.ID, string, error) {
	field, want := "outcome", strings.TrimSpace(input)
	if want == "" {
		field, want = "note_outcome", strings.TrimSpace(c.params.NoteOutcome)
	}
	if want == "" {
		want = "Internal Note"
	}
	items, err := kindOutcome.items(ctx, c)
	if err != nil || len(items) == 0 {
		if n, convErr := strconv.Atoi(want); convErr == nil && n > 0 {
			return halo.ID(n), "", nil
		}
		return 0, want, nil
	}
	id, err := resolveName("outcome", field, want, items)
	if err != nil {
		if field == "note_outcome" {
			return 0, "", &settingsError{Field: field, msg: err.Error()}
		}
		return 0, "", err
	}
	return halo.ID(id), "", nil
}

func namesOf(items []named, n int) string {
	names := make([]string, 0, min(n, len(items)))
	for _, it := range items[:min(n, len(items))] {
		names = append(names, it.Name)
	}
	s := strings.Join(names, ", ")
	if len(items) > n {
		s += fmt.Sprintf(" and %d more", len(items)-n)
	}
	return s
}
