package halo

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTransientDelayIsCappedFullJitter(t *testing.T) {
	t.Parallel()
	full := func(d time.Duration) time.Duration { return d - 1 } // largest jitter
	var got []time.Duration
	for n := range 8 {
		got = append(got, transientDelay(n, full)+1)
	}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second,
		4 * time.Second, 8 * time.Second, 16 * time.Second, 20 * time.Second, 20 * time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("upper bounds (-want +got):\n%s", diff)
	}
	if d := transientDelay(3, func(time.Duration) time.Duration { return 0 }); d != 0 {
		t.Errorf("full jitter lower bound = %v, want 0", d)
	}
	for range 1000 {
		if d := transientDelay(30, randomJitter); d < 0 || d >= transientCap {
			t.Fatalf("transientDelay(30) = %v, outside [0, %v)", d, transientCap)
		}
	}
}

func TestRateLimitDelayFitsTheRollingWindow(t *testing.T) {
	t.Parallel()
	none := func(time.Duration) time.Duration { return 0 }
	most := func(d time.Duration) time.Duration { return d - 1 }
	var hi, lo []time.Duration
	for n := range 5 {
		hi = append(hi, rateLimitDelay(n, none))
		lo = append(lo, rateLimitDelay(n, most).Round(time.Second))
	}
	wantHi := []time.Duration{20 * time.Second, 40 * time.Second, time.Minute, time.Minute,
		time.Minute}
	wantLo := []time.Duration{15 * time.Second, 30 * time.Second, 45 * time.Second,
		45 * time.Second, 45 * time.Second}
	if diff := cmp.Diff(wantHi, hi); diff != "" {
		t.Errorf("without jitter (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantLo, lo); diff != "" {
		t.Errorf("with the most jitter (-want +got):\n%s", diff)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header string
		want   time.Duration
		wantOK bool
	}{
		{"absent", "", 0, false},
		{"seconds", "120", 2 * time.Minute, true},
		{"zero", "0", 0, true},
		{"seconds capped", "86400", maxRetryAfter, true},
		{"huge seconds capped", "99999999999999999", maxRetryAfter, true},
		{"negative", "-5", 0, false},
		{"http date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"http date in the past", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"http date capped", now.Add(time.Hour).Format(http.TimeFormat), maxRetryAfter, true},
		{"garbage", "soon", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tt.header != "" {
				h.Set("Retry-After", tt.header)
			}
			got, ok := parseRetryAfter(h, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.header, got, ok,
					tt.want, tt.wantOK)
			}
		})
	}
}
