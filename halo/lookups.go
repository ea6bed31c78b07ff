package halo

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strconv"
)

// LookupsService reaches Halo's reference lists. Get it from
// Client.Lookups. Every list accepts either of Halo's shapes: a bare JSON
// array or an envelope such as {"record_count": 2, "users": [...]}.
type LookupsService struct{ c *Client }

// getList fetches one unpaged list.
func getList[T any](ctx context.Context, c *Client, op, path, key string,
	q url.Values) ([]T, error) {
	body, err := c.do(ctx, call{method: "GET", path: path, query: q, kind: kindRead})
	if err != nil {
		return nil, fmt.Errorf("halo: %s: %w", op, err)
	}
	p, err := decodeList(body, key)
	if err != nil {
		return nil, fmt.Errorf("halo: %s: %w", op, err)
	}
	out := make([]T, 0, len(p.rows))
	for _, raw := range p.rows {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("halo: %s: %w", op, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// collect gathers every row of a paged list.
func collect[T any](ctx context.Context, c *Client, op, path, key string,
	q url.Values) ([]T, error) {
	var out []T
	for v, err := range pagedOf[T](ctx, c, op, path, key, q, 0) {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// pagedOf decodes the rows of a paged list as T.
func pagedOf[T any](ctx context.Context, c *Client, op, path, key string, q url.Values,
	limit int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for raw, err := range c.pages(ctx, path, key, q, 0, limit) {
			if err != nil {
				yield(zero, fmt.Errorf("halo: %s: %w", op, err))
				return
			}
			var v T
			if err := json.Unmarshal(raw, &v); err != nil {
				yield(zero, fmt.Errorf("halo: %s: %w", op, err))
				return
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}

// getOne fetches one object.
func getOne[T any](ctx context.Context, c *Client, op, path string) (*T, error) {
	return doOne[T](ctx, c, op, call{method: "GET", path: path, kind: kindRead})
}

// doOne makes the call cl and decodes the one object Halo answers, sent
// bare or as a one-element array. Its errors read "halo: <op>: …".
func doOne[T any](ctx context.Context, c *Client, op string, cl call) (*T, error) {
	body, err := c.do(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("halo: %s: %w", op, err)
	}
	var v T
	if err := decodeOne(body, &v); err != nil {
		return nil, fmt.Errorf("halo: %s: %w", op, err)
	}
	return &v, nil
}

// Statuses lists ticket statuses (GET /api/Status).
func (s *LookupsService) Statuses(ctx context.Context) ([]Status, error) {
	return getList[Status](ctx, s.c, "list statuses", "/Status", "statuses", nil)
}

// TicketTypes lists ticket types (GET /api/TicketType).
func (s *LookupsService) TicketTypes(ctx context.Context) ([]TicketType, error) {
	return getList[TicketType](ctx, s.c, "list ticket types", "/TicketType", "tickettypes", nil)
}

// Priorities lists priorities (GET /api/Priority).
func (s *LookupsService) Priorities(ctx context.Context) ([]Priority, error) {
	return getList[Priority](ctx, s.c, "list priorities", "/Priority", "priorities", nil)
}

// Teams lists teams (GET /api/Team).
func (s *LookupsService) Teams(ctx context.Context) ([]Team, error) {
	return getList[Team](ctx, s.c, "list teams", "/Team", "teams", nil)
}

// AgentListOptions filters GET /api/Agent.
type AgentListOptions struct {
	Search          string // search
	TeamID          ID     // team_id
	IncludeDisabled bool   // includedisabled
}

// Agents lists agents (GET /api/Agent).
func (s *LookupsService) Agents(ctx context.Context, opts AgentListOptions) ([]Agent, error) {
	q := url.Values{}
	if opts.Search != "" {
		q.Set("search", opts.Search)
	}
	idParam(q, "team_id", opts.TeamID)
	boolParam(q, "includedisabled", opts.IncludeDisabled)
	return getList[Agent](ctx, s.c, "list agents", "/Agent", "agents", q)
}

// Agent returns one agent (GET /api/Agent/{id}).
func (s *LookupsService) Agent(ctx context.Context, id ID) (*Agent, error) {
	return getOne[Agent](ctx, s.c, "get agent "+strconv.FormatInt(int64(id), 10),
		idPath("/Agent", id))
}

// AgentMe returns the agent the API application logs in as
// (GET /api/Agent/me).
func (s *LookupsService) AgentMe(ctx context.Context) (*Agent, error) {
	return getOne[Agent](ctx, s.c, "get login agent", "/Agent/me")
}

// Categories lists the values of category list typeID, 1 to 4, or of
// all lists when typeID is 0 (GET /api/Category?type_id=N).
func (s *LookupsService) Categories(ctx context.Context, typeID int) ([]Category, error) {
	q := url.Values{}
	if typeID != 0 {
		q.Set("type_id", strconv.Itoa(typeID))
	}
	return getList[Category](ctx, s.c, "list categories", "/Category", "categories", q)
}

// UserListOptions filters GET /api/Users.
type UserListOptions struct {
	Search          string // search: name or email text
	ClientID        ID     // client_id
	SiteID          ID     // site_id
	IncludeInactive bool   // includeinactive
	// Max stops after this many users; 0 means all.
	Max int
}

// Users lists end users page by page (GET /api/Users with pageinate);
// stopping the loop stops the fetching.
func (s *LookupsService) Users(ctx context.Context, opts UserListOptions) iter.Seq2[User, error] {
	q := url.Values{}
	if opts.Search != "" {
		q.Set("search", opts.Search)
	}
	idParam(q, "client_id", opts.ClientID)
	idParam(q, "site_id", opts.SiteID)
	boolParam(q, "includeinactive", opts.IncludeInactive)
	return pagedOf[User](ctx, s.c, "list users", "/Users", "users", q, opts.Max)
}

// User returns one end user (GET /api/Users/{id}).
func (s *LookupsService) User(ctx context.Context, id ID) (*User, error) {
	return getOne[User](ctx, s.c, "get user "+strconv.FormatInt(int64(id), 10),
		idPath("/Users", id))
}

// Clients lists customers, optionally those whose name contains search
// (GET /api/Client, paged).
func (s *LookupsService) Clients(ctx context.Context, search string) ([]Customer, error) {
	q := url.Values{}
	if search != "" {
		q.Set("search", search)
	}
	return collect[Customer](ctx, s.c, "list clients", "/Client", "clients", q)
}

// Sites lists sites, of one customer when clientID is not 0
// (GET /api/Site, paged).
func (s *LookupsService) Sites(ctx context.Context, clientID ID) ([]Site, error) {
	q := url.Values{}
	idParam(q, "client_id", clientID)
	return collect[Site](ctx, s.c, "list sites", "/Site", "sites", q)
}

// FieldInfo lists custom field definitions (GET /api/FieldInfo).
func (s *LookupsService) FieldInfo(ctx context.Context) ([]FieldInfo, error) {
	return getList[FieldInfo](ctx, s.c, "list custom fields", "/FieldInfo", "fields", nil)
}

// Outcomes lists action outcomes (GET /api/Outcome).
func (s *LookupsService) Outcomes(ctx context.Context) ([]Outcome, error) {
	return getList[Outcome](ctx, s.c, "list outcomes", "/Outcome", "outcomes", nil)
}
