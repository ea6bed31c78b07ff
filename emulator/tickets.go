package emulator

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// store is the emulated tenant's data; the Server's mutex guards it.
type store struct {
	statuses   []Status
	types      []ticketType
	priorities []priority
	teams      []Team
	agents     []Agent
	categories []category
	clients    []client
	sites      []site
	users      []User
	fields     []fieldDef
	outcomes   []outcome

	tickets    map[int]*ticket
	nextTicket int
}

func newStore() store {
	st := store{tickets: map[int]*ticket{}, nextTicket: 1000}
	seedLookups(&st)
	return st
}

// ticket is one stored ticket (Halo's Faults object).
type ticket struct {
	id int
	// extra holds every property the client sent that the emulator does
	// not compute itself, by lower-case name, so it comes back on GET.
	extra map[string]any

	statusID, typeID, priorityID, agentID, teamID int
	clientID, siteID, userID                      int
	custom                                        []customValue

	occurred, created, lastUpdate, lastAction, closed time.Time
	deleted                                           bool

	actions    []map[string]any
	nextAction int
}

type customValue struct {
	def   fieldDef
	value any
}

// readOnlyTicketFields are computed by the emulator; values a client
// sends for them are ignored, as Halo ignores writes to them.
var readOnlyTicketFields = map[string]bool{
	"datecreated": true, "dateoccurred": true, "dateoccured": true, "last_update": true,
	"lastactiondate": true, "dateclosed": true, "hasbeenclosed": true,
	"status_name": true, "tickettype_name": true, "priority_name": true,
	"agent_name": true, "client_name": true, "site_name": true, "user_name": true,
	"user_email": true, "onhold": true,
}

// ticketIntFields are the references a ticket write may set by id.
var ticketIntFields = []string{"status_id", "tickettype_id", "priority_id", "agent_id",
	"team_id", "client_id", "site_id", "user_id"}

// errNotFound marks a write naming an id that does not exist.
var errNotFound = errors.New("not found")

// badRequest is a validation failure answered 400 with its text.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func badf(format string, args ...any) error {
	return &badRequest{fmt.Sprintf(format, args...)}
}

// ticketPatch is one validated element of a ticket POST.
type ticketPatch struct {
	id      int // 0 creates
	recover bool
	ints    map[string]int
	custom  []customValue
	extra   map[string]any
}

// decodeArray decodes a POST body that must be a JSON array of objects.
// Whether Halo accepts a bare object is unverified; refusing it makes a
// client that sends one find out here rather than in production.
func decodeArray(body []byte, what string) ([]map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, badf("the request body is not valid JSON: %v", err)
	}
	// Decode stops after the first value; Halo refuses text after it.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, badf("the request body is not valid JSON: data after the JSON value")
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, badf("the request body must be a JSON array of %s", what)
	}
	if len(arr) == 0 {
		return nil, badf("the request body is an empty array")
	}
	out := make([]map[string]any, len(arr))
	for i, e := range arr {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, badf("[%d]: each element must be a JSON object", i)
		}
		lower := make(map[string]any, len(m))
		for k, v := range m {
			lower[strings.ToLower(k)] = v
		}
		out[i] = lower
	}
	return out, nil
}

