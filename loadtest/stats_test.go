package loadtest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ms_(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPercentile(t *testing.T) {
	t.Parallel()
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms_(i + 1) // 1ms..100ms
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one sample", []time.Duration{ms_(7)}, 99, ms_(7)},
		{"p50 of 1..100 is 50", hundred, 50, ms_(50)},
		{"p95 of 1..100 is 95", hundred, 95, ms_(95)},
		{"p99 of 1..100 is 99", hundred, 99, ms_(99)},
		{"p99.9 of 1..100 is the max", hundred, 99.9, ms_(100)},
		{"p100 is the max", hundred, 100, ms_(100)},
		{"p0 is the min", hundred, 0, ms_(1)},
		{"nearest rank rounds up", []time.Duration{ms_(1), ms_(2), ms_(3)}, 50, ms_(2)},
		{"p34 of three is the second", []time.Duration{ms_(1), ms_(2), ms_(3)}, 34, ms_(2)},
		{"p33 of three is the first", []time.Duration{ms_(1), ms_(2), ms_(3)}, 33, ms_(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(p=%g) = %s, want %s", tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	samples := []time.Duration{ms_(40), ms_(10), ms_(30), ms_(20)}
	got := Summarize(samples)
	want := Latency{Count: 4, Min: ms_(10), Mean: ms_(25), P50: ms_(20), P95: ms_(40),
		P99: ms_(40), Max: ms_(40)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Summarize (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{ms_(10), ms_(20), ms_(30), ms_(40)}, samples); diff != "" {
		t.Errorf("samples not sorted in place (-want +got):\n%s", diff)
	}
	if got := Summarize(nil); got != (Latency{}) {
		t.Errorf("Summarize(nil) = %+v, want zero", got)
	}
}
