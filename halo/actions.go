package halo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
)

// Action is one entry of a ticket's history (entity Actions): a note, an
// email or a status move. Unknown properties are kept in Extra, as for
// Ticket.
type Action struct {
	ID             ID     `json:"id"`
	TicketID       ID     `json:"ticket_id,omitempty"`
	Outcome        string `json:"outcome,omitempty"`
	OutcomeID      ID     `json:"outcome_id,omitempty"`
	Who            string `json:"who,omitempty"`
	Note           string `json:"note,omitempty"`
	NoteHTML       string `json:"note_html,omitempty"`
	HiddenFromUser bool   `json:"hiddenfromuser,omitempty"`
	Important      bool   `json:"important,omitempty"`
	OldStatus      ID     `json:"old_status,omitempty"`
	NewStatus      ID     `json:"new_status,omitempty"`
	NewStatusName  string `json:"new_status_name,omitempty"`
	NewAgent       ID     `json:"new_agent,omitempty"`
	NewTeam        string `json:"new_team,omitempty"`
	ActionByAgent  ID     `json:"actionby_agent_id,omitempty"`
	EmailTo        string `json:"emailto,omitempty"`
	EmailSubject   string `json:"emailsubject,omitempty"`
	DateTime       Time   `json:"datetime,omitzero"`
	DateCreated    Time   `json:"actiondatecreated,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes an action tolerantly (see Ticket).
func (a *Action) UnmarshalJSON(b []byte) error {
	type plain Action
	var p plain
	if err := decodeTolerant(b, &p, &p.Extra); err != nil {
		return fmt.Errorf("decode action: %w", err)
	}
	*a = Action(p)
	return nil
}

// MarshalJSON encodes the known fields and Extra.
func (a Action) MarshalJSON() ([]byte, error) {
	type plain Action
	return mergeExtra(plain(a), a.Extra)
}

// ActionsService reaches /api/Actions. Get it from Client.Actions.
type ActionsService struct{ c *Client }

// ActionListOptions filters GET /api/Actions. Zero fields are not sent.
type ActionListOptions struct {
	ExcludeSystem    bool // excludesys: leave out system actions
	ConversationOnly bool // conversationonly
	AgentOnly        bool // agentonly
	ExcludePrivate   bool // excludeprivate
	ImportantOnly    bool // importantonly
	IncludeHTMLNote  bool // includehtmlnote: fill note_html
	// Max stops after this many actions; 0 means all.
	Max int
}

// List returns the actions of ticket ticketID (GET /api/Actions?
// ticket_id=N), fetching pages of 100 until record_count or a short page.
func (s *ActionsService) List(ctx context.Context, ticketID ID, opts ActionListOptions) ([]Action,
	error) {
	q := url.Values{}
	idParam(q, "ticket_id", ticketID)
	boolParam(q, "excludesys", opts.ExcludeSystem)
	boolParam(q, "conversationonly", opts.ConversationOnly)
	boolParam(q, "agentonly", opts.AgentOnly)
	boolParam(q, "excludeprivate", opts.ExcludePrivate)
	boolParam(q, "importantonly", opts.ImportantOnly)
	boolParam(q, "includehtmlnote", opts.IncludeHTMLNote)

	var out []Action
	for raw, err := range s.c.pages(ctx, "/Actions", "actions", q, 0, opts.Max) {
		if err != nil {
			return nil, fmt.Errorf("halo: list actions of ticket %d: %w", ticketID, err)
		}
		var a Action
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, fmt.Errorf("halo: list actions of ticket %d: %w", ticketID, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// ActionCreate describes a new action on a ticket. TicketID and one of
// Outcome or OutcomeID are required (Halo refuses an action without an
// outcome; outcome 7 is the built-in "Internal Note" on most tenants).
type ActionCreate struct {
	TicketID  ID
	Outcome   string // outcome name, e.g. "Private Note"
	OutcomeID ID
	Note      string // plain text
	NoteHTML  string // HTML; sent as note_html when set
	// HiddenFromUser makes the note private (hidden from the end user).
	HiddenFromUser bool
	NewStatus      ID     // move the ticket to this status
	NewAgent       ID     // reassign to this agent
	NewTeam        string // reassign to this team (by name)
	NewPriority    ID
	Important      bool
	SendEmail      bool // email the note
	EmailTo        string
	EmailCC        string
	EmailSubject   string
	// TimeTaken is the time spent, in hours.
	TimeTaken float64

	// Fields holds further Halo action properties sent as they are; the
	// fields above take precedence.
	Fields map[string]any
}

func (ac ActionCreate) body() map[string]any {
	m := make(map[string]any, len(ac.Fields)+16)
	for k, v := range ac.Fields {
		m[k] = v
	}
	set := func(k string, v any, ok bool) {
		if ok {
			m[k] = v
		}
	}
	set("ticket_id", ac.TicketID, true)
	set("outcome", ac.Outcome, ac.Outcome != "")
	set("outcome_id", ac.OutcomeID, ac.OutcomeID != 0)
	set("note", ac.Note, ac.Note != "")
	set("note_html", ac.NoteHTML, ac.NoteHTML != "")
	set("hiddenfromuser", true, ac.HiddenFromUser)
	set("new_status", ac.NewStatus, ac.NewStatus != 0)
	set("new_agent", ac.NewAgent, ac.NewAgent != 0)
	set("new_team", ac.NewTeam, ac.NewTeam != "")
	set("new_priority", ac.NewPriority, ac.NewPriority != 0)
	set("important", true, ac.Important)
	set("sendemail", true, ac.SendEmail)
	set("emailto", ac.EmailTo, ac.EmailTo != "")
	set("emailcc", ac.EmailCC, ac.EmailCC != "")
	set("emailsubject", ac.EmailSubject, ac.EmailSubject != "")
	set("timetaken", ac.TimeTaken, ac.TimeTaken != 0)
	delete(m, "id")
	return m
}

// Create adds an action to a ticket (POST /api/Actions with a
// one-element array) and returns it as Halo answered.
//
// Actions have no field to carry an idempotency key, so a create whose
// outcome is unknown (a timeout, a connection lost after the request was
// written, a 5xx) is not retried: the error matches ErrAmbiguous, and the
// caller should tell the user the note may or may not have been written.
// Failures before the request reached Halo, 429 and 401 are retried.
func (s *ActionsService) Create(ctx context.Context, ac ActionCreate) (*Action, error) {
	switch {
	case ac.TicketID <= 0:
		return nil, errors.New("halo: create action: ticket id is required")
	case ac.Outcome == "" && ac.OutcomeID == 0:
		return nil, fmt.Errorf("halo: create action on ticket %d: an outcome or outcome id "+
			"is required", ac.TicketID)
	}
	payload, err := json.Marshal([]map[string]any{ac.body()})
	if err != nil {
		return nil, fmt.Errorf("halo: create action on ticket %d: encode: %w", ac.TicketID, err)
	}
	body, err := s.c.do(ctx, call{method: "POST", path: "/Actions", body: payload,
		kind: kindCreate, ticketID: ac.TicketID})
	if err != nil {
		return nil, fmt.Errorf("halo: create action on ticket %d: %w", ac.TicketID, err)
	}
	var a Action
	if err := decodeOne(body, &a); err != nil {
		return nil, fmt.Errorf("halo: create action on ticket %d: %w", ac.TicketID, err)
	}
	return &a, nil
}