// validateTicket turns one posted object into a patch, checking every
// reference against the lookups.
func (st *store) validateTicket(i int, in map[string]any) (ticketPatch, error) {
	p := ticketPatch{ints: map[string]int{}, extra: map[string]any{}}
	field := func(name string) string { return fmt.Sprintf("[%d].%s", i, name) }

	if v, ok := in["id"]; ok && v != nil {
		id, ok := toInt(v)
		if !ok || id < 0 {
			return p, badf("%s: %v is not a ticket id", field("id"), v)
		}
		p.id = id
	}
	if v, ok := in["_recover"]; ok {
		p.recover, _ = toBool(v)
	}

	for _, name := range ticketIntFields {
		v, ok := in[name]
		if !ok || v == nil {
			continue
		}
		n, ok := toInt(v)
		if !ok {
			return p, badf("%s: %v is not an integer", field(name), v)
		}
		if err := st.checkRef(name, n); err != nil {
			return p, badf("%s: %v", field(name), err)
		}
		p.ints[name] = n
	}
	if v, ok := in["team"]; ok && v != nil {
		name, ok := toString(v)
		if !ok {
			return p, badf("%s: must be the team name", field("team"))
		}
		id := 0
		if name != "" {
			t, ok := st.teamByName(name)
			if !ok {
				return p, badf("%s: no team is named %q", field("team"), name)
			}
			id = t.ID
		}
		if prev, both := p.ints["team_id"]; both && prev != id {
			return p, badf("%s: team %q and team_id %d disagree", field("team"), name, prev)
		}
		p.ints["team_id"] = id
	}
	if c, ok := p.ints["client_id"]; ok {
		if s, ok := p.ints["site_id"]; ok {
			if si, _ := st.site(s); si.clientID != c {
				return p, badf("%s: site %d does not belong to client %d", field("site_id"), s, c)
			}
		}
	}
	if v, ok := in["customfields"]; ok && v != nil {
		cf, err := st.validateCustom(i, v)
		if err != nil {
			return p, err
		}
		p.custom = cf
	}

	for k, v := range in {
		switch {
		case k == "id" || k == "team" || k == "customfields" || strings.HasPrefix(k, "_"):
		case slices.Contains(ticketIntFields, k), readOnlyTicketFields[k]:
		default:
			p.extra[k] = v
		}
	}
	for _, k := range []string{"summary", "details", "details_html"} {
		if v, ok := p.extra[k]; ok {
			if _, ok := v.(string); !ok && v != nil {
				return p, badf("%s: must be a string", field(k))
			}
		}
	}
	return p, nil
}

// checkRef checks that a referenced id exists.
func (st *store) checkRef(name string, n int) error {
	ok := true
	switch name {
	case "status_id":
		_, ok = st.status(n)
	case "tickettype_id":
		_, ok = st.ticketType(n)
	case "priority_id":
		_, ok = st.priority(n)
	case "agent_id":
		if n == 0 {
			return nil
		}
		a, found := st.agent(n)
		if found && a.Disabled {
			return fmt.Errorf("agent %d is disabled", n)
		}
		ok = found
	case "team_id":
		if n == 0 {
			return nil
		}
		_, ok = st.team(n)
	case "client_id":
		_, ok = st.client(n)
	case "site_id":
		_, ok = st.site(n)
	case "user_id":
		_, ok = st.user(n)
	}
	if !ok {
		return fmt.Errorf("%d does not exist", n)
	}
	return nil
}

// validateCustom checks custom field values against FieldInfo. Items
// name the field by id or name; lookup fields take a value id.
func (st *store) validateCustom(i int, v any) ([]customValue, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, badf("[%d].customfields: must be an array", i)
	}
	var out []customValue
	for j, e := range arr {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, badf("[%d].customfields[%d]: must be an object", i, j)
		}
		id, _ := toInt(m["id"])
		name, _ := toString(m["name"])
		def, ok := st.field(id, name)
		if !ok {
			return nil, badf("[%d].customfields[%d]: unknown custom field (id %v, name %q)",
				i, j, m["id"], name)
		}
		val := m["value"]
		if def.typ == 2 && val != nil && val != "" {
			n, ok := toInt(val)
			valid := ok && slices.ContainsFunc(def.values, func(fv fieldValue) bool {
				return fv.id == n
			})
			if !valid {
				return nil, badf("[%d].customfields[%d]: %v is not a valid value id for %s",
					i, j, val, def.name)
			}
			val = n
		}
		out = append(out, customValue{def: def, value: val})
	}
	return out, nil
}

// changes reports what a write changed, for webhooks.
type changes struct {
	created, updated, statusChanged bool
}

