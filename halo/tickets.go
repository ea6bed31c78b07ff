package halo

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// Ticket is a HaloITSM ticket (entity Faults). Halo returns several
// hundred properties; the common ones are fields here and every other
// property is kept in Extra, so encoding a decoded Ticket loses nothing
// except known fields that hold their zero value. A property whose value
// does not fit its field's type is kept in Extra too.
type Ticket struct {
	ID             ID     `json:"id"`
	Summary        string `json:"summary,omitempty"`
	Details        string `json:"details,omitempty"`
	DetailsHTML    string `json:"details_html,omitempty"`
	TicketTypeID   ID     `json:"tickettype_id,omitempty"`
	TicketTypeName string `json:"tickettype_name,omitempty"`
	StatusID       ID     `json:"status_id,omitempty"`
	StatusName     string `json:"status_name,omitempty"`
	PriorityID     ID     `json:"priority_id,omitempty"`
	PriorityName   string `json:"priority_name,omitempty"`
	SLAID          ID     `json:"sla_id,omitempty"`
	SLAName        string `json:"sla_name,omitempty"`
	// Team is the team's name, the field Halo's schema documents; TeamID
	// appears in some answers only.
	Team       string `json:"team,omitempty"`
	TeamID     ID     `json:"team_id,omitempty"`
	AgentID    ID     `json:"agent_id,omitempty"`
	AgentName  string `json:"agent_name,omitempty"`
	Category1  string `json:"category_1,omitempty"`
	Category2  string `json:"category_2,omitempty"`
	Category3  string `json:"category_3,omitempty"`
	Category4  string `json:"category_4,omitempty"`
	ClientID   ID     `json:"client_id,omitempty"`
	ClientName string `json:"client_name,omitempty"`
	SiteID     ID     `json:"site_id,omitempty"`
	SiteName   string `json:"site_name,omitempty"`
	UserID     ID     `json:"user_id,omitempty"`
	UserName   string `json:"user_name,omitempty"`
	UserEmail  string `json:"user_email,omitempty"`
	ReportedBy string `json:"reportedby,omitempty"`
	Impact     ID     `json:"impact,omitempty"`
	Urgency    ID     `json:"urgency,omitempty"`
	Source     ID     `json:"source,omitempty"`
	ParentID   ID     `json:"parent_id,omitempty"`

	DateOccurred   Time `json:"dateoccurred,omitzero"`
	DateCreated    Time `json:"datecreated,omitzero"`
	DateAssigned   Time `json:"dateassigned,omitzero"`
	DateClosed     Time `json:"dateclosed,omitzero"`
	LastActionDate Time `json:"lastactiondate,omitzero"`
	LastUpdate     Time `json:"last_update,omitzero"`
	RespondByDate  Time `json:"respondbydate,omitzero"`
	FixByDate      Time `json:"fixbydate,omitzero"`
	DeadlineDate   Time `json:"deadlinedate,omitzero"`

	// HasBeenClosed is the reliable closure flag; prefer it to comparing
	// status ids, which are tenant-specific.
	HasBeenClosed bool   `json:"hasbeenclosed,omitempty"`
	ClosureNote   string `json:"closure_note,omitempty"`
	OnHold        bool   `json:"onhold,omitempty"`
	Inactive      bool   `json:"inactive,omitempty"`

	CustomFields []CustomField `json:"customfields,omitempty"`

	// Rapid7TicketRRN is Halo's native link to a Rapid7 record; by
	// default it also carries the idempotency key of tickets created by
	// this package (see TicketsService.Create).
	Rapid7TicketRRN string `json:"rapid7_ticketrrn,omitempty"`

	// Extra holds every other property as Halo sent it.
	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a ticket tolerantly (see Ticket).
func (t *Ticket) UnmarshalJSON(b []byte) error {
	type plain Ticket
	var p plain
	if err := decodeTolerant(b, &p, &p.Extra); err != nil {
		return fmt.Errorf("decode ticket: %w", err)
	}
	*t = Ticket(p)
	return nil
}

// MarshalJSON encodes the known fields and Extra.
func (t Ticket) MarshalJSON() ([]byte, error) {
	type plain Ticket
	return mergeExtra(plain(t), t.Extra)
}

// CustomField is one entry of a ticket's customfields.
type CustomField struct {
	ID    ID     `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Label string `json:"label,omitempty"`
	Type  ID     `json:"type,omitempty"`
	// Value is the stored value as Halo sent it (a string, number, list
	// or object depending on the field type).
	Value json.RawMessage `json:"value,omitempty"`
	// Display is the value as Halo shows it.
	Display Text `json:"display,omitempty"`

	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a custom field tolerantly.
func (f *CustomField) UnmarshalJSON(b []byte) error {
	type plain CustomField
	var p plain
	if err := decodeTolerant(b, &p, &p.Extra); err != nil {
		return fmt.Errorf("decode custom field: %w", err)
	}
	*f = CustomField(p)
	return nil
}

// MarshalJSON encodes the known fields and Extra.
func (f CustomField) MarshalJSON() ([]byte, error) {
	type plain CustomField
	return mergeExtra(plain(f), f.Extra)
}

// CustomFieldValue sets a custom field on write, named by ID or Name
// (for example "CFImpact").
type CustomFieldValue struct {
	ID    ID     `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Value any    `json:"value"`
}

// TicketsService reaches /api/Tickets. Get it from Client.Tickets.
type TicketsService struct{ c *Client }

// DateField names the date a ticket list's StartDate/EndDate window
// applies to (the datesearch parameter).
type DateField string

// Date fields accepted by datesearch.
const (
	// DateOccurred is when the ticket was logged (the default).
	DateOccurred DateField = "dateoccurred"
	// DateClosed is when the ticket was closed.
	DateClosed DateField = "datecleared"
)

// maxPageSize is Halo's largest page; larger requests are reduced.
const maxPageSize = 100

// TicketListOptions filters GET /api/Tickets. Zero fields are not sent.
// Id lists are sent comma-separated.
type TicketListOptions struct {
	StatusIDs     []ID // status
	AgentIDs      []ID // agent
	TeamIDs       []ID // team
	PriorityIDs   []ID // priority
	TicketTypeIDs []ID // requesttype
	TicketIDs     []ID // ticketids
	ClientID      ID   // client_id
	SiteID        ID   // site_id
	UserID        ID   // user_id

	OpenOnly   bool // open_only
	ClosedOnly bool // closed_only
	Deleted    bool // deleted: list deleted tickets instead

	Search        string // search: free text over the ticket
	SearchSummary string // search_summary: text in the summary only

	// DateSearch picks the date StartDate and EndDate apply to; default
	// DateOccurred.
	DateSearch DateField
	StartDate  time.Time // startdate
	EndDate    time.Time // enddate

	LastUpdateFrom time.Time // lastupdatefromdate
	LastUpdateTo   time.Time // lastupdatetodate

	Order     string // order: the field to sort by, e.g. "id"
	OrderDesc bool   // orderdesc

	// PageSize is the page size, at most (and by default) 100.
	PageSize int
	// Max stops the listing after this many tickets; 0 means all.
	Max int

	// Query holds further parameters sent as they are, for filters this
	// type does not name.
	Query url.Values
}

func (o TicketListOptions) values() url.Values {
	q := url.Values{}
	for k, v := range o.Query {
		q[k] = append([]string(nil), v...)
	}
	idsParam(q, "status", o.StatusIDs)
	idsParam(q, "agent", o.AgentIDs)
	idsParam(q, "team", o.TeamIDs)
	idsParam(q, "priority", o.PriorityIDs)
	idsParam(q, "requesttype", o.TicketTypeIDs)
	idsParam(q, "ticketids", o.TicketIDs)
	idParam(q, "client_id", o.ClientID)
	idParam(q, "site_id", o.SiteID)
	idParam(q, "user_id", o.UserID)
	boolParam(q, "open_only", o.OpenOnly)
	boolParam(q, "closed_only", o.ClosedOnly)
	boolParam(q, "deleted", o.Deleted)
	if o.Search != "" {
		q.Set("search", o.Search)
	}
	if o.SearchSummary != "" {
		q.Set("search_summary", o.SearchSummary)
	}
	if !o.StartDate.IsZero() || !o.EndDate.IsZero() {
		ds := o.DateSearch
		if ds == "" {
			ds = DateOccurred
		}
		q.Set("datesearch", string(ds))
		setDate(q, "startdate", o.StartDate)
		setDate(q, "enddate", o.EndDate)
	}
	setDate(q, "lastupdatefromdate", o.LastUpdateFrom)
	setDate(q, "lastupdatetodate", o.LastUpdateTo)
	if o.Order != "" {
		q.Set("order", o.Order)
		boolParam(q, "orderdesc", o.OrderDesc)
	}
	return q
}

// setDate sends t in UTC as yyyy-MM-ddTHH:mm:ssZ.
func setDate(q url.Values, name string, t time.Time) {
	if !t.IsZero() {
		q.Set(name, t.UTC().Format("2006-01-02T15:04:05Z"))
	}
}

// List returns the tickets matching opts, fetching pages of up to 100 as
// the iteration proceeds (GET /api/Tickets with pageinate=true, page_no
// and page_size). It stops when the rows seen reach record_count or a
// page comes back short or empty; it never relies on Halo's count
// parameter, which silently caps at 1000. Stopping the loop early stops
// the fetching. An error ends the sequence after being yielded once.
func (s *TicketsService) List(ctx context.Context, opts TicketListOptions) iter.Seq2[Ticket, error] {
	return func(yield func(Ticket, error) bool) {
		for raw, err := range s.c.pages(ctx, "/Tickets", "tickets", opts.values(),
			opts.PageSize, opts.Max) {
			if err != nil {
				yield(Ticket{}, fmt.Errorf("halo: list tickets: %w", err))
				return
			}
			var t Ticket
			if err := json.Unmarshal(raw, &t); err != nil {
				yield(Ticket{}, fmt.Errorf("halo: list tickets: %w", err))
				return
			}
			if !yield(t, nil) {
				return
			}
		}
	}
}

// Get returns one ticket (GET /api/Tickets/{id}); includeDetails adds
// linked objects (includedetails=true). An unknown id gives an error
// matching ErrNotFound.
func (s *TicketsService) Get(ctx context.Context, id ID, includeDetails bool) (*Ticket, error) {
	q := url.Values{}
	boolParam(q, "includedetails", includeDetails)
	return doOne[Ticket](ctx, s.c, fmt.Sprintf("get ticket %d", id), call{method: "GET",
		path: idPath("/Tickets", id), query: q, kind: kindRead, ticketID: id})
}

// TicketCreate describes a new ticket. Summary is required. Zero fields
// are not sent, so Halo applies the ticket type's defaults.
type TicketCreate struct {
	Summary      string
	Details      string // plain text
	DetailsHTML  string // HTML; sent instead of Details when set
	TicketTypeID ID
	StatusID     ID
	PriorityID   ID
	AgentID      ID
	Team         string // team name
	ClientID     ID
	SiteID       ID
	UserID       ID
	Category1    string
	CustomFields []CustomFieldValue

	// Fields holds further Halo ticket properties sent as they are
	// (wire names, e.g. "impact" or "_novalidate"). The fields above take
	// precedence over the same names here.
	Fields map[string]any

	// IdempotencyKey identifies this create across retries and runs; it
	// is stored in the ticket's idempotency field (Config.
	// IdempotencyField). Empty means a random key for this call only.
	IdempotencyKey string
}

func (tc TicketCreate) body(keyField, key string) map[string]any {
	m := newWireBody(tc.Fields, 16)
	m["summary"] = tc.Summary
	m.setIf("details", tc.Details, tc.Details != "" && tc.DetailsHTML == "")
	m.setIf("details_html", tc.DetailsHTML, tc.DetailsHTML != "")
	m.setIf("tickettype_id", tc.TicketTypeID, tc.TicketTypeID != 0)
	m.setIf("status_id", tc.StatusID, tc.StatusID != 0)
	m.setIf("priority_id", tc.PriorityID, tc.PriorityID != 0)
	m.setIf("agent_id", tc.AgentID, tc.AgentID != 0)
	m.setIf("team", tc.Team, tc.Team != "")
	m.setIf("client_id", tc.ClientID, tc.ClientID != 0)
	m.setIf("site_id", tc.SiteID, tc.SiteID != 0)
	m.setIf("user_id", tc.UserID, tc.UserID != 0)
	m.setIf("category_1", tc.Category1, tc.Category1 != "")
	m.setIf("customfields", tc.CustomFields, len(tc.CustomFields) > 0)
	m[keyField] = key
	delete(m, "id")
	return m
}

// Lookup bounds for finding a ticket by idempotency key.
const (
	// lookupPages is how many pages of newest tickets are scanned.
	lookupPages = 3
	// lookupClockSlack widens the date window for clock differences
	// between this host and Halo.
	lookupClockSlack = 10 * time.Minute
)

// Create creates a ticket (POST /api/Tickets with a one-element array)
// and returns it as Halo answered (200 or 201, an object or an array).
//
// A create is never resent blindly, because a resend after a failure
// whose outcome is unknown (a timeout, a connection lost after the
// request was written, a 5xx) can duplicate the ticket. Instead every
// ticket is stamped with an idempotency key in Config.IdempotencyField
// (by default rapid7_ticketrrn: a free-text property of Halo's ticket
// list rows meant for linking Rapid7 records, and not ticket content the
// end user reads, unlike summary or details). After an ambiguous failure
// Create looks the key up and returns the ticket it finds; only when none
// is found does it send the create again, with the same key.
//
// Halo documents no list filter on that field, so the lookup lists the
// newest tickets (order=id, orderdesc=true; when the caller did not set
// dateoccurred, only those logged since shortly before the first
// attempt) and compares the field on this side, scanning at most 300
// tickets. The trade-off: on a tenant that logs hundreds of tickets
// during one retry the ticket could be missed and duplicated, and a ticket
// created by a request that is still in flight inside Halo when the
// lookup runs is not seen. Filtering on the server would avoid the scan
// but relies on behaviour Halo does not document.
//
// With a caller-supplied TicketCreate.IdempotencyKey the lookup also
// runs before the first attempt, so a workflow that repeats a create
// (after a crash, say) gets the existing ticket back. Such a repeat must
// come while the ticket is among the 300 newest.
//
// Errors: a failure before the request reached Halo, 429 and 401 are
// retried as for reads; after an ambiguous failure whose lookup also
// fails, the error matches ErrAmbiguous.
func (s *TicketsService) Create(ctx context.Context, tc TicketCreate) (*Ticket, error) {
	if tc.Summary == "" {
		return nil, errors.New("halo: create ticket: summary is required")
	}
	field := s.c.cfg.IdempotencyField
	key := tc.IdempotencyKey
	if key == "" {
		key = newUUID()
	} else {
		t, err := s.findByKey(ctx, field, key, time.Time{})
		if err != nil {
			return nil, fmt.Errorf("halo: create ticket: look up idempotency key: %w", err)
		}
		if t != nil {
			s.c.logger(ctx).Info("halo: ticket with this idempotency key exists; not creating",
				"ticket_id", t.ID)
			return t, nil
		}
	}

	payload, err := json.Marshal([]map[string]any{tc.body(field, key)})
	if err != nil {
		return nil, fmt.Errorf("halo: create ticket: encode: %w", err)
	}
	// Only tickets logged since shortly before the first attempt can be
	// the one this call created, unless the caller chose dateoccurred.
	since := s.c.clock.Now().Add(-lookupClockSlack)
	if _, ok := tc.Fields["dateoccurred"]; ok {
		since = time.Time{}
	}
	start := s.c.clock.Now()

	for attempt := 1; ; attempt++ {
		body, err := s.c.do(ctx, call{method: "POST", path: "/Tickets", body: payload,
			kind: kindCreate})
		if err == nil {
			var t Ticket
			if err := decodeOne(body, &t); err != nil {
				return nil, fmt.Errorf("halo: create ticket: %w", err)
			}
			return &t, nil
		}
		var amb *ambiguousError
		if !errors.As(err, &amb) {
			return nil, fmt.Errorf("halo: create ticket: %w", err)
		}

		s.c.logger(ctx).Warn("halo: ticket create outcome unknown; looking up its idempotency key",
			"method", "POST", "path", s.c.base.Path+"/Tickets", "attempt", attempt,
			"error", amb.cause.Error())
		t, lerr := s.findByKey(ctx, field, key, since)
		if lerr != nil {
			return nil, fmt.Errorf("halo: create ticket: %w (lookup failed: %w)", err, lerr)
		}
		if t != nil {
			s.c.logger(ctx).Info("halo: ticket create had succeeded; returning it", "ticket_id", t.ID)
			return t, nil
		}

		wait := transientDelay(attempt-1, s.c.jitter)
		if s.c.clock.Now().Sub(start)+wait > s.c.cfg.MaxRetryElapsed {
			return nil, fmt.Errorf("halo: create ticket: %w", err)
		}
		s.c.obs.OnRetry("ambiguous", wait)
		s.c.logger(ctx).Warn("halo: ticket was not created; sending the create again",
			"method", "POST", "attempt", attempt, "wait", wait)
		if err := s.c.clock.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("halo: create ticket: %w", errors.Join(err, amb))
		}
	}
}

