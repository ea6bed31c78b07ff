package haloitsm

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/haloconnect/icon-haloitsm/emulator"
	"github.com/haloconnect/icon-haloitsm/halo"
)

// fakeList is an in-memory ticket list with Halo's last-update window
// and ordering, for the poller's unit tests. Times come from time.Now,
// which is fake inside a synctest bubble.
type fakeList struct {
	mu      sync.Mutex
	tickets map[int]*halo.Ticket
	nextID  int
	// unordered makes the list ignore the order, newest first.
	unordered bool
	// afterRow, when set, runs after each row a list call yields, with
	// the call's number (from 1) and the row's index (from 0).
	afterRow func(call, row int)
	calls    int
	// failAfter, when positive, fails the list call after that many rows.
	failAfter int
}

func newFakeList() *fakeList { return &fakeList{tickets: map[int]*halo.Ticket{}} }

func (f *fakeList) create(status int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	now := halo.Time{Time: time.Now()}
	f.tickets[f.nextID] = &halo.Ticket{ID: halo.ID(f.nextID), StatusID: halo.ID(status),
		Summary: fmt.Sprint("ticket ", f.nextID), DateCreated: now, LastUpdate: now}
	return f.nextID
}

func (f *fakeList) update(id int, change func(*halo.Ticket)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tickets[id]
	change(t)
	t.LastUpdate = halo.Time{Time: time.Now()}
}

func (f *fakeList) list(_ context.Context, from time.Time, limit int) iter.Seq2[halo.Ticket, error] {
	return func(yield func(halo.Ticket, error) bool) {
		f.mu.Lock()
		f.calls++
		call, failAfter := f.calls, f.failAfter
		var rows []halo.Ticket
		for _, t := range f.tickets {
			if !t.LastUpdate.Before(from) {
				rows = append(rows, *t)
			}
		}
		f.mu.Unlock()
		slices.SortFunc(rows, func(a, b halo.Ticket) int {
			if c := a.LastUpdate.Compare(b.LastUpdate.Time); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
		if f.unordered {
			slices.Reverse(rows)
		}
		if limit > 0 && len(rows) > limit {
			rows = rows[:limit]
		}
		for i, t := range rows {
			if failAfter > 0 && i == failAfter {
				yield(halo.Ticket{}, errors.New("halo: list tickets: unavailable"))
				return
			}
			if !yield(t, nil) {
				return
			}
			if f.afterRow != nil {
				f.afterRow(call, i)
			}
		}
	}
}

func fakeNormalise(_ context.Context, t *halo.Ticket) map[string]any {
	return tk("id", int(t.ID), "summary", t.Summary, "status_id", int(t.StatusID),
		"agent_id", int(t.AgentID))
}

// recorder collects events as short strings: "created 3",
// "updated 2 status_id:1>2".
type recorder struct{ got []string }

func (r *recorder) emit(_ context.Context, ev ticketEvent) error {
	kind := "updated"
	if ev.created {
		kind = "created"
	}
	s := fmt.Sprintf("%s %d", kind, ev.id)
	for _, ch := range ev.changes {
		s += fmt.Sprintf(" %s:%v>%v", ch.Field, ch.Previous, ch.Current)
	}
	if !ev.known && !ev.created {
		s += " (unknown before)"
	}
	r.got = append(r.got, s)
	return nil
}

func (r *recorder) take() []string {
	g := r.got
	r.got = nil
	return g
}

func mustPoll(t *testing.T, p *poller, r *recorder) []string {
	t.Helper()
	if err := p.poll(t.Context(), r.emit); err != nil {
		t.Fatalf("poll: %v", err)
	}
	return r.take()
}

func TestPollerStartsFromNowAndReportsEachChangeOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newFakeList()
		old := h.create(1) // long before the start: never reported as new
		time.Sleep(10 * time.Minute)
		recent := h.create(1) // within the overlap before the start
		time.Sleep(time.Minute)

		p := newPoller(h.list, fakeNormalise, time.Now(), nil)
		r := &recorder{}
		if got := mustPoll(t, p, r); len(got) != 0 {
			t.Fatalf("first poll reported %v, want nothing from before the start", got)
		}

		time.Sleep(time.Second)
		fresh := h.create(1)
		time.Sleep(time.Second)
		h.update(recent, func(t *halo.Ticket) { t.StatusID = 2 })
		time.Sleep(time.Second)
		h.update(old, func(t *halo.Ticket) { t.AgentID = 5 })
		want := []string{
			fmt.Sprintf("created %d", fresh),
			fmt.Sprintf("updated %d status_id:1>2", recent),
			fmt.Sprintf("updated %d (unknown before)", old),
		}
		if d := gocmp.Diff(want, mustPoll(t, p, r)); d != "" {
			t.Errorf("second poll (-want +got):\n%s", d)
		}
		// The next polls overlap the last one: nothing is reported twice.
		for range 3 {
			time.Sleep(5 * time.Second)
			if got := mustPoll(t, p, r); len(got) != 0 {
				t.Errorf("repeated poll reported %v again", got)
			}
		}
		h.update(fresh, func(t *halo.Ticket) { t.StatusID = 9 })
		want = []string{fmt.Sprintf("updated %d status_id:1>9", fresh)}
		if d := gocmp.Diff(want, mustPoll(t, p, r)); d != "" {
			t.Errorf("after a change (-want +got):\n%s", d)
		}
	})
}