// createTicket stores a new ticket from a validated patch.
func (st *store) createTicket(p ticketPatch, now time.Time) (*ticket, error) {
	typeID := 1
	if v, ok := p.ints["tickettype_id"]; ok {
		typeID = v
	}
	tt, _ := st.ticketType(typeID)
	if tt.cab {
		return nil, badf("CODE:APP03/2 Please select the CAB members to approve")
	}
	st.nextTicket++
	t := &ticket{
		id: st.nextTicket, extra: map[string]any{},
		typeID: typeID, statusID: tt.initialStatus, priorityID: tt.defaultPriority,
		teamID: tt.defaultTeam, clientID: 1, siteID: 1, userID: -1,
		occurred: now, created: now, lastUpdate: now, nextAction: 1,
	}
	st.tickets[t.id] = t
	st.patchTicket(t, p, now)
	return t, nil
}

// patchTicket applies a validated patch: only the fields sent change.
func (st *store) patchTicket(t *ticket, p ticketPatch, now time.Time) changes {
	var c changes
	for name, n := range p.ints {
		ptr := map[string]*int{
			"status_id": &t.statusID, "tickettype_id": &t.typeID,
			"priority_id": &t.priorityID, "agent_id": &t.agentID, "team_id": &t.teamID,
			"client_id": &t.clientID, "site_id": &t.siteID, "user_id": &t.userID,
		}[name]
		if *ptr == n {
			continue
		}
		if name == "status_id" {
			st.setStatus(t, n, now)
			c.statusChanged = true
			continue
		}
		*ptr = n
		c.updated = true
	}
	for k, v := range p.extra {
		if old, ok := t.extra[k]; !ok || !jsonEqual(old, v) {
			t.extra[k] = v
			c.updated = true
		}
	}
	for _, cv := range p.custom {
		i := slices.IndexFunc(t.custom, func(x customValue) bool { return x.def.id == cv.def.id })
		if i < 0 {
			t.custom = append(t.custom, cv)
		} else {
			t.custom[i] = cv
		}
		c.updated = true
	}
	if p.recover && t.deleted {
		t.deleted = false
		c.updated = true
	}
	if c.updated || c.statusChanged {
		t.lastUpdate = now
	}
	return c
}

// setStatus moves a ticket, closing or reopening it as the status says.
func (st *store) setStatus(t *ticket, statusID int, now time.Time) {
	t.statusID = statusID
	s, _ := st.status(statusID)
	switch {
	case s.Closed && t.closed.IsZero():
		t.closed = now
	case !s.Closed:
		t.closed = time.Time{}
	}
	t.lastUpdate = now
}

func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// renderTicket returns the JSON object for a ticket. List rows omit
// priority_name, which Halo only reliably fills on a single GET.
func (st *store) renderTicket(t *ticket, single bool) map[string]any {
	m := maps.Clone(t.extra)
	if m == nil {
		m = map[string]any{}
	}
	for _, k := range []string{"summary", "details"} {
		if _, ok := m[k]; !ok {
			m[k] = ""
		}
	}
	s, _ := st.status(t.statusID)
	tt, _ := st.ticketType(t.typeID)
	a, _ := st.agent(t.agentID)
	c, _ := st.client(t.clientID)
	si, _ := st.site(t.siteID)
	u, _ := st.user(t.userID)
	m["id"] = t.id
	m["status_id"], m["status_name"] = t.statusID, s.Name
	m["tickettype_id"], m["tickettype_name"] = t.typeID, tt.name
	m["priority_id"] = t.priorityID
	if single {
		p, _ := st.priority(t.priorityID)
		m["priority_name"] = p.name
	}
	m["agent_id"], m["agent_name"] = t.agentID, a.Name
	m["team"], m["team_id"] = st.teamName(t.teamID), t.teamID
	m["client_id"], m["client_name"] = t.clientID, c.name
	m["site_id"], m["site_name"] = t.siteID, si.name
	m["user_id"], m["user_name"], m["user_email"] = t.userID, u.Name, u.Email
	m["dateoccurred"] = formatDate(t.occurred)
	m["datecreated"] = formatDate(t.created)
	m["last_update"] = formatDate(t.lastUpdate)
	m["lastactiondate"] = formatDate(t.lastAction)
	m["dateclosed"] = formatDate(t.closed)
	m["hasbeenclosed"] = !t.closed.IsZero()
	m["onhold"] = s.Type == StatusHold
	cfs := make([]map[string]any, 0, len(t.custom))
	for _, cv := range t.custom {
		display := ""
		switch v := cv.value.(type) {
		case int:
			display = strconv.Itoa(v)
			for _, fv := range cv.def.values {
				if fv.id == v {
					display = fv.name
				}
			}
		default:
			display, _ = toString(v)
		}
		cfs = append(cfs, map[string]any{
			"id": cv.def.id, "name": cv.def.name, "label": cv.def.label,
			"type": cv.def.typ, "value": cv.value, "display": display,
		})
	}
	m["customfields"] = cfs
	return m
}