// findByKey returns the newest ticket whose field holds key, or nil.
// since, when not zero, limits the search to tickets logged after it.
func (s *TicketsService) findByKey(ctx context.Context, field, key string,
	since time.Time) (*Ticket, error) {
	opts := TicketListOptions{
		Order:     "id",
		OrderDesc: true,
		StartDate: since,
		Max:       lookupPages * maxPageSize,
	}
	for raw, err := range s.c.pages(ctx, "/Tickets", "tickets", opts.values(), 0, opts.Max) {
		if err != nil {
			return nil, err
		}
		var row map[string]json.RawMessage
		if json.Unmarshal(raw, &row) != nil {
			continue
		}
		var v Text
		if f, ok := row[field]; !ok || json.Unmarshal(f, &v) != nil || string(v) != key {
			continue
		}
		var t Ticket
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, err
		}
		return &t, nil
	}
	return nil, nil
}

// Update changes the given fields of ticket id (POST /api/Tickets with
// [{"id": id, …fields}]). fields uses Halo's wire names, for example
// {"status_id": 9} or {"agent_id": 5, "team": "Security"}; any "id" in
// fields is replaced. Sending the same fields twice has the same effect,
// so the update is retried like a read: on 429, 502–504 and transport
// errors, and at most twice on 500.
func (s *TicketsService) Update(ctx context.Context, id ID, fields map[string]any) (*Ticket,
	error) {
	if id <= 0 {
		return nil, fmt.Errorf("halo: update ticket %d: id must be positive", id)
	}
	m := newWireBody(fields, 1)
	m["id"] = id
	payload, err := json.Marshal([]map[string]any{m})
	if err != nil {
		return nil, fmt.Errorf("halo: update ticket %d: encode: %w", id, err)
	}
	return doOne[Ticket](ctx, s.c, fmt.Sprintf("update ticket %d", id), call{method: "POST",
		path: "/Tickets", body: payload, kind: kindUpdate, ticketID: id})
}