func TestPollerLookback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newFakeList()
		h.create(1)
		time.Sleep(20 * time.Minute)
		inside := h.create(1)
		time.Sleep(5 * time.Minute)

		p := newPoller(h.list, fakeNormalise, time.Now().Add(-10*time.Minute), nil)
		r := &recorder{}
		want := []string{fmt.Sprintf("created %d", inside)}
		if d := gocmp.Diff(want, mustPoll(t, p, r)); d != "" {
			t.Errorf("poll with a 10 minute lookback (-want +got):\n%s", d)
		}
	})
}

// A ticket updated while the poller reads a long window moves to the end
// of the order; reading by offset would then skip the row that slides
// into its place. Keyset paging must report every change exactly once.
func TestPollerMissesNothingChangedWhilePaging(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newFakeList()
		p := newPoller(h.list, fakeNormalise, time.Now(), nil)
		time.Sleep(time.Second)
		var ids []int
		for range 250 {
			ids = append(ids, h.create(1))
			time.Sleep(20 * time.Millisecond)
		}
		moved := ids[0]
		h.afterRow = func(call, row int) {
			if call == 1 && row == 50 {
				time.Sleep(time.Second)
				h.update(moved, func(t *halo.Ticket) { t.StatusID = 2 })
			}
		}
		r := &recorder{}
		got := mustPoll(t, p, r)

		var want []string
		for _, id := range ids {
			want = append(want, fmt.Sprintf("created %d", id))
		}
		want = append(want, fmt.Sprintf("updated %d status_id:1>2", moved))
		if d := gocmp.Diff(want, got); d != "" {
			t.Errorf("events (-want +got):\n%s", d)
		}
		if h.calls < 3 {
			t.Errorf("list calls = %d, want one per page of at most %d", h.calls, pollPageSize)
		}
	})
}

func TestPollerReadsPastAFullSecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newFakeList()
		p := newPoller(h.list, fakeNormalise, time.Now(), nil)
		time.Sleep(time.Second)
		for range 250 { // all within one instant
			h.create(1)
		}
		r := &recorder{}
		if got := mustPoll(t, p, r); len(got) != 250 {
			t.Errorf("reported %d events, want 250", len(got))
		}
		if got := mustPoll(t, p, r); len(got) != 0 {
			t.Errorf("second poll reported %d events again", len(got))
		}
	})
}

func TestPollerFallsBackWhenHaloIgnoresTheOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newFakeList()
		h.unordered = true
		p := newPoller(h.list, fakeNormalise, time.Now(), nil)
		time.Sleep(time.Second)
		for range 150 {
			h.create(1)
			time.Sleep(10 * time.Millisecond)
		}
		r := &recorder{}
		got := mustPoll(t, p, r)
		slices.Sort(got)
		got = slices.Compact(got)
		if len(got) != 150 || len(r.got) != 0 {
			t.Errorf("reported %d distinct events, want 150", len(got))
		}
		if !p.unordered {
			t.Error("poller did not notice the missing order")
		}
	})
}

func TestPollerResumesAfterAnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newFakeList()
		p := newPoller(h.list, fakeNormalise, time.Now(), nil)
		time.Sleep(time.Second)
		for range 10 {
			h.create(1)
			time.Sleep(time.Second)
		}
		h.failAfter = 4
		r := &recorder{}
		if err := p.poll(t.Context(), r.emit); err == nil {
			t.Fatal("poll did not return the list error")
		}
		first := r.take()
		h.failAfter = 0
		rest := mustPoll(t, p, r)
		all := slices.Concat(first, rest)
		if len(first) != 4 || len(all) != 10 || len(slices.Compact(slices.Clone(all))) != 10 {
			t.Errorf("before the error %v, after %v: want 4 then the other 6", first, rest)
		}
	})
}

func TestPollerAsksHistoryForTicketsItForgot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newFakeList()
		p := newPoller(h.list, fakeNormalise, time.Now(), nil)
		p.tr = newTracker(2)
		var asked []int
		p.history = func(_ context.Context, id int, since time.Time) (bool, int, error) {
			asked = append(asked, id)
			return true, 1, nil
		}
		time.Sleep(time.Second)
		a := h.create(1)
		r := &recorder{}
		mustPoll(t, p, r)
		time.Sleep(5 * time.Minute)
		h.create(1)
		time.Sleep(time.Second)
		b := h.create(1)
		mustPoll(t, p, r)
		if p.tr.snaps.Len() != 2 || p.tr.knows(a) {
			t.Fatalf("cache holds %d tickets (ticket %d known: %v); want 2, the oldest evicted",
				p.tr.snaps.Len(), a, p.tr.knows(a))
		}
		time.Sleep(time.Second)
		h.update(a, func(t *halo.Ticket) { t.StatusID = 4 })
		time.Sleep(time.Second)
		h.update(b, func(t *halo.Ticket) { t.StatusID = 4 })
		want := []string{fmt.Sprintf("updated %d status_id:1>4 (unknown before)", a),
			fmt.Sprintf("updated %d status_id:1>4", b)}
		if d := gocmp.Diff(want, mustPoll(t, p, r)); d != "" {
			t.Errorf("events (-want +got):\n%s", d)
		}
		if d := gocmp.Diff([]int{a}, asked); d != "" {
			t.Errorf("history asked about (-want +got):\n%s", d)
		}
	})
}

func TestPollerStopsWhenEmitFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newFakeList()
		p := newPoller(h.list, fakeNormalise, time.Now(), nil)
		time.Sleep(time.Second)
		h.create(1)
		time.Sleep(time.Second)
		h.create(1)
		n := 0
		stop := errors.New("stopped")
		err := p.poll(t.Context(), func(context.Context, ticketEvent) error {
			n++
			return stop
		})
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("poll = %v after %d events, want the emit error after 1", err, n)
		}
		// emit fails only when the trigger is stopping; a poller that
		// went on anyway must still report the ticket it had not reached.
		r := &recorder{}
		got := mustPoll(t, p, r)
		if len(got) != 1 || !strings.HasPrefix(got[0], "created 2") {
			t.Errorf("next poll reported %v, want created 2", got)
		}
	})
}

