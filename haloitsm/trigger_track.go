package haloitsm

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"math"
	"slices"
	"time"
)

// The triggers compare each ticket they see with what they saw of it
// before. A snapshot keeps the few fields a change list reports, in a
// compact form: ids as int32, the summary as text, and long or nested
// fields (details, closure note, custom fields) only as a hash, so that
// tens of thousands of tickets fit in a few megabytes. A changed hashed
// field is reported with its current value only.

// Fields a snapshot keeps, named as in the spec's ticket type.
var (
	// snapIntFields are the id fields, in snapshot.ints order.
	snapIntFields = [...]string{"status_id", "priority_id", "tickettype_id", "category_id",
		"agent_id", "team_id", "client_id", "site_id", "user_id"}
	// snapHashFields are the fields kept as a hash, in snapshot.hashes
	// order.
	snapHashFields = [...]string{"details", "closure_note", "customfields"}
)

// Bits of snapshot.known beyond one per int field and hash field.
const (
	bitSummary = len(snapIntFields) + len(snapHashFields)
	bitClosed  = bitSummary + 1
)

// statusIdx is status_id's index in snapIntFields.
const statusIdx = 0

// nameFields gives, for an id field, the ticket field holding its name
// and the lookup that names a previous value ("" and nil when the id has
// no lookup, such as client_id).
var nameFields = map[string]struct {
	name string
	kind *lookupKind
}{
	"status_id":     {"status_name", &kindStatus},
	"priority_id":   {"priority_name", &kindPriority},
	"tickettype_id": {"tickettype_name", &kindTicketType},
	"category_id":   {"category_name", &kindCategory},
	"agent_id":      {"agent_name", &kindAgent},
	"team_id":       {"team_name", &kindTeam},
	"client_id":     {"client_name", nil},
	"site_id":       {"site_name", nil},
	"user_id":       {"user_name", nil},
}

// ChangeFields lists the ticket fields a change list can name, the values
// the ticket_updated trigger's fields input accepts.
func ChangeFields() []string {
	out := make([]string, 0, len(snapIntFields)+len(snapHashFields)+2)
	out = append(out, snapIntFields[:]...)
	out = append(out, "summary", "hasbeenclosed")
	return append(out, snapHashFields[:]...)
}

// snapshot is what a trigger remembers of one ticket.
type snapshot struct {
	// updated is the ticket's last update in Unix nanoseconds, 0 when the
	// ticket did not carry one.
	updated int64
	// known has a bit per field the snapshot holds (see the bit layout
	// above); a webhook's small payload leaves some fields out, and an
	// absent field is unknown rather than empty.
	known  uint32
	ints   [len(snapIntFields)]int32
	hashes [len(snapHashFields)]uint64
	closed bool
	// announced is the status the last reported status change moved the
	// ticket to, 0 when none was reported (see tracker). It sits beside
	// closed to fill that field's padding.
	announced int32
	summary   string
}

func (s *snapshot) has(bit int) bool { return s.known&(1<<bit) != 0 }

// newSnapshot reads a ticket in the spec's shape. present reports whether
// the source carried a field (nil: it carried every field); a field the
// ticket output leaves out because it is zero or empty is zero here.
func newSnapshot(t map[string]any, updated time.Time, present func(string) bool) snapshot {
	var s snapshot
	if !updated.IsZero() {
		s.updated = updated.UnixNano()
	}
	carried := func(f string) bool { return present == nil || present(f) }
	for i, f := range snapIntFields {
		if !carried(f) {
			continue
		}
		s.known |= 1 << i
		if n, ok := t[f].(int); ok {
			s.ints[i] = id32(n)
		}
	}
	for i, f := range snapHashFields {
		if !carried(f) {
			continue
		}
		s.known |= 1 << (len(snapIntFields) + i)
		s.hashes[i] = hashValue(t[f])
	}
	if carried("summary") {
		s.known |= 1 << bitSummary
		s.summary, _ = t["summary"].(string)
	}
	if carried("hasbeenclosed") {
		s.known |= 1 << bitClosed
		s.closed, _ = t["hasbeenclosed"].(bool)
	}
	return s
}

