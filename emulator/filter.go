package emulator

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ticketFilter is a parsed GET /api/Tickets query.
type ticketFilter struct {
	ints     map[string]int   // single-value filters by ticket field
	lists    map[string][]int // multi-value filters by ticket field
	ids      []int
	openOnly bool
	closed   bool
	deleted  bool

	search, searchSummary, searchDetails string

	dateField      string
	start, end     time.Time
	updFrom, updTo time.Time

	order []orderKey
}

type orderKey struct {
	field string
	desc  bool
}

// singleFilters maps query names to ticket fields.
var singleFilters = map[string]string{
	"status_id": "status_id", "requesttype_id": "tickettype_id", "agent_id": "agent_id",
	"client_id": "client_id", "site_id": "site_id", "user_id": "user_id",
}

// listFilters maps comma-list query names to ticket fields. Halo's
// spec types these as arrays of integers, so team takes team ids.
var listFilters = map[string]string{
	"status": "status_id", "priority": "priority_id", "team": "team_id",
	"agent": "agent_id", "requesttype": "tickettype_id", "client_ids": "client_id",
}

// dateFields maps datesearch values to ticket dates. Both spellings of
// "occurred" are accepted because which one Halo takes is unverified.
var dateFields = map[string]string{
	"dateoccurred": "dateoccurred", "dateoccured": "dateoccurred",
	"lastupdate": "last_update", "last_update": "last_update",
	"datecreated": "datecreated", "datecleared": "dateclosed", "dateclosed": "dateclosed",
}

// orderFields are the fields a list can be ordered by.
var orderFields = map[string]string{
	"id": "id", "dateoccurred": "dateoccurred", "dateoccured": "dateoccurred",
	"last_update": "last_update", "lastupdate": "last_update", "datecreated": "datecreated",
	"dateclosed": "dateclosed", "summary": "summary", "status_id": "status_id",
	"priority_id": "priority_id", "agent_id": "agent_id",
}