// A ticket logged and moved between two polls is first seen in its new
// status; the poller asks for the status it was logged in, for tickets
// first seen as created only, and reports the creation and the move.
func TestPollerReportsAMoveBeforeTheFirstSighting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newFakeList()
		old := h.create(1)
		time.Sleep(time.Minute)
		p := newPoller(h.list, fakeNormalise, time.Now(), nil)
		logged := map[int]int{}
		var asked []int
		p.origin = func(_ context.Context, id int) (int, error) {
			asked = append(asked, id)
			return logged[id], nil
		}
		r := &recorder{}
		mustPoll(t, p, r)

		time.Sleep(time.Second)
		moved := h.create(1)
		logged[moved] = 1
		time.Sleep(time.Second)
		h.update(moved, func(t *halo.Ticket) { t.StatusID = 2 })
		time.Sleep(time.Second)
		still := h.create(1)
		logged[still] = 1
		time.Sleep(time.Second)
		h.update(old, func(t *halo.Ticket) { t.StatusID = 2 })
		want := []string{
			fmt.Sprintf("created %d", moved),
			fmt.Sprintf("updated %d status_id:1>2 (unknown before)", moved),
			fmt.Sprintf("created %d", still),
			fmt.Sprintf("updated %d status_id:1>2", old),
		}
		if d := gocmp.Diff(want, mustPoll(t, p, r)); d != "" {
			t.Errorf("events (-want +got):\n%s", d)
		}
		if d := gocmp.Diff([]int{moved, still}, asked); d != "" {
			t.Errorf("origin asked about (-want +got):\n%s", d)
		}
		time.Sleep(5 * time.Second)
		if got := mustPoll(t, p, r); len(got) != 0 {
			t.Errorf("next poll reported %v again", got)
		}
		if len(asked) != 2 {
			t.Errorf("origin asked again: %v", asked)
		}
	})
}

// A failed read of the logged status fails the poll before the ticket is
// recorded, so the next poll reports it in full.
func TestPollerRetriesATicketWhoseOriginFailed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newFakeList()
		p := newPoller(h.list, fakeNormalise, time.Now(), nil)
		down := true
		p.origin = func(context.Context, int) (int, error) {
			if down {
				return 0, errors.New("halo: list actions: unavailable")
			}
			return 1, nil
		}
		time.Sleep(time.Second)
		id := h.create(1)
		time.Sleep(time.Second)
		h.update(id, func(t *halo.Ticket) { t.StatusID = 2 })
		r := &recorder{}
		if err := p.poll(t.Context(), r.emit); err == nil || len(r.take()) != 0 {
			t.Fatalf("poll = %v, want the origin error and no event", err)
		}
		down = false
		want := []string{fmt.Sprintf("created %d", id),
			fmt.Sprintf("updated %d status_id:1>2 (unknown before)", id)}
		if d := gocmp.Diff(want, mustPoll(t, p, r)); d != "" {
			t.Errorf("after the outage (-want +got):\n%s", d)
		}
	})
}

// manualClock is a clock that moves only when told; safe for concurrent
// use.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// actionReads counts the actions reads the emulator answered.
func actionReads(srv *emulator.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "GET" && strings.EqualFold(r.Path, "/api/Actions") {
			n++
		}
	}
	return n
}

