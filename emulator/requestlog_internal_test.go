package emulator

import (
	"fmt"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRequestLogRing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		adds int
		want []string // paths, oldest first
	}{
		{"empty", 0, nil},
		{"below the cap", 2, []string{"/0", "/1"}},
		{"at the cap", 3, []string{"/0", "/1", "/2"}},
		{"one past the cap", 4, []string{"/1", "/2", "/3"}},
		{"wrapped twice and more", 8, []string{"/5", "/6", "/7"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := requestLog{max: 3}
			for i := range tt.adds {
				l.add(Request{Path: "/" + strconv.Itoa(i)})
			}
			var got []string
			for _, r := range l.entries() {
				got = append(got, r.Path)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequestLogAtTheCap(t *testing.T) {
	t.Parallel()
	s := New(Config{})
	t.Cleanup(func() { _ = s.Close() })
	const extra = 1234
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range maxLoggedRequests + extra {
		r := httptest.NewRequestWithContext(t.Context(), "GET", fmt.Sprintf("/api/Tickets/%d", i), nil)
		s.logRequest(base.Add(time.Duration(i)*time.Second), r, nil, 200)
	}

	got := s.Requests()
	if len(got) != maxLoggedRequests {
		t.Fatalf("%d entries, want the cap %d", len(got), maxLoggedRequests)
	}
	for i, r := range got {
		want := extra + i
		if r.Path != fmt.Sprintf("/api/Tickets/%d", want) ||
			!r.Time.Equal(base.Add(time.Duration(want)*time.Second)) {
			t.Fatalf("entry %d = %s at %v, want request %d, oldest first", i, r.Path, r.Time,
				want)
		}
	}

	// The copy is the caller's: changing it leaves the log alone.
	got[0].Path = "changed"
	if again := s.Requests(); again[0].Path == "changed" {
		t.Errorf("Requests returned the log's own storage")
	}

	s.ResetRequests()
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("%d entries after ResetRequests", n)
	}
	s.logRequest(base, httptest.NewRequestWithContext(t.Context(), "POST", "/api/Actions", nil), nil, 201)
	if got := s.Requests(); len(got) != 1 || got[0].Path != "/api/Actions" {
		t.Errorf("after a reset and one request: %+v", got)
	}
}

// BenchmarkRequestLogAddAtCap measures recording one request into a full
// log, which must not depend on the log's size.
func BenchmarkRequestLogAddAtCap(b *testing.B) {
	var l requestLog
	for range maxLoggedRequests {
		l.add(Request{Path: "/api/Tickets"})
	}
	e := Request{Method: "GET", Path: "/api/Tickets/1", Status: 200}
	for b.Loop() {
		l.add(e)
	}
}
