package haloitsm

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// tk builds a ticket in the spec's shape from key/value pairs.
func tk(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func TestDiff(t *testing.T) {
	t.Parallel()
	base := tk("id", 1, "summary", "Phish", "status_id", 1, "agent_id", 5,
		"details", "text", "hasbeenclosed", false)
	tests := []struct {
		name    string
		cur     map[string]any
		present func(string) bool
		want    []fieldChange
	}{
		{"nothing changed", base, nil, nil},
		{"status and agent", tk("id", 1, "summary", "Phish", "status_id", 2,
			"details", "text", "hasbeenclosed", false), nil, []fieldChange{
			{"status_id", 1, 2}, {"agent_id", 5, 0}}},
		{"summary and closure", tk("id", 1, "summary", "Phishing", "status_id", 1,
			"agent_id", 5, "details", "text", "hasbeenclosed", true), nil, []fieldChange{
			{"summary", "Phish", "Phishing"}, {"hasbeenclosed", false, true}}},
		{"details keep only the current value", tk("id", 1, "summary", "Phish",
			"status_id", 1, "agent_id", 5, "details", "new text", "hasbeenclosed", false), nil,
			[]fieldChange{{Field: "details", Current: "new text"}}},
		{"fields the source left out are not changes",
			tk("id", 1, "summary", "Phish", "status_id", 1),
			func(f string) bool { return f == "summary" || f == "status_id" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prev := newSnapshot(base, t0, nil)
			cur := newSnapshot(tt.cur, t0.Add(time.Second), tt.present)
			got := diff(prev, cur, tt.cur)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("diff (-want +got):\n%s", d)
			}
		})
	}
}

func TestSnapshotMergeKeepsFieldsASmallPayloadLacks(t *testing.T) {
	t.Parallel()
	full := newSnapshot(tk("summary", "a", "details", "long", "category_id", 4), t0, nil)
	small := newSnapshot(tk("summary", "b"), t0.Add(time.Second),
		func(f string) bool { return f == "summary" })
	m := small.merge(full)
	if m.summary != "b" || m.ints[3] != 4 || m.hashes[0] != full.hashes[0] {
		t.Errorf("merge = %+v, want summary b with category and details of the full one", m)
	}
	later := newSnapshot(tk("summary", "b", "details", "other", "category_id", 4),
		t0.Add(2*time.Second), nil)
	if got := diff(m, later, tk("details", "other")); len(got) != 1 ||
		got[0].Field != "details" {
		t.Errorf("diff after merge = %v, want only details", got)
	}
}

func TestSnapCacheEvictsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	c := newSnapCache(3)
	for id := 1; id <= 3; id++ {
		c.put(id, snapshot{updated: int64(id)})
	}
	c.put(1, snapshot{updated: 10}) // 1 is now the newest; 2 the oldest
	c.put(4, snapshot{updated: 4})
	var have []int
	for id := 1; id <= 4; id++ {
		if _, ok := c.peek(id); ok {
			have = append(have, id)
		}
	}
	if d := cmp.Diff([]int{1, 3, 4}, have); d != "" {
		t.Errorf("tickets kept (-want +got):\n%s", d)
	}
	if s, _ := c.peek(1); s.updated != 10 {
		t.Errorf("ticket 1 updated = %d, want 10", s.updated)
	}
	if c.Len() != 3 {
		t.Errorf("Len = %d, want 3", c.Len())
	}
}

func TestTrackerObserve(t *testing.T) {
	t.Parallel()
	tr := newTracker(10)
	obs := func(at time.Duration, kv ...any) observation {
		return observation{ticket: tk(kv...), id: 7, updated: t0.Add(at)}
	}

	ev, fresh := tr.observe(obs(0, "status_id", 1))
	if !fresh || ev.known || ev.statusChanged {
		t.Fatalf("first sighting: fresh %v known %v statusChanged %v, want true false false",
			fresh, ev.known, ev.statusChanged)
	}
	if _, fresh := tr.observe(obs(0, "status_id", 1)); fresh {
		t.Error("the same version again was fresh")
	}
	if !tr.seen(7, t0.Add(-time.Second)) || tr.seen(7, t0) {
		t.Error("seen: an older version must be seen, the same time must be left to observe")
	}
	ev, fresh = tr.observe(obs(0, "status_id", 2))
	if !fresh || !ev.statusChanged || ev.prevStatus != 1 {
		t.Errorf("same time, other status: fresh %v statusChanged %v prev %d, want a change "+
			"from 1", fresh, ev.statusChanged, ev.prevStatus)
	}
	if _, fresh := tr.observe(obs(-time.Minute, "status_id", 9)); fresh {
		t.Error("an older version was fresh")
	}
	ev, fresh = tr.observe(obs(time.Minute, "status_id", 9, "hasbeenclosed", true))
	want := []fieldChange{{"status_id", 2, 9}, {"hasbeenclosed", false, true}}
	if !fresh || !ev.closedNow || ev.newStatus != 9 {
		t.Errorf("closing: fresh %v closedNow %v newStatus %d", fresh, ev.closedNow, ev.newStatus)
	}
	if d := cmp.Diff(want, ev.changes); d != "" {
		t.Errorf("changes (-want +got):\n%s", d)
	}
	ev, _ = tr.observe(obs(2*time.Minute, "status_id", 9, "hasbeenclosed", true, "agent_id", 3))
	if ev.statusChanged || len(ev.changes) != 1 {
		t.Errorf("agent change: statusChanged %v changes %v", ev.statusChanged, ev.changes)
	}
}