// Delete deletes ticket id (DELETE /api/Tickets/{id}), recording reason
// when not empty. Deleting is retried like a read.
func (s *TicketsService) Delete(ctx context.Context, id ID, reason string) error {
	q := url.Values{}
	if reason != "" {
		q.Set("reason", reason)
	}
	_, err := s.c.do(ctx, call{method: "DELETE", path: idPath("/Tickets", id), query: q,
		kind: kindRead, ticketID: id})
	if err != nil {
		return fmt.Errorf("halo: delete ticket %d: %w", id, err)
	}
	return nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// pages yields the rows of a paged list endpoint. It stops after a short
// or empty page, when the rows seen reach record_count, when a page is
// larger than requested or repeats the previous one (the server ignored
// paging), or after limit rows (0: no limit).
func (c *Client) pages(ctx context.Context, path, key string, q url.Values, pageSize,
	limit int) iter.Seq2[json.RawMessage, error] {
	if pageSize <= 0 || pageSize > maxPageSize {
		pageSize = maxPageSize
	}
	if limit > 0 && limit < pageSize {
		pageSize = limit
	}
	return func(yield func(json.RawMessage, error) bool) {
		seen := 0
		var prevFirst json.RawMessage
		for page := 1; ; page++ {
			pq := url.Values{}
			for k, v := range q {
				pq[k] = v
			}
			pq.Set("pageinate", "true")
			pq.Set("page_no", strconv.Itoa(page))
			pq.Set("page_size", strconv.Itoa(pageSize))

			body, err := c.do(ctx, call{method: "GET", path: path, query: pq, kind: kindRead})
			if err != nil {
				yield(nil, err)
				return
			}
			p, err := decodeList(body, key)
			if err != nil {
				yield(nil, err)
				return
			}
			// A server that ignores page_no sends the same page again.
			if len(p.rows) > 0 && prevFirst != nil && bytes.Equal(p.rows[0], prevFirst) {
				return
			}
			if len(p.rows) > 0 {
				prevFirst = p.rows[0]
			}
			for _, row := range p.rows {
				if !yield(row, nil) {
					return
				}
				seen++
				if limit > 0 && seen >= limit {
					return
				}
			}
			if len(p.rows) != pageSize || (p.hasCount && seen >= p.recordCount) {
				return
			}
		}
	}
}
