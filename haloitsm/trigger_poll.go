package haloitsm

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"time"

	"github.com/haloconnect/icon-haloitsm/halo"
)

// Polling asks HaloITSM for the tickets whose last update falls in a
// window starting a little before the newest change already seen, oldest
// first. Reading a long window page by page while agents keep working
// would let a ticket that moves to the end of the order push another one
// across a page boundary unseen, so the poller reads one page at a time
// and starts each next page at the last update of the previous page's
// last row (keyset paging): every query is a fresh, consistent look at
// what is left. The window's overlap with the previous poll catches
// changes that Halo stored with a slightly earlier time than a change
// already seen (clock steps, replication, the second-precision filter);
// the tracker drops what the overlap reads twice.

const (
	// pollOverlap is how far before the newest change seen each poll
	// starts.
	pollOverlap = 2 * time.Minute
	// pollPageSize is the rows one request asks for; Halo's maximum.
	pollPageSize = 100
	// maxSameSecondRows bounds how many rows the poller reads for one
	// second of last updates before it moves past that second.
	maxSameSecondRows = 2000
)

// pollSource lists tickets last updated at or after from, oldest first,
// at most limit rows. *Connection provides it through halo; tests fake it.
type pollSource func(ctx context.Context, from time.Time, limit int) iter.Seq2[halo.Ticket, error]

// statusHistory reports whether the status of ticket id changed at or
// after since, and the status before that change (0 when not known).
type statusHistory func(ctx context.Context, id int, since time.Time) (changed bool, prev int,
	err error)

// statusOrigin returns the status ticket id was logged in, 0 when that
// is not known.
type statusOrigin func(ctx context.Context, id int) (int, error)

// poller finds ticket changes by polling. It is not safe for concurrent
// use: one goroutine calls poll.
type poller struct {
	list      pollSource
	normalise func(ctx context.Context, t *halo.Ticket) map[string]any
	// history, when set, is asked about tickets the tracker has no
	// snapshot of, other than those first seen as created; nil leaves
	// their previous status unknown.
	history statusHistory
	// origin, when set, is asked about tickets first seen as created
	// within the window: a ticket logged and moved to another status
	// between two polls is first seen in its new status, and that change
	// is reported only if the status it was logged in is known. nil
	// reports such a ticket as created only.
	origin statusOrigin
	tr     *tracker
	log    *slog.Logger

	// start is when the trigger began watching: changes before it are
	// recorded but not reported.
	start time.Time
	// cursor is the newest last update seen.
	cursor time.Time
	// unordered is set once Halo ignored the order parameter.
	unordered bool

	// state, when set, keeps the poller's place across restarts (see
	// trigger_state.go); window, pending and savedCursor are nil or zero
	// without it.
	state *stateFile
	// window maps the tickets handled with a last update the next poll
	// reads again to that last update (Unix nanoseconds), as the state
	// file has them once pending is saved.
	window map[int]int64
	// pending holds the entries of window not saved yet.
	pending     map[int]int64
	savedCursor time.Time
}

// newPoller returns a poller reporting changes made from start on.
func newPoller(list pollSource, normalise func(context.Context, *halo.Ticket) map[string]any,
	start time.Time, log *slog.Logger) *poller {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &poller{list: list, normalise: normalise, tr: newTracker(0), log: log,
		start: start, cursor: start}
}

// useState makes the poller keep its place in sf, resuming from saved
// when it is not nil: the next poll reads from the saved cursor (less
// the overlap) and reports again none of the tickets saved as handled.
func (p *poller) useState(sf *stateFile, saved *savedState) {
	p.state = sf
	p.window, p.pending = map[int]int64{}, map[int]int64{}
	if saved == nil {
		return
	}
	p.start, p.cursor, p.savedCursor = saved.start, saved.cursor, saved.cursor
	from := p.from().UnixNano()
	for id, upd := range saved.seen {
		if upd >= from {
			p.window[id] = upd
		}
	}
}

// from is where the next poll starts reading.
func (p *poller) from() time.Time {
	return p.cursor.Add(-pollOverlap).Truncate(time.Second)
}