// serveTickets routes /api/Tickets.
func (s *Server) serveTickets(w http.ResponseWriter, r *http.Request, idPart string, q query, body []byte) {
	switch {
	case r.Method == http.MethodGet && idPart == "":
		s.listTickets(w, q)
	case r.Method == http.MethodGet:
		s.getTicket(w, idPart)
	case r.Method == http.MethodPost && idPart == "":
		s.postTickets(w, body)
	case r.Method == http.MethodDelete && idPart != "":
		s.deleteTicket(w, idPart)
	default:
		writeText(w, http.StatusMethodNotAllowed, "Method Not Allowed")
	}
}

// withTicket parses idPart as a ticket id and calls fn with that ticket
// while holding s.mu. An id that is not a number gets a 400 and a ticket
// that does not exist or was deleted a 404; fn is not called then.
func (s *Server) withTicket(w http.ResponseWriter, idPart string, fn func(t *ticket)) {
	id, err := strconv.Atoi(idPart)
	if err != nil {
		writeText(w, http.StatusBadRequest, fmt.Sprintf("invalid ticket id %q", idPart))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.store.tickets[id]
	if !ok || t.deleted {
		writeText(w, http.StatusNotFound, fmt.Sprintf("ticket %d not found", id))
		return
	}
	fn(t)
}

func (s *Server) getTicket(w http.ResponseWriter, idPart string) {
	s.withTicket(w, idPart, func(t *ticket) {
		writeJSON(w, http.StatusOK, s.store.renderTicket(t, true))
	})
}

func (s *Server) deleteTicket(w http.ResponseWriter, idPart string) {
	s.withTicket(w, idPart, func(t *ticket) {
		t.deleted = true
		t.lastUpdate = s.now()
		writeJSON(w, http.StatusOK, map[string]any{"id": t.id})
	})
}

// postTickets implements POST /api/Tickets: every element is validated
// before any is applied, so a 400 leaves the store unchanged.
func (s *Server) postTickets(w http.ResponseWriter, body []byte) {
	items, err := decodeArray(body, "tickets")
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.store

	patches := make([]ticketPatch, len(items))
	for i, in := range items {
		p, err := st.validateTicket(i, in)
		if err != nil {
			writeText(w, http.StatusBadRequest, err.Error())
			return
		}
		if p.id != 0 {
			t, ok := st.tickets[p.id]
			// Updating an unknown or deleted ticket is refused; whether
			// Halo would instead create one is unknown.
			if !ok || (t.deleted && !p.recover) {
				writeText(w, http.StatusNotFound, fmt.Sprintf("[%d].id: ticket %d not found", i, p.id))
				return
			}
		} else {
			typeID := 1
			if v, ok := p.ints["tickettype_id"]; ok {
				typeID = v
			}
			if tt, _ := st.ticketType(typeID); tt.cab {
				writeText(w, http.StatusBadRequest,
					"CODE:APP03/2 Please select the CAB members to approve")
				return
			}
		}
		patches[i] = p
	}

	now := s.now()
	out := make([]map[string]any, 0, len(patches))
	for _, p := range patches {
		var t *ticket
		var c changes
		if p.id == 0 {
			t, _ = st.createTicket(p, now)
			c = changes{created: true}
		} else {
			t = st.tickets[p.id]
			c = st.patchTicket(t, p, now)
		}
		s.emitLocked(t, c, s.cfg.LoginAgentID)
		out = append(out, st.renderTicket(t, true))
	}
	if len(out) == 1 {
		writeJSON(w, http.StatusCreated, out[0])
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

// listTickets implements GET /api/Tickets.
func (s *Server) listTickets(w http.ResponseWriter, q query) {
	f, err := parseTicketFilter(q)
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	pg, err := q.paging()
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	count, hasCount, err := q.intStrict("count")
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.store
	var rows []*ticket
	for _, t := range st.tickets {
		if f.match(st, t) {
			rows = append(rows, t)
		}
	}
	// count takes the newest tickets (highest ids) and reports only
	// them in record_count, capped at 1000, as Halo does.
	if hasCount && count > 0 {
		slices.SortFunc(rows, func(a, b *ticket) int { return cmp.Compare(b.id, a.id) })
		rows = rows[:min(count, 1000, len(rows))]
	}
	f.sort(rows)

	env := map[string]any{"record_count": len(rows)}
	if pg.on {
		env["page_no"], env["page_size"] = pg.no, pg.size
		rows = pageOf(rows, pg)
	}
	out := make([]map[string]any, 0, len(rows))
	for _, t := range rows {
		m := st.renderTicket(t, false)
		if s.cfg.LooseIDs {
			for _, k := range []string{"id", "status_id", "tickettype_id", "agent_id"} {
				if n, ok := m[k].(int); ok {
					m[k] = looseID(n)
				}
			}
		}
		out = append(out, m)
	}
	env["tickets"] = out
	writeJSON(w, http.StatusOK, env)
}

// Tickets returns every ticket as a single GET renders it, deleted ones
// included with "deleted": true, ordered by id.
func (s *Server) Tickets() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := slices.Sorted(maps.Keys(s.store.tickets))
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		t := s.store.tickets[id]
		m := s.store.renderTicket(t, true)
		m["deleted"] = t.deleted
		out = append(out, m)
	}
	return out
}

// CreateTicket creates a ticket as if an agent logged it in Halo's UI;
// it fires webhooks like an API create. fields take the API's names. It
// returns the new id, or 0 with an error when fields are invalid (see
// CreateTicketErr).
func (s *Server) CreateTicket(fields map[string]any) int {
	id, err := s.CreateTicketErr(fields)
	if err != nil {
		s.logger.Warn("emulator: create ticket", "err", err)
	}
	return id
}

// CreateTicketErr is CreateTicket returning the validation error.
func (s *Server) CreateTicketErr(fields map[string]any) (int, error) {
	in, err := normalise(fields)
	if err != nil {
		return 0, err
	}
	delete(in, "id")
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.store.validateTicket(0, in)
	if err != nil {
		return 0, fmt.Errorf("emulator: create ticket: %w", err)
	}
	t, err := s.store.createTicket(p, s.now())
	if err != nil {
		return 0, fmt.Errorf("emulator: create ticket: %w", err)
	}
	s.emitLocked(t, changes{created: true}, DefaultUIAgentID)
	return t.id, nil
}

// UpdateTicket changes a ticket as if in Halo's UI: only the given
// fields change, last_update moves and webhooks fire.
func (s *Server) UpdateTicket(id int, fields map[string]any) error {
	in, err := normalise(fields)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.store.tickets[id]
	if !ok || t.deleted {
		return fmt.Errorf("emulator: update ticket %d: %w", id, errNotFound)
	}
	in["id"] = id
	p, err := s.store.validateTicket(0, in)
	if err != nil {
		return fmt.Errorf("emulator: update ticket %d: %w", id, err)
	}
	c := s.store.patchTicket(t, p, s.now())
	s.emitLocked(t, c, DefaultUIAgentID)
	return nil
}

// normalise round-trips fields through JSON so direct calls see the
// same value types as API calls.
func normalise(fields map[string]any) (map[string]any, error) {
	b, err := json.Marshal([]any{fields})
	if err != nil {
		return nil, fmt.Errorf("emulator: fields: %w", err)
	}
	items, err := decodeArray(b, "tickets")
	if err != nil {
		return nil, fmt.Errorf("emulator: fields: %w", err)
	}
	return items[0], nil
}
