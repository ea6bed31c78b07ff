package emulator

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Status types. Halo's numbering of status types is unknown; clients
// should decide closure from a ticket's hasbeenclosed, not from these.
const (
	StatusOpen           = 0
	StatusClosed         = 1
	StatusHold           = 2
	StatusPendingClosure = 3
)

// Status is a ticket status (GET /api/Status).
type Status struct {
	ID     int
	Name   string
	Type   int  // StatusOpen, StatusClosed, StatusHold or StatusPendingClosure
	Closed bool // moving a ticket here closes it
}

// Team is a team (GET /api/Team); tickets name it in `team`.
type Team struct {
	ID       int
	Name     string
	Inactive bool
}

// Agent is an agent (GET /api/Agent). Disabled agents are missing from
// the list, as in Halo, and cannot be assigned.
type Agent struct {
	ID       int
	Name     string
	Email    string
	TeamID   int
	Disabled bool
}

// User is an end user (GET /api/Users).
type User struct {
	ID       int
	Name     string
	Email    string
	ClientID int
	SiteID   int
	Inactive bool
}

type ticketType struct {
	id              int
	name            string
	initialStatus   int
	defaultTeam     int
	defaultPriority int
	cab             bool // creation needs CAB approvers, which the API cannot give
}

type priority struct {
	id           int
	name         string
	responseTime float64 // hours
	fixTime      float64 // hours
}

type category struct {
	id     int
	value  string
	typeID int
}

type client struct {
	id       int
	name     string
	inactive bool
}

type site struct {
	id       int
	name     string
	clientID int
}

type fieldValue struct {
	id   int
	name string
}

// fieldDef is a custom field definition (GET /api/FieldInfo).
type fieldDef struct {
	id     int
	name   string // e.g. CFImpact
	label  string
	typ    int // 0 text, 2 single-select lookup [inferred numbering]
	values []fieldValue
}

type outcome struct {
	id        int
	name      string
	newStatus int
	hide      bool
	sendEmail bool
}

// seedLookups fills st with realistic defaults. Ids that the reference
// confirms (statuses 1, 2, 9, 28; outcome 7) keep their Halo numbers;
// statuses 4 and 5 deliberately do not exist, so a client that assumes
// them is told so.
func seedLookups(st *store) {
	st.statuses = []Status{
		{1, "New", StatusOpen, false},
		{2, "In Progress", StatusOpen, false},
		{3, "Action Required", StatusOpen, false},
		{8, "Pending Closure", StatusPendingClosure, false},
		{9, "Closed", StatusClosed, true},
		{21, "Waiting on User", StatusHold, false},
		{22, "Waiting on Supplier", StatusHold, false},
		// A second closed status: a client that equates "closed" with
		// status 9 misses it.
		{24, "Cancelled", StatusClosed, true},
		{28, "On Hold", StatusHold, false},
	}
	st.types = []ticketType{
		{1, "Incident", 1, 1, 3, false},
		{3, "Service Request", 1, 1, 4, false},
		{4, "Problem", 1, 2, 3, false},
		{5, "Change Request", 1, 2, 3, true},
		{21, "Security Incident", 1, 4, 2, false},
	}
	st.priorities = []priority{
		{1, "Critical", 0.5, 4},
		{2, "High", 1, 8},
		{3, "Medium", 4, 24},
		{4, "Low", 8, 72},
	}
	st.teams = []Team{
		{1, "Service Desk", false},
		{2, "2nd Line", false},
		{3, "Network", false},
		{4, "Security", false},
		{5, "Legacy Support", true},
	}
	st.agents = []Agent{
		{1, "Unassigned", "", 0, false},
		{3, "API Integration", "api@example.com", 1, false},
		{4, "Alice Smith", "alice.smith@example.com", 1, false},
		{5, "Bob Jones", "bob.jones@example.com", 4, false},
		{6, "Carol White", "carol.white@example.com", 3, false},
		{7, "Dave Brown", "dave.brown@example.com", 2, false},
		{8, "Erin Former", "erin.former@example.com", 1, true},
	}
	st.categories = []category{
		{1, "Hardware", 1}, {2, "Software", 1}, {3, "Network", 1},
		{4, "Security>Phishing", 1}, {5, "Security>Malware", 1},
		{6, "Security>Data Loss", 1},
	}
	st.clients = []client{
		{1, "Internal IT", false},
		{12, "Contoso Ltd", false},
		{13, "Fabrikam Inc", false},
		{14, "Northwind (archived)", true},
	}
	st.sites = []site{
		{1, "Head Office", 1}, {18, "London", 12}, {19, "New York", 12}, {20, "Main Site", 13},
	}
	st.users = []User{
		{-1, "General User", "", 1, 1, false},
		{10, "Grace Hopper", "grace.hopper@contoso.example", 12, 18, false},
		{11, "Alan Turing", "alan.turing@contoso.example", 12, 19, false},
		{12, "Ada Lovelace", "ada.lovelace@fabrikam.example", 13, 20, false},
		{13, "Old Account", "old.account@contoso.example", 12, 18, true},
	}
	st.fields = []fieldDef{
		{140, "CFImpact", "Impact", 2, []fieldValue{
			{1, "Company Wide"}, {2, "Multiple Users"}, {3, "Single User"}}},
		{141, "CFUrgency", "Urgency", 2, []fieldValue{{1, "High"}, {2, "Medium"}, {3, "Low"}}},
		{142, "CFExternalReference", "External Reference", 0, nil},
	}
	st.outcomes = []outcome{
		{1, "Email User", 0, false, true},
		{7, "Internal Note", 0, true, false},
		{10, "Resolved", 8, false, false},
		{11, "Close", 9, false, false},
		{12, "Put On Hold", 28, false, false},
		{13, "Private Note", 0, true, false},
	}
}

