package runtime

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCaptureKeepsTheNewestRecordsWithinItsLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		limit int
		lines []string
		want  string
	}{
		{"no limit", 0, []string{"a\n", "b\n"}, "a\nb\n"},
		{"under the limit", 10, []string{"a\n", "b\n"}, "a\nb\n"},
		{"exactly the limit", 4, []string{"a\n", "b\n"}, "a\nb\n"},
		{"oldest dropped", 4, []string{"a\n", "b\n", "c\n"},
			"[1 earlier log lines dropped to keep this log under 4 bytes; " +
				"the plugin's stderr has them all]\nb\nc\n"},
		{"long record cut", 12, []string{"a\n", "0123456789abcdef\n"},
			"[1 earlier log lines dropped to keep this log under 12 bytes; " +
				"the plugin's stderr has them all]\n012...[cut]\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &capture{mask: &masker{}, limit: tc.limit}
			for _, l := range tc.lines {
				if _, err := c.Write([]byte(l)); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(tc.want, c.Take()); diff != "" {
				t.Errorf("Take (-want +got):\n%s", diff)
			}
			if got := c.Take(); got != "" {
				t.Errorf("second Take = %q, want nothing: Take clears", got)
			}
		})
	}
}

func TestCaptureMemoryStaysBounded(t *testing.T) {
	t.Parallel()
	var stderr strings.Builder
	c := &capture{mask: &masker{}, limit: 1 << 10, stderr: &stderr}
	c.mask.set([]string{"s3cr3t-value"})
	for i := range 100_000 {
		fmt.Fprintf(c, "line %d s3cr3t-value\n", i)
		if c.size > c.limit {
			t.Fatalf("after %d lines %d bytes kept, over the limit %d", i+1, c.size, c.limit)
		}
	}
	if len(c.recs) > c.limit/len("line 0 ********\n") {
		t.Errorf("%d records kept in %d bytes", len(c.recs), c.limit)
	}
	got := c.Take()
	if !strings.HasPrefix(got, "[") || !strings.Contains(got, "line 99999 ********\n") {
		t.Errorf("Take = %q, want the drop note and the newest line", got)
	}
	if strings.Count(stderr.String(), "\n") != 100_000 || strings.Contains(stderr.String(), "s3cr3t") {
		t.Errorf("stderr holds %d lines (want 100000), secret present: %v",
			strings.Count(stderr.String(), "\n"), strings.Contains(stderr.String(), "s3cr3t"))
	}
}
