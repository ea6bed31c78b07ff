package runtime

import (
	"encoding/json"
	"fmt"
	"log/slog"
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

// TestCaptureJSONNotesAreJSON checks that with the JSON format the notes
// about dropped and cut records are JSON objects, so that every line of
// an event's log parses.
func TestCaptureJSONNotesAreJSON(t *testing.T) {
	t.Parallel()
	c := &capture{mask: &masker{}, limit: 200, format: logJSON}
	for i := range 20 {
		fmt.Fprintf(c, `{"level":"INFO","msg":"line","n":%d}`+"\n", i)
	}
	fmt.Fprintf(c, `{"level":"INFO","msg":"long","text":"%s"}`+"\n", strings.Repeat("x", 300))
	var msgs []string
	for line := range strings.Lines(c.Take()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line is not a JSON object (%v): %q", err, line)
		}
		msgs = append(msgs, fmt.Sprint(rec["level"], " ", rec["msg"]))
	}
	want := []string{
		"WARN 19 earlier log lines dropped to keep this log under 200 bytes; " +
			"the plugin's stderr has them all",
		"INFO line", // the newest short record fits beside the note
		"WARN a log record of 340 bytes was longer than this log's limit of 200 bytes; " +
			"the plugin's stderr has it whole",
	}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

// TestMaskerEscapedForms logs a secret through slog's JSON and text
// handlers, as a value and as a key, and checks that no form of it is
// left.
func TestMaskerEscapedForms(t *testing.T) {
	t.Parallel()
	secrets := []string{
		`plain-secret-value`,
		`html<&>secret`,
		"quote\"back\\slash",
		"ctl\x01\x1f\ttab\nnl",
		"sep\u2028\u2029ara",
		"bad-utf8-\xff\xfe-x",
	}
	for _, format := range []logFormat{logText, logJSON} {
		for _, secret := range secrets {
			t.Run(string(format)+"/"+secret, func(t *testing.T) {
				t.Parallel()
				c := &capture{mask: &masker{}, format: format}
				c.mask.set([]string{secret})
				log := slog.New(newLogHandler(c, format, slog.LevelInfo))
				log.Info("msg "+secret, "value", secret, "k-"+secret, 1)
				got := c.Take()
				if strings.Count(got, Mask) != 3 {
					t.Errorf("want 3 masks (message, value, key), got:\n%s", got)
				}
				for _, part := range []string{"secret", "back", "tab", "ara", "utf8"} {
					if strings.Contains(got, part) {
						t.Errorf("log holds %q:\n%s", part, got)
					}
				}
			})
		}
	}
}