func (st *store) status(id int) (Status, bool) {
	i := slices.IndexFunc(st.statuses, func(x Status) bool { return x.ID == id })
	if i < 0 {
		return Status{}, false
	}
	return st.statuses[i], true
}

func (st *store) ticketType(id int) (ticketType, bool) {
	i := slices.IndexFunc(st.types, func(x ticketType) bool { return x.id == id })
	if i < 0 {
		return ticketType{}, false
	}
	return st.types[i], true
}

func (st *store) priority(id int) (priority, bool) {
	i := slices.IndexFunc(st.priorities, func(x priority) bool { return x.id == id })
	if i < 0 {
		return priority{}, false
	}
	return st.priorities[i], true
}

func (st *store) team(id int) (Team, bool) {
	i := slices.IndexFunc(st.teams, func(x Team) bool { return x.ID == id })
	if i < 0 {
		return Team{}, false
	}
	return st.teams[i], true
}

func (st *store) teamByName(name string) (Team, bool) {
	i := slices.IndexFunc(st.teams, func(x Team) bool { return strings.EqualFold(x.Name, name) })
	if i < 0 {
		return Team{}, false
	}
	return st.teams[i], true
}

func (st *store) agent(id int) (Agent, bool) {
	i := slices.IndexFunc(st.agents, func(x Agent) bool { return x.ID == id })
	if i < 0 {
		return Agent{}, false
	}
	return st.agents[i], true
}

func (st *store) client(id int) (client, bool) {
	i := slices.IndexFunc(st.clients, func(x client) bool { return x.id == id })
	if i < 0 {
		return client{}, false
	}
	return st.clients[i], true
}

func (st *store) site(id int) (site, bool) {
	i := slices.IndexFunc(st.sites, func(x site) bool { return x.id == id })
	if i < 0 {
		return site{}, false
	}
	return st.sites[i], true
}

func (st *store) user(id int) (User, bool) {
	i := slices.IndexFunc(st.users, func(x User) bool { return x.ID == id })
	if i < 0 {
		return User{}, false
	}
	return st.users[i], true
}

func (st *store) outcome(id int) (outcome, bool) {
	i := slices.IndexFunc(st.outcomes, func(x outcome) bool { return x.id == id })
	if i < 0 {
		return outcome{}, false
	}
	return st.outcomes[i], true
}

func (st *store) outcomeByName(name string) (outcome, bool) {
	i := slices.IndexFunc(st.outcomes, func(x outcome) bool {
		return strings.EqualFold(x.name, name)
	})
	if i < 0 {
		return outcome{}, false
	}
	return st.outcomes[i], true
}

