package loadtest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func msec(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPercentile(t *testing.T) {
	t.Parallel()
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = msec(i + 1) // 1ms..100ms
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one sample", []time.Duration{msec(7)}, 99, msec(7)},
		{"p50 of 1..100 is 50", hundred, 50, msec(50)},
		{"p95 of 1..100 is 95", hundred, 95, msec(95)},
		{"p99 of 1..100 is 99", hundred, 99, msec(99)},
		{"p99.9 of 1..100 is the max", hundred, 99.9, msec(100)},
		{"p100 is the max", hundred, 100, msec(100)},
		{"p0 is the min", hundred, 0, msec(1)},
		{"nearest rank rounds up", []time.Duration{msec(1), msec(2), msec(3)}, 50, msec(2)},
		{"p34 of three is the second", []time.Duration{msec(1), msec(2), msec(3)}, 34, msec(2)},
		{"p33 of three is the first", []time.Duration{msec(1), msec(2), msec(3)}, 33, msec(1)},
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
	samples := []time.Duration{msec(40), msec(10), msec(30), msec(20)}
	got := Summarize(samples)
	want := Latency{Count: 4, Min: msec(10), Mean: msec(25), P50: msec(20), P95: msec(40),
		P99: msec(40), Max: msec(40)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Summarize (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{msec(10), msec(20), msec(30), msec(40)}, samples); diff != "" {
		t.Errorf("samples not sorted in place (-want +got):\n%s", diff)
	}
	if got := Summarize(nil); got != (Latency{}) {
		t.Errorf("Summarize(nil) = %+v, want zero", got)
	}
}