// The triggers' pollers against the emulator, on a clock the test moves:
// a ticket logged and moved New -> In Progress between two polls is
// reported once as created by ticket_created and once as moved by
// ticket_status_changed and ticket_updated (status_changed), also after
// a restart from the state file; only the status triggers read actions,
// once per ticket first seen as created.
func TestTriggerPollersReportAMoveBeforeTheFirstSighting(t *testing.T) {
	t.Parallel()
	clock := &manualClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	srv, c := emulatorConn(t, emulator.Config{Now: clock.now})
	ctx := t.Context()
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)

	type trig struct {
		id    string
		f     eventFilter
		p     *poller
		sf    *stateFile
		saved *savedState
	}
	trigs := []*trig{
		{id: triggerCreated},
		{id: triggerStatusChanged},
		{id: triggerUpdated, f: eventFilter{statusChanged: true}},
	}
	// start (re)starts every trigger's poller with its state file.
	start := func() {
		for _, tg := range trigs {
			tg.sf, tg.saved = openPollState(ctx, filepath.Join(dir, tg.id+".db"), tg.id,
				time.Second, log)
			if tg.sf == nil {
				t.Fatalf("%s: state file not opened", tg.id)
			}
			tg.p = c.triggerPoller(tg.id, tg.f, clock.now(), log)
			tg.p.useState(tg.sf, tg.saved)
		}
	}
	stop := func() {
		for _, tg := range trigs {
			if err := tg.sf.Close(); err != nil {
				t.Error(err)
			}
		}
	}
	// poll polls with every trigger and returns, per trigger, the events
	// it sent and the actions reads it made.
	poll := func() (events [][]string, reads []int) {
		for _, tg := range trigs {
			before := actionReads(srv)
			var got []string
			err := tg.p.poll(ctx, func(ctx context.Context, ev ticketEvent) error {
				out, ok := c.eventOutput(ctx, tg.id, tg.f, &ev)
				if !ok {
					return nil
				}
				// As the dispatcher receives it.
				b, err := json.Marshal(out)
				if err != nil {
					return err
				}
				var sent map[string]any
				if err := json.Unmarshal(b, &sent); err != nil {
					return err
				}
				got = append(got, summary(sent))
				return nil
			})
			if err != nil {
				t.Fatalf("%s: poll: %v", tg.id, err)
			}
			events = append(events, got)
			reads = append(reads, actionReads(srv)-before)
		}
		return events, reads
	}
	check := func(when string, want [][]string, wantReads []int) {
		t.Helper()
		got, reads := poll()
		if d := gocmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s: events per trigger (-want +got):\n%s", when, d)
		}
		if d := gocmp.Diff(wantReads, reads); d != "" {
			t.Errorf("%s: actions reads per trigger (-want +got):\n%s", when, d)
		}
	}

	logged := srv.CreateTicket(map[string]any{"summary": "before the start", "tickettype_id": 1})
	clock.advance(10 * time.Minute)
	start()
	defer func() { stop() }()
	check("first poll", [][]string{nil, nil, nil}, []int{0, 0, 0})

	clock.advance(5 * time.Second)
	moved := srv.CreateTicket(map[string]any{"summary": "moved", "tickettype_id": 1})
	clock.advance(time.Second)
	if err := srv.ChangeStatus(moved, 2, "picked up"); err != nil {
		t.Fatal(err)
	}
	clock.advance(time.Second)
	still := srv.CreateTicket(map[string]any{"summary": "not moved", "tickettype_id": 1})
	clock.advance(time.Second)
	// A ticket logged before the start is not new, whatever its status.
	if err := srv.ChangeStatus(logged, 2, "picked up"); err != nil {
		t.Fatal(err)
	}
	clock.advance(time.Second)
	check("second poll", [][]string{
		{
			fmt.Sprintf("ticket=%d status=2 event=created", moved),
			fmt.Sprintf("ticket=%d status=1 event=created", still),
		},
		{
			fmt.Sprintf("ticket=%d status=2 old_status_id=1 new_status_id=2", moved),
			fmt.Sprintf("ticket=%d status=2 old_status_id=1 new_status_id=2", logged),
		},
		{
			fmt.Sprintf("ticket=%d status=2 event=status_changed previous_status_id=1 "+
				"changes=status_id", moved),
			fmt.Sprintf("ticket=%d status=2 event=status_changed previous_status_id=1 "+
				"changes=status_id", logged),
		},
	}, []int{0, 3, 3})

	clock.advance(5 * time.Second)
	check("third poll", [][]string{nil, nil, nil}, []int{0, 0, 0})

	// A restart within the overlap: the tickets handled before it are not
	// reported again, not even the moved one edited meanwhile, whose
	// status change lies before the version the state file recorded.
	stop()
	clock.advance(5 * time.Second)
	if err := srv.UpdateTicket(moved, map[string]any{"summary": "moved, edited"}); err != nil {
		t.Fatal(err)
	}
	clock.advance(5 * time.Second)
	start()
	check("after the restart", [][]string{nil, nil, nil}, []int{0, 1, 1})

	if err := srv.ChangeStatus(still, 2, "picked up"); err != nil {
		t.Fatal(err)
	}
	clock.advance(time.Second)
	check("a later move", [][]string{
		nil,
		{fmt.Sprintf("ticket=%d status=2 old_status_id=1 new_status_id=2", still)},
		{fmt.Sprintf("ticket=%d status=2 event=status_changed previous_status_id=1 "+
			"changes=status_id", still)},
	}, []int{0, 0, 0})
}