func (st *store) field(id int, name string) (fieldDef, bool) {
	i := slices.IndexFunc(st.fields, func(x fieldDef) bool {
		return (id != 0 && x.id == id) || (name != "" && strings.EqualFold(x.name, name))
	})
	if i < 0 {
		return fieldDef{}, false
	}
	return st.fields[i], true
}

// AddAgent adds an agent (or replaces the one with the same ID) and
// returns its id; a zero ID picks the next free one.
func (s *Server) AddAgent(a Agent) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.ID == 0 {
		a.ID = nextID(s.store.agents, func(x Agent) int { return x.ID })
	}
	s.store.agents = upsert(s.store.agents, a, func(x Agent) int { return x.ID })
	return a.ID
}

// AddUser adds an end user (or replaces the one with the same ID) and
// returns its id; a zero ID picks the next free one.
func (s *Server) AddUser(u User) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.ID == 0 {
		u.ID = nextID(s.store.users, func(x User) int { return x.ID })
	}
	s.store.users = upsert(s.store.users, u, func(x User) int { return x.ID })
	return u.ID
}

// AddTeam adds a team (or replaces the one with the same ID) and returns
// its id; a zero ID picks the next free one.
func (s *Server) AddTeam(t Team) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.ID == 0 {
		t.ID = nextID(s.store.teams, func(x Team) int { return x.ID })
	}
	s.store.teams = upsert(s.store.teams, t, func(x Team) int { return x.ID })
	return t.ID
}

// AddStatus adds a status (or replaces the one with the same ID) and
// returns its id; a zero ID picks the next free one.
func (s *Server) AddStatus(st Status) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.ID == 0 {
		st.ID = nextID(s.store.statuses, func(x Status) int { return x.ID })
	}
	s.store.statuses = upsert(s.store.statuses, st, func(x Status) int { return x.ID })
	return st.ID
}

func nextID[T any](xs []T, id func(T) int) int {
	n := 0
	for _, x := range xs {
		n = max(n, id(x))
	}
	return n + 1
}

func upsert[T any](xs []T, v T, id func(T) int) []T {
	i := slices.IndexFunc(xs, func(x T) bool { return id(x) == id(v) })
	if i >= 0 {
		xs[i] = v
		return xs
	}
	xs = append(xs, v)
	slices.SortFunc(xs, func(a, b T) int { return cmp.Compare(id(a), id(b)) })
	return xs
}

// Rendering: the JSON objects the lookup endpoints answer.

func renderStatus(x Status) map[string]any {
	short := x.Name
	if len(short) > 8 {
		short = short[:8]
	}
	return map[string]any{
		"id": x.ID, "name": x.Name, "shortname": short, "type": x.Type,
		"sequence": x.ID, "colour": "#2f6fa8",
		// isclosed is an emulator convenience; Halo's own marker for a
		// closed status is not documented.
		"isclosed": x.Closed,
	}
}

func (st *store) renderTicketType(x ticketType) map[string]any {
	return map[string]any{
		"id": x.id, "name": x.name, "use": "ticket", "visible": true,
		"enduserscanselect": !x.cab, "initial_status": x.initialStatus,
		"default_team": st.teamName(x.defaultTeam), "default_agent": 0,
		"default_priority": x.defaultPriority, "workflow_id": 0,
	}
}

// renderPriority answers the id as a string, as Halo does; priorityid is
// the integer a ticket's priority_id refers to.
func renderPriority(x priority) map[string]any {
	return map[string]any{
		"id": strconv.Itoa(x.id), "priorityid": x.id, "slaid": 1, "name": x.name,
		"responsetime": x.responseTime, "fixtime": x.fixTime, "fixunits": "h",
		"ishidden": false,
	}
}

func (st *store) renderTeam(x Team) map[string]any {
	agents := []map[string]any{}
	for _, a := range st.agents {
		if a.TeamID == x.ID && !a.Disabled {
			agents = append(agents, map[string]any{"id": a.ID, "name": a.Name})
		}
	}
	return map[string]any{
		"id": x.ID, "name": x.Name, "inactive": x.Inactive, "department_id": 1,
		"department_name": "IT", "forrequests": true, "agents": agents,
	}
}

