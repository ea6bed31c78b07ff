package loadtest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMarker(t *testing.T) {
	t.Parallel()
	m := Marker("ab12cd34", 7, 42)
	if m != "[lt:ab12cd34:w7:42]" {
		t.Errorf("Marker = %q", m)
	}
	if got := markerRE.FindString(m + " load test ticket"); got != m {
		t.Errorf("markerRE finds %q in its own marker, want %q", got, m)
	}
}

func TestFindDuplicates(t *testing.T) {
	t.Parallel()
	ticket := func(id any, summary, key string) map[string]any {
		m := map[string]any{"id": id, "summary": summary}
		if key != "" {
			m["rapid7_ticketrrn"] = key
		}
		return m
	}
	tests := []struct {
		name    string
		tickets []map[string]any
		want    []Duplicate
	}{
		{
			name: "all distinct",
			tickets: []map[string]any{
				ticket(1, "[lt:r:w0:0] load test ticket", "k1"),
				ticket(2, "[lt:r:w0:1] load test ticket", "k2"),
				ticket(3, "[lt:r:w1:0] load test ticket", "k3"),
			},
		},
		{
			name: "same marker twice: a resent create",
			tickets: []map[string]any{
				ticket(1, "[lt:r:w0:0] load test ticket", "k1"),
				ticket(5, "[lt:r:w0:0] load test ticket", "k5"),
				ticket(2, "[lt:r:w0:1] load test ticket", "k2"),
			},
			want: []Duplicate{{By: "marker", Key: "[lt:r:w0:0]", TicketIDs: []int{1, 5}}},
		},
		{
			name: "same idempotency key, ids as floats, three copies",
			tickets: []map[string]any{
				ticket(9.0, "[lt:r:w3:0] load test ticket", "kk"),
				ticket(4.0, "[lt:r:w3:0] load test ticket", "kk"),
				ticket(6.0, "[lt:r:w3:0] load test ticket", "kk"),
			},
			want: []Duplicate{
				{By: "marker", Key: "[lt:r:w3:0]", TicketIDs: []int{4, 6, 9}},
				{By: "rapid7_ticketrrn", Key: "kk", TicketIDs: []int{4, 6, 9}},
			},
		},
		{
			name: "a marker only in the middle of a summary does not count",
			tickets: []map[string]any{
				ticket(1, "re: [lt:r:w0:0] load test ticket", ""),
				ticket(2, "re: [lt:r:w0:0] load test ticket", ""),
			},
		},
		{
			name: "tickets without marker or key are ignored",
			tickets: []map[string]any{
				ticket(1, "printer on fire", ""),
				ticket(2, "printer on fire", ""),
				{"id": 3},
			},
		},
		{
			name: "blank keys are not a key",
			tickets: []map[string]any{
				ticket(1, "a", " "),
				ticket(2, "b", " "),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := FindDuplicates(tt.tickets, "rapid7_ticketrrn")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FindDuplicates (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExtraTickets(t *testing.T) {
	t.Parallel()
	dups := []Duplicate{
		{By: "marker", Key: "a", TicketIDs: []int{1, 2}},
		{By: "marker", Key: "b", TicketIDs: []int{3, 4, 5}},
		{By: "key", Key: "k", TicketIDs: []int{3, 4}},
	}
	if got := ExtraTickets(dups, "marker"); got != 3 {
		t.Errorf("ExtraTickets(marker) = %d, want 3", got)
	}
	if got := ExtraTickets(dups, "key"); got != 1 {
		t.Errorf("ExtraTickets(key) = %d, want 1", got)
	}
	if got := ExtraTickets(nil, "marker"); got != 0 {
		t.Errorf("ExtraTickets(nil) = %d, want 0", got)
	}
}

func TestFindDuplicatesWithoutKeyField(t *testing.T) {
	t.Parallel()
	tickets := []map[string]any{
		{"id": 1, "summary": "x", "rapid7_ticketrrn": "k"},
		{"id": 2, "summary": "y", "rapid7_ticketrrn": "k"},
	}
	if got := FindDuplicates(tickets, ""); got != nil {
		t.Errorf("FindDuplicates with no key field = %v, want none", got)
	}
}