// hashValue hashes a JSON value; absent and empty values hash alike.
func hashValue(v any) uint64 {
	switch x := v.(type) {
	case nil:
		return 0
	case string:
		if x == "" {
			return 0
		}
	case []any:
		if len(x) == 0 {
			return 0
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

// merge returns s completed with the fields only older knew, so that a
// small webhook payload does not make the tracker forget the details it
// learnt from a full one.
func (s snapshot) merge(older snapshot) snapshot {
	for i := range snapIntFields {
		if !s.has(i) && older.has(i) {
			s.ints[i] = older.ints[i]
			s.known |= 1 << i
		}
	}
	for i := range snapHashFields {
		b := len(snapIntFields) + i
		if !s.has(b) && older.has(b) {
			s.hashes[i] = older.hashes[i]
			s.known |= 1 << b
		}
	}
	if !s.has(bitSummary) && older.has(bitSummary) {
		s.summary = older.summary
		s.known |= 1 << bitSummary
	}
	if !s.has(bitClosed) && older.has(bitClosed) {
		s.closed = older.closed
		s.known |= 1 << bitClosed
	}
	return s
}

// fieldChange is one entry of a change list.
type fieldChange struct {
	Field    string
	Previous any // nil when not known (hashed fields)
	Current  any
}

// diff lists the fields that differ between prev and cur, among those
// both know. cur is the ticket in the spec's shape, for current values.
func diff(prev, cur snapshot, t map[string]any) []fieldChange {
	var out []fieldChange
	both := prev.known & cur.known
	for i, f := range snapIntFields {
		if both&(1<<i) != 0 && prev.ints[i] != cur.ints[i] {
			out = append(out, fieldChange{f, int(prev.ints[i]), int(cur.ints[i])})
		}
	}
	if both&(1<<bitSummary) != 0 && prev.summary != cur.summary {
		out = append(out, fieldChange{"summary", prev.summary, cur.summary})
	}
	if both&(1<<bitClosed) != 0 && prev.closed != cur.closed {
		out = append(out, fieldChange{"hasbeenclosed", prev.closed, cur.closed})
	}
	for i, f := range snapHashFields {
		b := len(snapIntFields) + i
		if both&(1<<b) != 0 && prev.hashes[i] != cur.hashes[i] {
			out = append(out, fieldChange{Field: f, Current: t[f]})
		}
	}
	return out
}

// changeOutputs renders a change list for the changes output, adding
// the names of changed ids: the current name from the ticket, the
// previous one from the connection's cached lookups (left out when
// unknown).
func (c *Connection) changeOutputs(ctx context.Context, cs []fieldChange,
	t map[string]any) []any {
	out := make([]any, 0, len(cs))
	for _, ch := range cs {
		m := map[string]any{"field": ch.Field}
		if ch.Previous != nil {
			m["previous"] = ch.Previous
		}
		if ch.Current != nil {
			m["current"] = ch.Current
		}
		if nf, ok := nameFields[ch.Field]; ok {
			if s, _ := t[nf.name].(string); s != "" {
				m["current_name"] = s
			}
			if prev, _ := ch.Previous.(int); prev != 0 && nf.kind != nil && c != nil {
				if s := c.nameOf(ctx, *nf.kind, prev); s != "" {
					m["previous_name"] = s
				}
			}
		}
		out = append(out, m)
	}
	return out
}

// id32 narrows a Halo id to int32, the range Halo's ids have; an id out
// of range (never sent by Halo) becomes 0.
func id32(n int) int32 {
	if n < 0 || n > math.MaxInt32 {
		return 0
	}
	return int32(n)
}

// snapCache is a least-recently-used cache of snapshots by ticket id,
// holding at most limit tickets. It is not safe for concurrent use.
type snapCache struct {
	limit int
	m     map[int32]*snapEntry
	root  snapEntry // sentinel of the recency ring; root.next is the newest
}

type snapEntry struct {
	id         int32
	snap       snapshot
	prev, next *snapEntry
}

func newSnapCache(limit int) *snapCache {
	c := &snapCache{limit: limit, m: make(map[int32]*snapEntry)}
	c.root.prev, c.root.next = &c.root, &c.root
	return c
}

// Len returns the number of tickets held.
func (c *snapCache) Len() int { return len(c.m) }

// peek returns the snapshot of id without marking it used.
func (c *snapCache) peek(id int) (snapshot, bool) {
	e, ok := c.m[id32(id)]
	if !ok {
		return snapshot{}, false
	}
	return e.snap, true
}

// put stores the snapshot of id as the most recently used, evicting the
// least recently used ticket when the cache is full.
func (c *snapCache) put(id int, s snapshot) {
	key := id32(id)
	if e, ok := c.m[key]; ok {
		e.snap = s
		c.unlink(e)
		c.pushFront(e)
		return
	}
	var e *snapEntry
	if len(c.m) >= c.limit {
		// Reuse the evicted entry: no allocation in the steady state.
		e = c.root.prev
		c.unlink(e)
		delete(c.m, e.id)
	} else {
		e = &snapEntry{}
	}
	e.id, e.snap = key, s
	c.m[e.id] = e
	c.pushFront(e)
}

func (c *snapCache) unlink(e *snapEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (c *snapCache) pushFront(e *snapEntry) {
	e.prev, e.next = &c.root, c.root.next
	c.root.next.prev = e
	c.root.next = e
}

// observation is one sighting of a ticket, by a poll or a webhook.
type observation struct {
	// ticket is the ticket in the spec's shape.
	ticket map[string]any
	id     int
	// updated is the ticket's last update at full precision, zero when
	// unknown.
	updated time.Time
	// present reports which fields the source carried; nil means all.
	present func(string) bool
	// created reports that the source says the ticket is new.
	created bool
	// statusHint reports that the source says the status changed, and
	// prevStatusHint is the status before, when it says so (0: unknown).
	// They are used only when the tracker has no snapshot of the ticket.
	statusHint     bool
	prevStatusHint int
	// initialStatus is the status a created ticket was logged in, when
	// the source knows it (0: unknown). A created ticket first seen in
	// another status was moved before the sighting: the event then also
	// reports that status change (see ticketEvent.splitCreated).
	initialStatus int
	deliveryID    string
	// kind is the webhook's event kind, "" when polling.
	kind string
}

// ticketEvent is a change the triggers may report.
type ticketEvent struct {
	ticket  map[string]any
	id      int
	created bool
	// known reports that the tracker had a snapshot of the ticket, so
	// changes is complete.
	known   bool
	changes []fieldChange
	// statusChanged reports a change of status; prevStatus is the status
	// before it, 0 when not known.
	statusChanged bool
	prevStatus    int
	newStatus     int
	// closedNow reports that the change closed the ticket.
	closedNow  bool
	deliveryID string
	kind       string
}

// splitCreated splits the event of a created ticket that also reports a
// status change (see observation.initialStatus) into the creation and
// the status change, in that order, so that each trigger's filter sees
// the part it reports. ok is false for any other event.
func (ev ticketEvent) splitCreated() (created, moved ticketEvent, ok bool) {
	if !ev.created || !ev.statusChanged {
		return ev, ev, false
	}
	created, moved = ev, ev
	created.statusChanged, created.prevStatus, created.closedNow = false, 0, false
	created.changes = nil
	moved.created = false
	return created, moved, true
}

// tracker turns sightings of tickets into change events: it drops a
// sighting of a ticket version already seen, and computes what changed
// since the last one. It is not safe for concurrent use.
//
// A webhook delivery whose ticket had to be fetched (the event-only and
// small payload modes, or a delivery processed after an outage) shows
// the ticket as it is when fetched, which may include changes made after
// the event. An earlier delivery can then take in a later status change
// without reporting it: a "created" delivery fetched after the ticket
// moved on, or the first sighting of a ticket. The status change's own
// delivery then finds the same version and would be dropped as nothing
// new. So a webhook status delivery that finds no status change is still
// reported as one, unless a status change to the same status was
// already reported for the ticket (snapshot.announced): two deliveries
// of one change, such as "status changed" and "updated", report it once.
//
// Polling has the same blind spot for new tickets: a ticket logged and
// moved to another status between two polls is first seen in its new
// status. The poller then says which status the ticket was logged in
// (observation.initialStatus), and the event reports the creation and
// the status change together; the status is recorded as announced like
// any reported change, so a later sighting of that version adds nothing.
type tracker struct {
	snaps *snapCache
}

// defaultSnapCap bounds the tickets a tracker remembers.
const defaultSnapCap = 50_000

func newTracker(limit int) *tracker {
	if limit <= 0 {
		limit = defaultSnapCap
	}
	return &tracker{snaps: newSnapCache(limit)}
}

// knows reports whether the tracker has a snapshot of ticket id.
func (tr *tracker) knows(id int) bool {
	_, ok := tr.snaps.peek(id)
	return ok
}

// seen reports whether a version of ticket id last updated at updated
// was already observed, or an even newer one was: such a sighting (an
// overlapping poll window, a stale replica) is a duplicate. A version
// with the same time but other content is not a duplicate; observe
// decides those.
func (tr *tracker) seen(id int, updated time.Time) bool {
	if updated.IsZero() {
		return false
	}
	s, ok := tr.snaps.peek(id)
	return ok && s.updated > updated.UnixNano()
}

// observe records a sighting and returns the event it amounts to, with
// fresh false when it adds nothing: an older version than one already
// seen, or the same version again.
func (tr *tracker) observe(o observation) (ev ticketEvent, fresh bool) {
	cur := newSnapshot(o.ticket, o.updated, o.present)
	ev = ticketEvent{ticket: o.ticket, id: o.id, created: o.created,
		deliveryID: o.deliveryID, kind: o.kind, newStatus: int(cur.ints[statusIdx])}

	prev, had := tr.snaps.peek(o.id)
	if had && cur.updated != 0 && prev.updated > cur.updated {
		return ev, false
	}
	if !had {
		ev.statusChanged = o.statusHint ||
			(o.prevStatusHint != 0 && o.prevStatusHint != ev.newStatus)
		if ev.statusChanged && o.prevStatusHint != ev.newStatus {
			ev.prevStatus = o.prevStatusHint
		}
		if o.created && o.initialStatus != 0 && ev.newStatus != 0 &&
			o.initialStatus != ev.newStatus {
			ev.statusChanged, ev.prevStatus = true, o.initialStatus
		}
		if ev.statusChanged && ev.prevStatus != 0 {
			ev.changes = []fieldChange{{"status_id", ev.prevStatus, ev.newStatus}}
		}
		ev.closedNow = ev.statusChanged && cur.closed
		if ev.statusChanged {
			cur.announced = cur.ints[statusIdx]
		}
		tr.snaps.put(o.id, cur)
		return ev, true
	}

	ev.known = true
	ev.changes = diff(prev, cur, o.ticket)
	both := prev.known & cur.known
	switch {
	case both&(1<<statusIdx) != 0 && prev.ints[statusIdx] != cur.ints[statusIdx]:
		ev.statusChanged = true
		ev.prevStatus = int(prev.ints[statusIdx])
		ev.closedNow = both&(1<<bitClosed) != 0 && !prev.closed && cur.closed
	case unreportedStatus(o, prev, cur):
		// The change was taken in by an earlier sighting that did not
		// report it (see tracker).
		ev.statusChanged = true
		if o.prevStatusHint != ev.newStatus {
			ev.prevStatus = o.prevStatusHint
		}
		if ev.prevStatus != 0 {
			ev.changes = append(ev.changes, fieldChange{"status_id", ev.prevStatus,
				ev.newStatus})
		}
		ev.closedNow = cur.has(bitClosed) && cur.closed
		if ev.closedNow && !slices.ContainsFunc(ev.changes, func(c fieldChange) bool {
			return c.Field == "hasbeenclosed"
		}) {
			ev.changes = append(ev.changes, fieldChange{"hasbeenclosed", false, true})
		}
	default:
		ev.closedNow = both&(1<<bitClosed) != 0 && !prev.closed && cur.closed
	}

	// The same last update with the same content is the same version.
	// It is not stored again, so the cache's order stays the order of
	// changes and the tickets evicted first are those unchanged longest.
	if cur.updated != 0 && prev.updated == cur.updated && len(ev.changes) == 0 &&
		!ev.statusChanged {
		return ev, false
	}
	next := cur.merge(prev)
	next.announced = prev.announced
	if ev.statusChanged {
		// ev.newStatus was read from cur; its int32 form needs no
		// narrowing.
		next.announced = cur.ints[statusIdx]
	}
	tr.snaps.put(o.id, next)
	return ev, true
}

// unreportedStatus reports whether o is a webhook status delivery whose
// status the tracker has not reported a change to, although the sighting
// before it (prev) already showed the ticket in that status.
func unreportedStatus(o observation, prev, cur snapshot) bool {
	if o.kind != EventStatusChanged && o.kind != EventClosed {
		return false
	}
	if !cur.has(statusIdx) || cur.ints[statusIdx] == 0 {
		return false
	}
	return cur.ints[statusIdx] != prev.announced
}