func (st *store) renderAgent(x Agent) map[string]any {
	first, last, _ := strings.Cut(x.Name, " ")
	initials := ""
	for _, p := range strings.Fields(x.Name) {
		initials += p[:1]
	}
	teams := []map[string]any{}
	if t, ok := st.team(x.TeamID); ok {
		teams = append(teams, map[string]any{"team_id": t.ID, "team_name": t.Name})
	}
	return map[string]any{
		"id": x.ID, "name": x.Name, "firstname": first, "surname": last,
		"email": x.Email, "team": st.teamName(x.TeamID), "teams": teams,
		"isdisabled": x.Disabled, "is_agent": true, "initials": initials,
	}
}

func renderCategory(x category) map[string]any {
	return map[string]any{
		"id": x.id, "value": x.value, "category_name": x.value, "type_id": x.typeID,
		"sla_id": 0, "priority_id": 0,
	}
}

func renderClient(x client) map[string]any {
	return map[string]any{
		"id": x.id, "name": x.name, "inactive": x.inactive, "toplevel_id": 1,
		"is_vip": false,
	}
}

func (st *store) renderSite(x site) map[string]any {
	c, _ := st.client(x.clientID)
	return map[string]any{
		"id": x.id, "name": x.name, "client_id": x.clientID, "client_name": c.name,
		"inactive": false,
	}
}

func (st *store) renderUser(x User) map[string]any {
	c, _ := st.client(x.ClientID)
	si, _ := st.site(x.SiteID)
	login := x.Email
	if i := strings.IndexByte(login, '@'); i > 0 {
		login = login[:i]
	}
	return map[string]any{
		"id": x.ID, "name": x.Name, "emailaddress": x.Email,
		"site_id": x.SiteID, "site_name": si.name,
		"client_id": x.ClientID, "client_name": c.name, "inactive": x.Inactive,
		"login": login, "azureoid": "",
	}
}

func renderField(x fieldDef) map[string]any {
	values := []map[string]any{}
	for _, v := range x.values {
		values = append(values, map[string]any{"id": v.id, "name": v.name})
	}
	input := 0
	if x.typ == 2 {
		input = 2
	}
	return map[string]any{
		"id": x.id, "name": x.name, "label": x.label, "type": x.typ,
		"inputtype": input, "usage": 1, "lookup": 0, "values": values,
	}
}

func renderOutcome(x outcome) map[string]any {
	return map[string]any{
		"id": x.id, "outcome": x.name, "buttonname": x.name, "newstatus": x.newStatus,
		"hidefromuser": x.hide, "sendemail": x.sendEmail, "systemid": 0,
		"defaultteam": "", "defaultagent": 0,
	}
}

func (st *store) teamName(id int) string {
	if t, ok := st.team(id); ok {
		return t.Name
	}
	return ""
}

