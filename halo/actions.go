package halo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
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
	m := newWireBody(ac.Fields, 16)
	m["ticket_id"] = ac.TicketID
	m.setIf("outcome", ac.Outcome, ac.Outcome != "")
	m.setIf("outcome_id", ac.OutcomeID, ac.OutcomeID != 0)
	m.setIf("note", ac.Note, ac.Note != "")
	m.setIf("note_html", ac.NoteHTML, ac.NoteHTML != "")
	m.setIf("hiddenfromuser", true, ac.HiddenFromUser)
	m.setIf("new_status", ac.NewStatus, ac.NewStatus != 0)
	m.setIf("new_agent", ac.NewAgent, ac.NewAgent != 0)
	m.setIf("new_team", ac.NewTeam, ac.NewTeam != "")
	m.setIf("new_priority", ac.NewPriority, ac.NewPriority != 0)
	m.setIf("important", true, ac.Important)
	m.setIf("sendemail", true, ac.SendEmail)
	m.setIf("emailto", ac.EmailTo, ac.EmailTo != "")
	m.setIf("emailcc", ac.EmailCC, ac.EmailCC != "")
	m.setIf("emailsubject", ac.EmailSubject, ac.EmailSubject != "")
	m.setIf("timetaken", ac.TimeTaken, ac.TimeTaken != 0)
	delete(m, "id")
	return m
}

// Bounds of the search for a note after an ambiguous create.
const (
	// noteLookupPages is how many pages of 100 actions the search reads,
	// newest first.
	noteLookupPages = 3
	// noteClockSlack is how far before the first attempt an action may be
	// dated and still count as written by this call, for clock
	// differences between this host and Halo.
	noteClockSlack = time.Minute
)

// Create adds an action to a ticket (POST /api/Actions with a
// one-element array) and returns it as Halo answered.
//
// Actions have no field to carry an idempotency key, so after a failure
// whose outcome is unknown (a connection lost after the request was
// written, a 5xx) Create does not resend blindly. It first looks for the
// action among the ticket's actions (GET /api/Actions?ticket_id=N with
// includehtmlnote=true, newest first, at most 300 actions) and returns the
// action it finds; only when none is found does it send the create again,
// within the usual retry bound (Config.MaxRetryElapsed).
//
// An action counts as already written when, on the same ticket, it has
//   - the same note text: the create's note or note_html equals the
//     action's note or note_html once runs of white space are collapsed
//     and the ends trimmed;
//   - the same outcome: the same outcome id, or the same outcome name
//     ignoring case; and
//   - a creation date (actiondatecreated, else datetime) at or after the
//     start of the first attempt less one minute of allowance for clock
//     differences.
//
// The trade-off: two identical notes with the same outcome posted to the
// same ticket within about a minute collapse into one, the second call
// returning the first note. For a workflow step that is retried, that is
// the wanted result; a caller that truly wants the same text twice within
// a minute must make the texts differ. An action created by a request
// still in flight inside Halo when the search runs is not seen, and on a
// ticket that gains hundreds of actions during one call the note may be
// missed; either way the note is written twice. An action without note
// text cannot be recognised, so for it an ambiguous failure is returned
// as it is, as is a failure of the search itself: both match
// ErrAmbiguous, and the caller should tell the user the action may or may
// not have been written.
//
// Failures before the request reached Halo, 429 and 401 are retried as
// for reads.
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
	since := s.c.clock.Now().Add(-noteClockSlack)
	start := s.c.clock.Now()

	for attempt := 1; ; attempt++ {
		body, err := s.c.do(ctx, call{method: "POST", path: "/Actions", body: payload,
			kind: kindCreate, ticketID: ac.TicketID})
		if err == nil {
			var a Action
			if err := decodeOne(body, &a); err != nil {
				return nil, fmt.Errorf("halo: create action on ticket %d: %w", ac.TicketID, err)
			}
			return &a, nil
		}
		var amb *ambiguousError
		if !errors.As(err, &amb) || len(ac.noteTexts()) == 0 {
			return nil, fmt.Errorf("halo: create action on ticket %d: %w", ac.TicketID, err)
		}

		s.c.logger(ctx).Warn("halo: action create outcome unknown; looking for the note",
			"method", "POST", "path", s.c.base.Path+"/Actions", "attempt", attempt,
			"ticket_id", ac.TicketID, "error", amb.cause.Error())
		a, lerr := s.findNote(ctx, ac, since)
		if lerr != nil {
			return nil, fmt.Errorf("halo: create action on ticket %d: %w (lookup failed: %w)",
				ac.TicketID, err, lerr)
		}
		if a != nil {
			s.c.logger(ctx).Info("halo: action create had succeeded; returning it",
				"ticket_id", ac.TicketID, "action_id", a.ID)
			return a, nil
		}

		wait := transientDelay(attempt-1, s.c.jitter)
		if s.c.clock.Now().Sub(start)+wait > s.c.cfg.MaxRetryElapsed {
			return nil, fmt.Errorf("halo: create action on ticket %d: %w", ac.TicketID, err)
		}
		s.c.obs.OnRetry("ambiguous", wait)
		s.c.logger(ctx).Warn("halo: action was not created; sending the create again",
			"method", "POST", "attempt", attempt, "wait", wait, "ticket_id", ac.TicketID)
		if err := s.c.clock.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("halo: create action on ticket %d: %w", ac.TicketID,
				errors.Join(err, amb))
		}
	}
}