// poll reads every change since the cursor and calls emit for each new
// one, oldest first. It returns the first error of Halo or emit; the
// changes handled before it are not read again as new, and the next poll
// continues from the cursor. With a state file, the place reached is
// saved before poll returns.
func (p *poller) poll(ctx context.Context, emit func(context.Context, ticketEvent) error) error {
	defer p.saveState(true)
	from := p.from()
	limit := pollPageSize
	if p.unordered {
		limit = 0
	}
	rows := 0
pages:
	for {
		n := 0
		var last time.Time
		for t, err := range p.list(ctx, from, limit) {
			if err != nil {
				return err
			}
			n++
			upd := lastUpdate(&t)
			if limit != 0 && upd.Before(last) {
				// Halo did not order by last update, so keyset paging
				// cannot work: read whole windows from now on.
				p.log.Warn("HaloITSM did not order tickets by last update; "+
					"reading whole windows", "from", from)
				p.unordered, limit = true, 0
				continue pages
			}
			last = upd
			if err := p.process(ctx, &t, from, emit); err != nil {
				return err
			}
		}
		rows += n
		if limit == 0 || n < limit {
			break
		}
		next := last.Truncate(time.Second)
		switch {
		case next.After(from):
			from, limit = next, pollPageSize
		case limit < maxSameSecondRows:
			// A full page within one second: read further into it.
			limit += pollPageSize
		default:
			p.log.Warn("more ticket changes in one second than the poller reads; "+
				"moving on", "second", from, "rows", limit)
			from, limit = from.Add(time.Second), pollPageSize
		}
	}
	p.log.Debug("polled HaloITSM", "rows", rows, "cursor", p.cursor)
	return nil
}

// process handles one listed ticket.
func (p *poller) process(ctx context.Context, t *halo.Ticket, from time.Time,
	emit func(context.Context, ticketEvent) error) error {
	id := int(t.ID)
	upd := lastUpdate(t)
	if id <= 0 || p.tr.seen(id, upd) {
		return nil
	}
	known := p.tr.knows(id)
	// A ticket handled before a restart is recorded but not reported:
	// the tracker forgot it, the state file did not. Nor is a later
	// version of it new.
	_, inWindow := p.window[id]
	handled := !known && p.handledBefore(id, upd)
	baseline := upd.Before(p.start) || handled
	created := createdAt(t)
	o := observation{
		ticket:  p.normalise(ctx, t),
		id:      id,
		updated: upd,
		// New: logged since the trigger started and within this window,
		// and not seen before (a ticket created long ago whose snapshot
		// was evicted is an update).
		created: !known && !inWindow && !baseline && !created.Before(p.start) &&
			!created.Before(from),
	}
	switch {
	case o.created && p.origin != nil:
		initial, err := p.origin(ctx, id)
		if err != nil {
			return err
		}
		o.initialStatus = initial
	case !known && !baseline && !o.created && p.history != nil:
		changed, prev, err := p.history(ctx, id, p.historySince(id, from))
		if err != nil {
			return err
		}
		o.statusHint, o.prevStatusHint = changed, prev
	}
	ev, fresh := p.tr.observe(o)
	sent := fresh && !baseline
	if sent {
		if created, moved, ok := ev.splitCreated(); ok {
			if err := emit(ctx, created); err != nil {
				return err
			}
			ev = moved
		}
		if err := emit(ctx, ev); err != nil {
			return err
		}
	}
	if upd.After(p.cursor) {
		p.cursor = upd
	}
	p.handle(id, upd)
	if sent {
		// Saved only now that the event is out: a crash before this line
		// sends it again rather than never.
		p.saveState(false)
	}
	return nil
}

// historySince is from where the status history of ticket id, which the
// tracker has no snapshot of, counts as new. A ticket the state file
// records as handled had every status change up to that version
// reported already, so only a later one is new.
func (p *poller) historySince(id int, from time.Time) time.Time {
	h, ok := p.window[id]
	if !ok {
		return from
	}
	if after := time.Unix(0, h+1); after.After(from) {
		return after
	}
	return from
}

// handledBefore reports whether the state file records ticket id as
// handled at its last update upd or later.
func (p *poller) handledBefore(id int, upd time.Time) bool {
	h, ok := p.window[id]
	return ok && !upd.IsZero() && upd.UnixNano() <= h
}

