package haloitsm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

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
