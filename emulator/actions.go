package emulator

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// outcomeRequired is Halo's exact answer to an action without an
// outcome.
const outcomeRequired = "An Outcome must be entered for this Action"

// serveActions routes /api/Actions. Action ids are numbered per ticket,
// so single-action calls need ticket_id.
func (s *Server) serveActions(w http.ResponseWriter, r *http.Request, idPart string, q query,
	body []byte, tok *token) {
	switch {
	case r.Method == http.MethodPost && idPart == "":
		s.postActions(w, body, tok)
		return
	case r.Method != http.MethodGet && r.Method != http.MethodDelete,
		r.Method == http.MethodDelete && idPart == "":
		writeText(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}

	ticketID, ok, err := q.intStrict("ticket_id")
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	if !ok {
		writeText(w, http.StatusBadRequest, "ticket_id is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, found := s.store.tickets[ticketID]
	if !found || t.deleted {
		writeText(w, http.StatusNotFound, fmt.Sprintf("ticket %d not found", ticketID))
		return
	}

	if idPart == "" {
		rows := make([]map[string]any, 0, len(t.actions))
		for _, a := range t.actions {
			if q.bool("excludeprivate") && a["hiddenfromuser"] == true {
				continue
			}
			rows = append(rows, maps.Clone(a))
		}
		env := map[string]any{"ticket_id": ticketID, "record_count": len(rows)}
		pg, err := q.paging()
		if err != nil {
			writeText(w, http.StatusBadRequest, err.Error())
			return
		}
		env["page_no"], env["page_size"] = 1, len(rows)
		if pg.on {
			env["page_no"], env["page_size"] = pg.no, pg.size
			rows = pageOf(rows, pg)
		}
		env["actions"] = rows
		writeJSON(w, http.StatusOK, env)
		return
	}

	id, err := strconv.Atoi(idPart)
	if err != nil {
		writeText(w, http.StatusBadRequest, fmt.Sprintf("invalid action id %q", idPart))
		return
	}
	i := slices.IndexFunc(t.actions, func(a map[string]any) bool { return a["id"] == id })
	if i < 0 {
		writeText(w, http.StatusNotFound, fmt.Sprintf("action %d not found on ticket %d", id, ticketID))
		return
	}
	if r.Method == http.MethodDelete {
		t.actions = slices.Delete(t.actions, i, i+1)
		writeJSON(w, http.StatusOK, map[string]any{"id": id})
		return
	}
	writeJSON(w, http.StatusOK, maps.Clone(t.actions[i]))
}

// actionPatch is one validated element of an action POST.
type actionPatch struct {
	in                   map[string]any
	id, ticketID         int
	outcomeID            int
	outcomeName          string
	newStatus, newAgent  int
	newPriority, newTeam int
	hasStatus, hasAgent  bool
	hasPriority, hasTeam bool
	note, noteHTML       string
	hidden               bool
}

// validateAction checks one posted action.
func (st *store) validateAction(i int, in map[string]any) (actionPatch, error) {
	p := actionPatch{in: in}
	field := func(name string) string { return fmt.Sprintf("[%d].%s", i, name) }

	v, ok := in["ticket_id"]
	if !ok || v == nil {
		return p, badf("%s: ticket_id is required", field("ticket_id"))
	}
	if p.ticketID, ok = toInt(v); !ok {
		return p, badf("%s: %v is not a ticket id", field("ticket_id"), v)
	}
	t, ok := st.tickets[p.ticketID]
	if !ok || t.deleted {
		return p, &notFoundError{fmt.Sprintf("%s: ticket %d not found", field("ticket_id"), p.ticketID)}
	}
	if v, ok := in["id"]; ok && v != nil {
		if p.id, ok = toInt(v); !ok {
			return p, badf("%s: %v is not an action id", field("id"), v)
		}
	}

	if v, ok := in["outcome_id"]; ok && v != nil {
		n, ok := toInt(v)
		o, found := st.outcome(n)
		if !ok || !found {
			return p, badf("%s: outcome %v does not exist", field("outcome_id"), v)
		}
		p.outcomeID, p.outcomeName = o.id, o.name
	}
	if v, ok := in["outcome"].(string); ok && strings.TrimSpace(v) != "" && p.outcomeID == 0 {
		p.outcomeName = v
		if o, found := st.outcomeByName(v); found {
			p.outcomeID = o.id
		}
	}
	if p.outcomeName == "" && p.id == 0 {
		return p, badf(outcomeRequired)
	}

	if v, ok := in["new_status"]; ok && v != nil {
		n, ok := toInt(v)
		if _, found := st.status(n); !ok || !found {
			return p, badf("%s: status %v does not exist", field("new_status"), v)
		}
		p.newStatus, p.hasStatus = n, true
	} else if o, found := st.outcome(p.outcomeID); found && o.newStatus != 0 {
		// An outcome configured with a new status applies it, as its
		// button does in Halo's UI [inferred].
		p.newStatus, p.hasStatus = o.newStatus, true
	}
	if v, ok := in["new_agent"]; ok && v != nil {
		n, ok := toInt(v)
		if !ok {
			return p, badf("%s: %v is not an agent id", field("new_agent"), v)
		}
		if err := st.checkRef("agent_id", n); err != nil {
			return p, badf("%s: %v", field("new_agent"), err)
		}
		p.newAgent, p.hasAgent = n, true
	}
	if v, ok := in["new_team"]; ok && v != nil {
		name, _ := toString(v)
		tm, found := st.teamByName(name)
		if !found {
			return p, badf("%s: no team is named %q", field("new_team"), name)
		}
		p.newTeam, p.hasTeam = tm.ID, true
	}
	if v, ok := in["new_priority"]; ok && v != nil {
		n, ok := toInt(v)
		if _, found := st.priority(n); !ok || !found {
			return p, badf("%s: priority %v does not exist", field("new_priority"), v)
		}
		p.newPriority, p.hasPriority = n, true
	}
	p.note, _ = toString(in["note"])
	p.noteHTML, _ = toString(in["note_html"])
	if p.note == "" && p.noteHTML != "" {
		p.note = stripTags(p.noteHTML)
	}
	if v, ok := in["hiddenfromuser"]; ok {
		p.hidden, _ = toBool(v)
	} else if o, found := st.outcome(p.outcomeID); found {
		p.hidden = o.hide
	}
	return p, nil
}

type notFoundError struct{ msg string }

func (e *notFoundError) Error() string { return e.msg }

var tagRE = regexp.MustCompile(`<[^>]*>`)

func stripTags(html string) string { return strings.TrimSpace(tagRE.ReplaceAllString(html, "")) }

// postActions implements POST /api/Actions. All elements are validated
// before any is applied.
func (s *Server) postActions(w http.ResponseWriter, body []byte, tok *token) {
	items, err := decodeArray(body, "actions")
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	patches := make([]actionPatch, len(items))
	for i, in := range items {
		p, err := s.store.validateAction(i, in)
		if nf := (*notFoundError)(nil); errors.As(err, &nf) {
			writeText(w, http.StatusNotFound, nf.msg)
			return
		}
		if err != nil {
			writeText(w, http.StatusBadRequest, err.Error())
			return
		}
		if p.id != 0 {
			t := s.store.tickets[p.ticketID]
			if !slices.ContainsFunc(t.actions, func(a map[string]any) bool { return a["id"] == p.id }) {
				writeText(w, http.StatusNotFound,
					fmt.Sprintf("[%d].id: action %d not found on ticket %d", i, p.id, p.ticketID))
				return
			}
		}
		patches[i] = p
	}
	out := make([]map[string]any, 0, len(patches))
	for _, p := range patches {
		a := s.applyActionLocked(p, tok.clientID, s.cfg.LoginAgentID)
		out = append(out, maps.Clone(a))
	}
	if len(out) == 1 {
		writeJSON(w, http.StatusCreated, out[0])
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

// applyActionLocked records (or updates) an action and applies its side
// effects on the ticket. s.mu must be held.
func (s *Server) applyActionLocked(p actionPatch, appID string, agentID int) map[string]any {
	st := &s.store
	t := st.tickets[p.ticketID]
	now := s.now()

	if p.id != 0 {
		i := slices.IndexFunc(t.actions, func(a map[string]any) bool { return a["id"] == p.id })
		a := t.actions[i]
		for k, v := range p.in {
			if k != "id" && k != "ticket_id" && !strings.HasPrefix(k, "_") {
				a[k] = v
			}
		}
		if p.note != "" {
			a["note"] = p.note
		}
		t.lastUpdate = now
		s.emitLocked(t, changes{updated: true}, agentID)
		return a
	}

	a := map[string]any{}
	for k, v := range p.in {
		if !strings.HasPrefix(k, "_") {
			a[k] = v
		}
	}
	a["id"] = t.nextAction
	t.nextAction++
	a["ticket_id"] = t.id
	a["outcome"], a["outcome_id"] = p.outcomeName, p.outcomeID
	a["note"], a["note_html"] = p.note, p.noteHTML
	a["hiddenfromuser"] = p.hidden
	a["datetime"] = formatDate(now)
	a["actiondatecreated"] = formatDate(now)
	a["actionby_agent_id"] = agentID
	a["actionby_application_id"] = appID
	if _, ok := a["who"]; !ok {
		ag, _ := st.agent(agentID)
		a["who"] = ag.Name
	}
	var c changes
	if p.hasStatus {
		old := t.statusID
		a["old_status"] = old
		a["new_status"] = p.newStatus
		ns, _ := st.status(p.newStatus)
		a["new_status_name"] = ns.Name
		if old != p.newStatus {
			st.setStatus(t, p.newStatus, now)
			c.statusChanged = true
			if ns.Closed && p.note != "" {
				t.extra["closure_note"] = p.note
			}
		}
	}
	if p.hasAgent && t.agentID != p.newAgent {
		t.agentID, c.updated = p.newAgent, true
	}
	if p.hasTeam && t.teamID != p.newTeam {
		t.teamID, c.updated = p.newTeam, true
	}
	if p.hasPriority && t.priorityID != p.newPriority {
		t.priorityID, c.updated = p.newPriority, true
	}
	if !c.statusChanged {
		// A note alone still changes the ticket's last update.
		c.updated = true
	}
	t.lastAction, t.lastUpdate = now, now
	t.actions = append(t.actions, a)
	s.emitLocked(t, c, agentID)
	return a
}

// ChangeStatus moves a ticket to statusID through an action, as an agent
// would in Halo's UI; the action records old_status and the note, and
// webhooks fire.
func (s *Server) ChangeStatus(id, statusID int, note string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := map[string]any{"ticket_id": id, "outcome": "Status Change", "note": note,
		"new_status": statusID}
	p, err := s.store.validateAction(0, in)
	if err != nil {
		return fmt.Errorf("emulator: change status of ticket %d: %w", id, err)
	}
	s.applyActionLocked(p, "", DefaultUIAgentID)
	return nil
}

// Actions returns the actions of a ticket, oldest first.
func (s *Server) Actions(ticketID int) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.store.tickets[ticketID]
	if !ok {
		return nil
	}
	out := make([]map[string]any, 0, len(t.actions))
	for _, a := range t.actions {
		out = append(out, maps.Clone(a))
	}
	return out
}