// handle records that ticket id, last updated at upd, was handled.
func (p *poller) handle(id int, upd time.Time) {
	if p.state == nil || upd.IsZero() {
		return
	}
	n := upd.UnixNano()
	if h, ok := p.window[id]; ok && h >= n {
		return
	}
	p.window[id], p.pending[id] = n, n
}

// saveState writes what changed since the last save to the state file;
// with prune, it also forgets the tickets the next poll will not read
// again. A failed write is logged; its entries are written with the next
// save.
func (p *poller) saveState(prune bool) {
	if p.state == nil {
		return
	}
	var drop []int
	if prune {
		from := p.from().UnixNano()
		for id, upd := range p.window {
			if upd < from {
				drop = append(drop, id)
				delete(p.window, id)
				delete(p.pending, id)
			}
		}
	}
	if len(p.pending) == 0 && len(drop) == 0 && p.cursor.Equal(p.savedCursor) {
		return
	}
	if err := p.state.save(p.start, p.cursor, p.pending, drop); err != nil {
		p.log.Warn("cannot write the trigger's place to state_file; trying again after "+
			"the next event", "state_file", p.state.path, "error", err.Error())
		return
	}
	clear(p.pending)
	p.savedCursor = p.cursor
}

// lastUpdate is a ticket's last update, or its last action when Halo left
// last_update unset.
func lastUpdate(t *halo.Ticket) time.Time {
	if !t.LastUpdate.IsZero() {
		return t.LastUpdate.Time
	}
	return t.LastActionDate.Time
}

// createdAt is when a ticket was logged.
func createdAt(t *halo.Ticket) time.Time {
	if !t.DateCreated.IsZero() {
		return t.DateCreated.Time
	}
	return t.DateOccurred.Time
}

// pollSource returns the poller's view of Halo's ticket list: GET
// /api/Tickets with lastupdatefromdate, ordered by last_update ascending,
// limited to ticketID when it is not 0. limit 0 reads every page.
func (c *Connection) pollSource(ticketID int) pollSource {
	return func(ctx context.Context, from time.Time, limit int) iter.Seq2[halo.Ticket, error] {
		opts := halo.TicketListOptions{
			LastUpdateFrom: from,
			Order:          "last_update",
			PageSize:       pollPageSize,
			Max:            limit,
		}
		if ticketID > 0 {
			opts.TicketIDs = []halo.ID{halo.ID(ticketID)}
		}
		return c.client.Tickets.List(ctx, opts)
	}
}

// initialStatus reads a ticket's actions (GET /api/Actions?ticket_id=N)
// for the status it was logged in: the old status of its first action
// that moved the status (the lowest action id; Halo numbers a ticket's
// actions in order). It returns 0 when no action records a status move,
// which the tracker takes as a status unchanged since logging, and for
// a ticket deleted meanwhile.
func (c *Connection) initialStatus(ctx context.Context, id int) (int, error) {
	actions, err := c.client.Actions.List(ctx, halo.ID(id), halo.ActionListOptions{})
	if errors.Is(err, halo.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var first *halo.Action
	for i := range actions {
		a := &actions[i]
		if a.NewStatus == 0 || a.OldStatus == 0 || a.OldStatus == a.NewStatus {
			continue
		}
		if first == nil || (a.ID != 0 && a.ID < first.ID) {
			first = a
		}
	}
	if first == nil {
		return 0, nil
	}
	return int(first.OldStatus), nil
}

// statusHistory reads a ticket's actions (GET /api/Actions?ticket_id=N)
// for the newest one that moved its status. The status changed at or
// after since when that action is dated since or later; an undated one
// leaves the question open (no change reported).
func (c *Connection) statusHistory(ctx context.Context, id int, since time.Time) (bool, int,
	error) {
	actions, err := c.client.Actions.List(ctx, halo.ID(id), halo.ActionListOptions{})
	if errors.Is(err, halo.ErrNotFound) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, err
	}
	for i := len(actions) - 1; i >= 0; i-- {
		a := actions[i]
		if a.NewStatus == 0 || a.OldStatus == 0 || a.OldStatus == a.NewStatus {
			continue
		}
		at := a.DateTime.Time
		if at.IsZero() {
			at = a.DateCreated.Time
		}
		if at.IsZero() || at.Before(since) {
			return false, 0, nil
		}
		return true, int(a.OldStatus), nil
	}
	return false, 0, nil
}
