package loadtest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func TestNewHistogram(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		samples     []time.Duration
		firstDecade int
		counts      map[int]int // bin -> count; other bins must be 0
		bins        int
	}{
		{"empty", nil, 2, nil, 0},
		{
			name:        "one decade of milliseconds",
			samples:     []time.Duration{msec(1), msec(1), msec(5), msec(9)},
			firstDecade: 3, // 1ms = 10^3 µs
			bins:        10,
			// log10(5000)=3.699 -> bin 6; log10(9000)=3.954 -> bin 9.
			counts: map[int]int{0: 2, 6: 1, 9: 1},
		},
		{
			name:        "spans two decades",
			samples:     []time.Duration{msec(2), msec(20), msec(99)},
			firstDecade: 3,
			bins:        20,
			counts:      map[int]int{3: 1, 13: 1, 19: 1},
		},
		{
			name:        "tiny samples go to the first bin",
			samples:     []time.Duration{time.Microsecond, 150 * time.Microsecond},
			firstDecade: 2,
			bins:        10,
			counts:      map[int]int{0: 1, 1: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := NewHistogram(tt.samples)
			if h.FirstDecade != tt.firstDecade || len(h.Counts) != tt.bins {
				t.Fatalf("NewHistogram: first decade %d with %d bins, want %d with %d",
					h.FirstDecade, len(h.Counts), tt.firstDecade, tt.bins)
			}
			for i, c := range h.Counts {
				if c != tt.counts[i] {
					t.Errorf("bin %d [%s, %s) = %d, want %d", i, h.Lo(i), h.Lo(i+1), c,
						tt.counts[i])
				}
			}
		})
	}
}

func TestHistogramLo(t *testing.T) {
	t.Parallel()
	h := Histogram{FirstDecade: 3}
	for i, want := range map[int]time.Duration{0: msec(1), 10: msec(10), 20: msec(100),
		5: 3162 * time.Microsecond} {
		if got := h.Lo(i); got != want {
			t.Errorf("Lo(%d) = %s, want %s", i, got, want)
		}
	}
}

func TestWriteHistogramSVG(t *testing.T) {
	t.Parallel()
	var samples []time.Duration
	// A deterministic spread: 10ms to 34ms eight times each and a retry
	// tail of 0.5s to 3.25s; nearest rank puts p50 at 23ms and p99 at
	// the tenth tail sample, 2.75s.
	for i := range 200 {
		samples = append(samples, msec(10+i%25))
	}
	for i := range 12 {
		samples = append(samples, msec(500+250*i))
	}
	var buf bytes.Buffer
	if err := WriteHistogramSVG(&buf, "demo <run> & co", "http mode, 2 workflows", samples); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()

	// It is well-formed XML with an svg root, and text is escaped.
	dec := xml.NewDecoder(bytes.NewReader(got))
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Errorf("root element %q, want svg", root)
	}
	for _, want := range []string{"demo &lt;run&gt; &amp; co", "p50 23ms", "p99 2.8s", ">10ms<",
		">1s<"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}

	golden := filepath.Join("testdata", "histogram.svg")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("SVG differs from %s (-want +got):\n%s", golden, diff)
	}
}

func TestWriteHistogramSVGEmpty(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteHistogramSVG(&buf, "empty", "", nil); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(buf.Bytes(), new(struct{})); err != nil {
		t.Errorf("empty histogram is not well-formed: %v", err)
	}
	if strings.Contains(buf.String(), "p50") {
		t.Errorf("empty histogram marks percentiles:\n%s", buf.String())
	}
}

func TestNiceCeil(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]int{0: 4, 3: 4, 4: 4, 5: 8, 9: 20, 21: 40, 41: 80, 81: 200,
		1234: 2000, 5000: 8000} {
		if got := niceCeil(n); got != want {
			t.Errorf("niceCeil(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestShortDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		100 * time.Microsecond:  "100µs",
		time.Millisecond:        "1ms",
		1500 * time.Microsecond: "1.5ms",
		12 * time.Millisecond:   "12ms",
		time.Second:             "1s",
		2500 * time.Millisecond: "2.5s",
		20 * time.Second:        "20s",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