// noteTexts returns the create's note texts, white space collapsed,
// leaving out empty ones.
func (ac ActionCreate) noteTexts() []string {
	var out []string
	for _, t := range []string{ac.Note, ac.NoteHTML} {
		if t = collapseSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// matches reports whether a is the action ac would create, by the rule
// Create documents (the date is checked by the caller).
func (ac ActionCreate) matches(a Action) bool {
	sameOutcome := ac.OutcomeID != 0 && a.OutcomeID == ac.OutcomeID ||
		ac.Outcome != "" && strings.EqualFold(strings.TrimSpace(a.Outcome),
			strings.TrimSpace(ac.Outcome))
	if !sameOutcome {
		return false
	}
	for _, want := range ac.noteTexts() {
		if want == collapseSpace(a.Note) || want == collapseSpace(a.NoteHTML) {
			return true
		}
	}
	return false
}

// created is when Halo recorded a, or the zero time when it did not say.
func (a Action) created() time.Time {
	if !a.DateCreated.IsZero() {
		return a.DateCreated.Time
	}
	return a.DateTime.Time
}

func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// findNote returns the newest action of ac's ticket that matches ac and
// was created at or after since, or nil when none is among the newest
// noteLookupPages pages.
//
// Halo does not document the order of GET /api/Actions, so the first
// page tells: when its ids ascend and there are more pages, the newest
// actions are on the last pages, and the search reads backwards from the
// last page; otherwise it reads forwards. Either way it stops at the
// first page holding an action older than since.
func (s *ActionsService) findNote(ctx context.Context, ac ActionCreate, since time.Time) (*Action,
	error) {
	var best *Action
	// scan considers a page's actions and reports whether any is older
	// than since.
	scan := func(rows []Action) (older bool) {
		for i := range rows {
			a := &rows[i]
			at := a.created()
			if at.IsZero() {
				continue // undated: cannot be told apart
			}
			if at.Before(since) {
				older = true
				continue
			}
			if ac.matches(*a) && (best == nil || at.After(best.created()) ||
				at.Equal(best.created()) && a.ID > best.ID) {
				best = a
			}
		}
		return older
	}

	rows, total, err := s.notePage(ctx, ac.TicketID, 1)
	if err != nil {
		return nil, err
	}
	older := scan(rows)
	if len(rows) < maxPageSize || total > 0 && total <= maxPageSize {
		return best, nil
	}

	lastPage := (total + maxPageSize - 1) / maxPageSize
	next, step := 2, 1
	if total > 0 && rows[len(rows)-1].ID > rows[0].ID {
		// Oldest first: the newest actions are on the last pages, and an
		// old action on page 1 says nothing about them.
		next, step = lastPage, -1
	} else if best != nil || older {
		return best, nil
	}
	for range noteLookupPages - 1 {
		if next < 2 || total > 0 && next > lastPage {
			break
		}
		rows, _, err := s.notePage(ctx, ac.TicketID, next)
		if err != nil {
			return nil, err
		}
		older = scan(rows)
		if best != nil || older || len(rows) < maxPageSize && step > 0 || len(rows) == 0 {
			break
		}
		next += step
	}
	return best, nil
}

// notePage returns page n (of 100) of a ticket's actions and the
// record_count Halo reported, or 0 when it reported none.
func (s *ActionsService) notePage(ctx context.Context, ticketID ID, n int) ([]Action, int,
	error) {
	q := url.Values{}
	idParam(q, "ticket_id", ticketID)
	q.Set("includehtmlnote", "true")
	q.Set("pageinate", "true")
	q.Set("page_no", strconv.Itoa(n))
	q.Set("page_size", strconv.Itoa(maxPageSize))
	body, err := s.c.do(ctx, call{method: "GET", path: "/Actions", query: q, kind: kindRead,
		ticketID: ticketID})
	if err != nil {
		return nil, 0, err
	}
	p, err := decodeList(body, "actions")
	if err != nil {
		return nil, 0, err
	}
	rows := make([]Action, 0, len(p.rows))
	for _, raw := range p.rows {
		var a Action
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, 0, err
		}
		rows = append(rows, a)
	}
	return rows, p.recordCount, nil
}