func TestTrackerHintsForUnknownTickets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		o           observation
		wantChanged bool
		wantPrev    int
	}{
		{"no hint", observation{}, false, 0},
		{"previous status from an action", observation{prevStatusHint: 2}, true, 2},
		{"status event without previous", observation{statusHint: true}, true, 0},
		{"previous equals current", observation{prevStatusHint: 5}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := tt.o
			o.id, o.ticket, o.updated = 1, tk("status_id", 5), t0
			ev, fresh := newTracker(1).observe(o)
			if !fresh || ev.statusChanged != tt.wantChanged || ev.prevStatus != tt.wantPrev {
				t.Errorf("fresh %v statusChanged %v prev %d, want true %v %d", fresh,
					ev.statusChanged, ev.prevStatus, tt.wantChanged, tt.wantPrev)
			}
		})
	}
}

// A webhook status delivery that finds the ticket's version already seen
// is reported as a status change unless one to that status was reported.
func TestTrackerStatusDeliveryAfterLateFetch(t *testing.T) {
	t.Parallel()
	type step struct {
		kind    string
		created bool
		status  int
		hint    int
		at      time.Duration
	}
	type result struct {
		Fresh, StatusChanged bool
		Prev                 int
	}
	tests := []struct {
		name  string
		steps []step
		want  []result
	}{
		{
			name: "created delivery fetched after the status change",
			steps: []step{
				{kind: EventCreated, created: true, status: 9},
				{kind: EventStatusChanged, status: 9, hint: 1},
			},
			want: []result{{Fresh: true}, {true, true, 1}},
		},
		{
			name: "previous status unknown",
			steps: []step{
				{kind: EventUpdated, status: 9},
				{kind: EventStatusChanged, status: 9},
			},
			want: []result{{Fresh: true}, {true, true, 0}},
		},
		{
			name: "two deliveries of one reported change",
			steps: []step{
				{kind: EventCreated, created: true, status: 1},
				{kind: EventStatusChanged, status: 9, hint: 1, at: time.Minute},
				{kind: EventClosed, status: 9, hint: 1, at: time.Minute},
				{kind: EventUpdated, status: 9, at: time.Minute},
			},
			want: []result{{Fresh: true}, {true, true, 1}, {}, {}},
		},
		{
			name: "change taken in by an update's fetch is reported by it",
			steps: []step{
				{kind: EventCreated, created: true, status: 1},
				{kind: EventUpdated, status: 2, at: time.Minute},
				{kind: EventStatusChanged, status: 2, hint: 1, at: time.Minute},
			},
			want: []result{{Fresh: true}, {true, true, 1}, {}},
		},
		{
			name: "polling never forces a status change",
			steps: []step{
				{status: 9},
				{status: 9},
			},
			want: []result{{Fresh: true}, {}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := newTracker(10)
			var got []result
			for _, s := range tt.steps {
				ev, fresh := tr.observe(observation{ticket: tk("status_id", s.status), id: 7,
					updated: t0.Add(s.at), created: s.created, kind: s.kind,
					prevStatusHint: s.hint})
				got = append(got, result{fresh, ev.statusChanged, ev.prevStatus})
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("sightings (-want +got):\n%s", d)
			}
		})
	}
}

// A created ticket first seen in another status than the one it was
// logged in reports the creation and the status change, once.
func TestTrackerCreatedTicketAlreadyMoved(t *testing.T) {
	t.Parallel()
	type part struct {
		Created, StatusChanged, ClosedNow bool
		Prev, New                         int
		Changes                           []fieldChange
	}
	parts := func(ev ticketEvent) []part {
		p := func(e ticketEvent) part {
			return part{e.created, e.statusChanged, e.closedNow, e.prevStatus, e.newStatus,
				e.changes}
		}
		if c, m, ok := ev.splitCreated(); ok {
			return []part{p(c), p(m)}
		}
		return []part{p(ev)}
	}
	tests := []struct {
		name    string
		o       observation
		status  int
		closed  bool
		want    []part
		wantAnn int32
	}{
		{"moved", observation{created: true, initialStatus: 1}, 2, false, []part{
			{Created: true, New: 2},
			{StatusChanged: true, Prev: 1, New: 2,
				Changes: []fieldChange{{"status_id", 1, 2}}}}, 2},
		{"moved and closed", observation{created: true, initialStatus: 1}, 9, true, []part{
			{Created: true, New: 9},
			{StatusChanged: true, ClosedNow: true, Prev: 1, New: 9,
				Changes: []fieldChange{{"status_id", 1, 9}}}}, 9},
		{"in the status it was logged in", observation{created: true, initialStatus: 2}, 2,
			false, []part{{Created: true, New: 2}}, 0},
		{"logged status unknown", observation{created: true}, 2, false,
			[]part{{Created: true, New: 2}}, 0},
		{"not created: the initial status is ignored", observation{initialStatus: 1}, 2,
			false, []part{{New: 2}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := newTracker(10)
			o := tt.o
			o.id, o.updated = 7, t0
			o.ticket = tk("status_id", tt.status, "hasbeenclosed", tt.closed)
			ev, fresh := tr.observe(o)
			if !fresh {
				t.Fatal("first sighting was not fresh")
			}
			if d := cmp.Diff(tt.want, parts(ev)); d != "" {
				t.Errorf("events (-want +got):\n%s", d)
			}
			if s, _ := tr.snaps.peek(7); s.announced != tt.wantAnn {
				t.Errorf("announced = %d, want %d", s.announced, tt.wantAnn)
			}
			o.created = false
			if _, fresh := tr.observe(o); fresh {
				t.Error("the same version seen again was fresh")
			}
		})
	}
}