func parseTicketFilter(q query) (*ticketFilter, error) {
	f := &ticketFilter{ints: map[string]int{}, lists: map[string][]int{}}
	for name, field := range singleFilters {
		n, ok, err := q.intStrict(name)
		if err != nil {
			return nil, err
		}
		if ok {
			f.ints[field] = n
		}
	}
	for name, field := range listFilters {
		l, err := q.list(name)
		if err != nil {
			return nil, err
		}
		if l != nil {
			f.lists[field] = l
		}
	}
	ids, err := q.list("ticketids")
	if err != nil {
		return nil, err
	}
	f.ids = ids
	for name, dst := range map[string]*bool{"open_only": &f.openOnly,
		"closed_only": &f.closed, "deleted": &f.deleted} {
		if *dst, err = q.boolStrict(name); err != nil {
			return nil, err
		}
	}
	f.search = strings.ToLower(q.get("search"))
	f.searchSummary = strings.ToLower(q.get("search_summary"))
	f.searchDetails = strings.ToLower(q.get("search_details"))

	if q.get("startdate") != "" || q.get("enddate") != "" {
		ds := strings.ToLower(q.get("datesearch"))
		if ds == "" {
			// Without datesearch the opened date is assumed [inferred].
			ds = "dateoccurred"
		}
		field, ok := dateFields[ds]
		if !ok {
			return nil, fmt.Errorf("datesearch %q is not a known date field", q.get("datesearch"))
		}
		f.dateField = field
	}
	for name, dst := range map[string]*time.Time{"startdate": &f.start, "enddate": &f.end,
		"lastupdatefromdate": &f.updFrom, "lastupdatetodate": &f.updTo} {
		if v := q.get(name); v != "" {
			t, err := parseDate(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			*dst = t
		}
	}

	for _, suffix := range []string{"", "2", "3", "4", "5"} {
		o := q.get("order" + suffix)
		if o == "" {
			continue
		}
		field, ok := orderFields[strings.ToLower(o)]
		if !ok {
			return nil, fmt.Errorf("order%s: %q is not a field tickets can be ordered by",
				suffix, o)
		}
		desc, err := q.boolStrict("orderdesc" + suffix)
		if err != nil {
			return nil, err
		}
		f.order = append(f.order, orderKey{field, desc})
	}
	return f, nil
}

// list parses a comma-separated integer list (an alias of intList kept
// for readability at call sites).
func (q query) list(k string) ([]int, error) { return q.intList(k) }

func (f *ticketFilter) match(st *store, t *ticket) bool {
	if t.deleted != f.deleted {
		return false
	}
	for field, want := range f.ints {
		if t.intField(field) != want {
			return false
		}
	}
	for field, want := range f.lists {
		if !slices.Contains(want, t.intField(field)) {
			return false
		}
	}
	if f.ids != nil && !slices.Contains(f.ids, t.id) {
		return false
	}
	isClosed := !t.closed.IsZero()
	if (f.openOnly && isClosed) || (f.closed && !isClosed) {
		return false
	}
	if f.search != "" || f.searchSummary != "" || f.searchDetails != "" {
		summary := strings.ToLower(str(t.extra["summary"]))
		details := strings.ToLower(str(t.extra["details"]) + " " + str(t.extra["details_html"]))
		if f.search != "" && !strings.Contains(summary, f.search) &&
			!strings.Contains(details, f.search) {
			return false
		}
		if f.searchSummary != "" && !strings.Contains(summary, f.searchSummary) {
			return false
		}
		if f.searchDetails != "" && !strings.Contains(details, f.searchDetails) {
			return false
		}
	}
	if f.dateField != "" {
		d := t.date(f.dateField)
		if d.IsZero() || (!f.start.IsZero() && d.Before(f.start)) ||
			(!f.end.IsZero() && d.After(f.end)) {
			return false
		}
	}
	if !f.updFrom.IsZero() && t.lastUpdate.Before(f.updFrom) {
		return false
	}
	if !f.updTo.IsZero() && t.lastUpdate.After(f.updTo) {
		return false
	}
	return true
}

// intField reads one of the ticket's integer references by API name.
func (t *ticket) intField(field string) int {
	switch field {
	case "status_id":
		return t.statusID
	case "tickettype_id":
		return t.typeID
	case "agent_id":
		return t.agentID
	case "client_id":
		return t.clientID
	case "site_id":
		return t.siteID
	case "user_id":
		return t.userID
	case "priority_id":
		return t.priorityID
	case "team_id":
		return t.teamID
	}
	return 0
}

func (t *ticket) date(field string) time.Time {
	switch field {
	case "dateoccurred":
		return t.occurred
	case "last_update":
		return t.lastUpdate
	case "datecreated":
		return t.created
	case "dateclosed":
		return t.closed
	}
	return time.Time{}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// sort orders rows by the requested keys. Without an order the newest
// ticket comes first: Halo's default order is undocumented, and a
// newest-first default makes a client that pages without ordering see
// rows shift as tickets are logged.
func (f *ticketFilter) sort(rows []*ticket) {
	keys := f.order
	if len(keys) == 0 {
		keys = []orderKey{{"id", true}}
	}
	slices.SortStableFunc(rows, func(a, b *ticket) int {
		for _, k := range keys {
			var c int
			switch k.field {
			case "id":
				c = cmp.Compare(a.id, b.id)
			case "summary":
				c = strings.Compare(str(a.extra["summary"]), str(b.extra["summary"]))
			case "status_id":
				c = cmp.Compare(a.statusID, b.statusID)
			case "priority_id":
				c = cmp.Compare(a.priorityID, b.priorityID)
			case "agent_id":
				c = cmp.Compare(a.agentID, b.agentID)
			default:
				c = a.date(k.field).Compare(b.date(k.field))
			}
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(a.id, b.id)
	})
}