// serveLookup answers GET /api/<kind> and GET /api/<kind>/{id} for the
// read-only lookups.
func (s *Server) serveLookup(w http.ResponseWriter, r *http.Request, kind, idPart string, q query) {
	if r.Method != http.MethodGet {
		// POST and DELETE of lookups exist in Halo but are not modelled.
		writeText(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.store

	rows, wrap := st.lookupRows(kind, q, s.cfg.LoginAgentID)
	if idPart != "" {
		if kind == "agent" && strings.EqualFold(idPart, "me") {
			a, _ := st.agent(s.cfg.LoginAgentID)
			writeJSON(w, http.StatusOK, st.renderAgent(a))
			return
		}
		id, err := strconv.Atoi(idPart)
		if err != nil {
			writeText(w, http.StatusBadRequest, fmt.Sprintf("invalid id %q", idPart))
			return
		}
		all, _ := st.lookupRows(kind, query{"includedisabled": "true",
			"includeinactive": "true", "showinactive": "true"}, s.cfg.LoginAgentID)
		for _, row := range all {
			if rid, _ := toInt(row["id"]); rid == id {
				writeJSON(w, http.StatusOK, row)
				return
			}
			if pid, ok := row["priorityid"]; ok && pid == id {
				writeJSON(w, http.StatusOK, row)
				return
			}
		}
		writeText(w, http.StatusNotFound, fmt.Sprintf("%s %d not found", kind, id))
		return
	}
	rows = nonNil(rows)
	if wrap == "" {
		writeJSON(w, http.StatusOK, rows)
		return
	}
	env := map[string]any{"record_count": len(rows)}
	if pg, err := q.paging(); err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	} else if pg.on {
		env["page_no"], env["page_size"] = pg.no, pg.size
		rows = pageOf(rows, pg)
	} else if n, ok := q.int("count"); ok && n > 0 && n < len(rows) {
		rows = rows[:n]
	}
	env[wrap] = rows
	writeJSON(w, http.StatusOK, env)
}

// lookupRows lists one lookup filtered by q. wrap names the envelope
// member for the lookups Halo wraps ({record_count, clients}); it is
// empty for bare arrays.
func (st *store) lookupRows(kind string, q query, loginAgent int) ([]map[string]any, string) {
	var rows []map[string]any
	search := strings.ToLower(q.get("search"))
	matches := func(name string) bool {
		return search == "" || strings.Contains(strings.ToLower(name), search)
	}
	switch kind {
	case "status":
		for _, x := range st.statuses {
			if q.bool("excludeclosed") && x.Closed {
				continue
			}
			if q.bool("excludepending") && x.Type == StatusPendingClosure {
				continue
			}
			rows = append(rows, renderStatus(x))
		}
		return rows, ""
	case "tickettype":
		for _, x := range st.types {
			rows = append(rows, st.renderTicketType(x))
		}
		return rows, ""
	case "priority":
		for _, x := range st.priorities {
			rows = append(rows, renderPriority(x))
		}
		return rows, ""
	case "team":
		for _, x := range st.teams {
			if x.Inactive && !q.bool("includedisabled") {
				continue
			}
			rows = append(rows, st.renderTeam(x))
		}
		return rows, ""
	case "agent":
		teamID, hasTeam := q.int("team_id")
		for _, x := range st.agents {
			if x.Disabled && !q.bool("includedisabled") {
				continue
			}
			if x.ID == loginAgent && q.has("includeapiagents") && !q.bool("includeapiagents") {
				continue
			}
			if hasTeam && x.TeamID != teamID {
				continue
			}
			if t := q.get("team"); t != "" && !strings.EqualFold(st.teamName(x.TeamID), t) {
				continue
			}
			if !matches(x.Name) && !matches(x.Email) {
				continue
			}
			rows = append(rows, st.renderAgent(x))
		}
		return rows, ""
	case "category":
		typeID, hasType := q.int("type_id")
		for _, x := range st.categories {
			if hasType && x.typeID != typeID {
				continue
			}
			rows = append(rows, renderCategory(x))
		}
		return rows, ""
	case "client":
		for _, x := range st.clients {
			if x.inactive && !q.bool("includeinactive") {
				continue
			}
			if matches(x.name) {
				rows = append(rows, renderClient(x))
			}
		}
		return nonNil(rows), "clients"
	case "site":
		clientID, hasClient := q.int("client_id")
		for _, x := range st.sites {
			if hasClient && x.clientID != clientID {
				continue
			}
			if matches(x.name) {
				rows = append(rows, st.renderSite(x))
			}
		}
		return nonNil(rows), "sites"
	case "users":
		clientID, hasClient := q.int("client_id")
		siteID, hasSite := q.int("site_id")
		for _, x := range st.users {
			if x.Inactive && !q.bool("includeinactive") {
				continue
			}
			if (hasClient && x.ClientID != clientID) || (hasSite && x.SiteID != siteID) {
				continue
			}
			if matches(x.Name) || matches(x.Email) {
				rows = append(rows, st.renderUser(x))
			}
		}
		return nonNil(rows), "users"
	case "fieldinfo":
		for _, x := range st.fields {
			rows = append(rows, renderField(x))
		}
		return rows, ""
	case "outcome":
		for _, x := range st.outcomes {
			rows = append(rows, renderOutcome(x))
		}
		return rows, ""
	}
	return nil, ""
}

func nonNil(rows []map[string]any) []map[string]any {
	if rows == nil {
		return []map[string]any{}
	}
	return rows
}
