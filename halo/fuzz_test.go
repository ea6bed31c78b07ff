package halo

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// FuzzID checks that ID decodes any JSON value without panicking and that
// whatever it accepts survives an encode/decode round trip.
func FuzzID(f *testing.F) {
	for _, s := range []string{`3`, `3.0`, `"3"`, `" 42 "`, `""`, `null`, `-7`,
		`3.5`, `"abc"`, `1e3`, `9007199254740993`, `9223372036854775808`, `"0004242"`,
		`true`, `{}`, `[3]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Called directly, the method sees bytes encoding/json would
		// never hand it; it must still not panic.
		var direct ID
		_ = direct.UnmarshalJSON(data)

		var id ID
		if json.Unmarshal(data, &id) != nil {
			return
		}
		if n, err := strconv.ParseInt(string(bytes.TrimSpace(data)), 10, 64); err == nil &&
			ID(n) != id {
			t.Fatalf("decoded %s as %d", data, id)
		}
		enc, err := json.Marshal(id)
		if err != nil {
			t.Fatalf("encode %d: %v", id, err)
		}
		var back ID
		if err := json.Unmarshal(enc, &back); err != nil || back != id {
			t.Fatalf("round trip of %d: got %d, %v", id, back, err)
		}
	})
}

// FuzzTime checks ParseTime and Time's JSON methods on arbitrary text:
// no panics, the JSON path agrees with ParseTime, and a decoded date-time
// survives an encode/decode round trip. Sentinel dates (1899, 1900-01-01)
// decode as zero by design, and RFC 3339 has no room for years outside
// 0000-9999, so values that land there after conversion to UTC are not
// round-tripped.
func FuzzTime(f *testing.F) {
	for _, s := range []string{
		"2025-01-10T09:30:00", "2026-09-25T06:41:08.7895915Z", "1900-01-01T00:00:00",
		"1899-12-30T00:00:00", "", " ", "2024-01-02", "2024-01-02 03:04:05.123",
		"2024-01-02T03:04", "2024-01-02T03:04:05+05:30", "2024-13-40T25:61:61",
		"0001-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59", "1900-01-02T00:00:00+23:00",
		"yesterday",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parsed, perr := ParseTime(s)

		quoted, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var viaJSON Time
		jerr := json.Unmarshal(quoted, &viaJSON)
		if (perr == nil) != (jerr == nil) || !parsed.Equal(viaJSON.Time) {
			t.Fatalf("ParseTime(%q) = %v, %v; JSON decoding = %v, %v",
				s, parsed, perr, viaJSON, jerr)
		}
		if perr != nil || parsed.IsZero() {
			return
		}
		if parsed.Location().String() != "UTC" {
			t.Errorf("ParseTime(%q) is in %v, want UTC", s, parsed.Location())
		}
		enc, err := json.Marshal(parsed)
		if err != nil {
			t.Fatalf("encode %v: %v", parsed, err)
		}
		text := string(enc)
		if y := parsed.Year(); y < 0 || y > 9999 ||
			strings.HasPrefix(text, `"1899`) || strings.HasPrefix(text, `"1900-01-01`) {
			return
		}
		var back Time
		if err := json.Unmarshal(enc, &back); err != nil || !back.Equal(parsed.Time) {
			t.Fatalf("round trip of %q via %s: got %v, %v", s, enc, back, err)
		}
	})
}

// FuzzDecodeList feeds arbitrary bodies to the list decoder every list
// call uses, then decodes each row as the record types the client
// returns. Tolerant decoding means a row that is a JSON object always
// decodes, and a decoded record re-encodes to JSON that decodes to the
// same record (after one cycle, which moves values that do not fit their
// field into Extra).
func FuzzDecodeList(f *testing.F) {
	for _, s := range []string{
		`{"page_no": 1, "page_size": 50, "record_count": 137, "tickets": [{"id": 1042,
		  "summary": "Phishing report", "status_id": 1, "status_name": "New",
		  "tickettype_id": 1, "priority_id": 3, "team": "Service Desk", "agent_id": 5,
		  "client_id": 12, "dateoccurred": "2025-01-10T09:30:00", "hasbeenclosed": false}]}`,
		`{"record_count": "2", "tickets": [{"id": "3"}, {"id": 3.0,
		  "datecreated": "1900-01-01T00:00:00", "lastactiondate": "2026-09-25T06:41:08.7895915Z"}]}`,
		`[{"id": "1", "name": "Low"}, {"id": 2.0, "name": "High", "sequence": "3"}]`,
		`{"record_count": 2, "actions": [{"id": 1, "ticket_id": 42, "old_status": 1,
		  "new_status": "9", "datetime": "2025-01-10T09:30:00.123"}]}`,
		`{"Tickets": null, "RECORD_COUNT": 3.0}`,
		`{"results": [{"id": "x", "summary": 7, "customfields": [{"id": 5, "value": [1],
		  "display": 3}], "unknown": {"a": "<b>"}}]}`,
		`{"records": [1, "two", null, []]}`,
		`{"tickets": [{"id": 1, "ID": 2, "Summary": "case"}]}`,
		`[]`, `{}`, `null`, `"tickets"`, `[{"id": 1e400}]`,
	} {
		f.Add([]byte(s), uint8(0))
	}
	keys := []string{"tickets", "actions", "statuses", "users", "agents", "clients"}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		key := keys[int(which)%len(keys)]
		p, err := decodeList(body, key)
		if err != nil {
			return
		}
		for i, row := range p.rows {
			isObject := json.Valid(row) && bytes.HasPrefix(bytes.TrimSpace(row), []byte("{"))
			checkRecord[Ticket](t, i, row, isObject)
			checkRecord[Action](t, i, row, isObject)
			checkRecord[Status](t, i, row, isObject)
			checkRecord[Priority](t, i, row, isObject)
			checkRecord[Agent](t, i, row, isObject)
			checkRecord[User](t, i, row, isObject)
			checkRecord[Customer](t, i, row, isObject)
			checkRecord[Site](t, i, row, isObject)
			checkRecord[FieldInfo](t, i, row, isObject)
		}
	})
}

// checkRecord decodes row as T and checks the tolerance and stability
// promises of the record types.
func checkRecord[T any](t *testing.T, i int, row []byte, isObject bool) {
	t.Helper()
	var first T
	err := json.Unmarshal(row, &first)
	if isObject && err != nil {
		t.Fatalf("row %d: %T refused a JSON object: %v\n%s", i, first, err, row)
	}
	if err != nil {
		return
	}
	second := cycle(t, first)
	third := cycle(t, second)
	if diff := cmp.Diff(second, third); diff != "" {
		t.Fatalf("row %d: %T is not stable under encode/decode (-second +third):\n%s",
			i, first, diff)
	}
}

func cycle[T any](t *testing.T, v T) T {
	t.Helper()
	enc, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode %T: %v", v, err)
	}
	var out T
	if err := json.Unmarshal(enc, &out); err != nil {
		t.Fatalf("decode %T from its own encoding %s: %v", v, enc, err)
	}
	return out
}

// FuzzDecodeOne checks the single-record decoder (GET by id, POST
// answers): no panics, and an object, or an array starting with one,
// always decodes as a Ticket.
func FuzzDecodeOne(f *testing.F) {
	for _, s := range []string{
		`{"id": 4242, "summary": "x", "status_id": 9, "hasbeenclosed": true}`,
		`[{"id": "0004242", "deadlinedate": "1899-12-30T00:00:00"}]`,
		`[]`, `[1]`, `[{}, 2]`, `null`, `""`, ` `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var tk Ticket
		err := decodeOne(body, &tk)
		first := body
		var rows []json.RawMessage
		if json.Unmarshal(body, &rows) == nil {
			if len(rows) == 0 {
				return
			}
			first = rows[0]
		}
		var obj map[string]json.RawMessage
		if err != nil && json.Unmarshal(first, &obj) == nil && obj != nil {
			t.Fatalf("decodeOne refused an object: %v\n%s", err, body)
		}
	})
}

// FuzzAPIError checks how an error answer is turned into an *APIError:
// arbitrary bodies never panic, the kept body is bounded and valid UTF-8,
// and the extracted message is one clipped line of valid UTF-8.
func FuzzAPIError(f *testing.F) {
	for _, s := range []string{
		`{"resultCode": "E1", "errorMessage": "bad ticket"}`,
		`{"ClassName": "HaloException", "Message": "Ticket not found"}`,
		`{"message": "An error has occurred."}`,
		`{"error": "invalid_client", "error_description": "The client secret is wrong"}`,
		`"You have exceeded the number of API requests allowed in 5 minutes"`,
		`<!DOCTYPE html><html><body>Server Error</body></html>`,
		"plain text\nwith\tlines",
		`{"Message": ["a", {"b": 1}]}`,
		`{"errorMessage": null, "Message": 3.5}`,
		"\xff\xfe invalid utf-8 \xc3",
		``,
	} {
		f.Add([]byte(s), 400)
	}
	f.Add([]byte(strings.Repeat("é", 400)), 500)
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		e := newAPIError("GET", "https://tenant.haloitsm.com/api/Tickets/42?token=s3cr3t", status, body)
		if !utf8.ValidString(e.Body) {
			t.Errorf("Body is not valid UTF-8: %q", e.Body)
		}
		if len(e.Body) > 3*maxErrorBody {
			t.Errorf("Body is %d bytes", len(e.Body))
		}
		if !utf8.ValidString(e.Message) || strings.ContainsAny(e.Message, "\r\n\t") {
			t.Errorf("Message is not one line of valid UTF-8: %q", e.Message)
		}
		if len(e.Message) > maxMessage+len("…") {
			t.Errorf("Message is %d bytes, more than %d", len(e.Message), maxMessage)
		}
		msg := e.Error()
		if !strings.Contains(msg, e.Message) || strings.Contains(msg, "s3cr3t") {
			t.Errorf("Error() = %q", msg)
		}
		if errors.Is(e, ErrNotFound) != (status == 404) {
			t.Errorf("errors.Is(status %d, ErrNotFound) is wrong", status)
		}
	})
}

// FuzzSanitizeURL checks that a URL placed in an error never keeps user
// information or the value of a sensitive query parameter.
func FuzzSanitizeURL(f *testing.F) {
	for _, s := range []string{
		"https://tenant.haloitsm.com/api/Tickets?page_no=1",
		"https://user:pass@tenant.haloitsm.com/auth/token?tenant=t&client_secret=x",
		"https://h/api/Users?search=a%20b&access_token=abc#frag",
		"http://[::1]:8080/api?Key=1&key=2&SIG=3",
		"/relative?password=x",
		"mailto:someone@example.com?token=x",
		"%zz", "http://h/?a=%zz&token=x", "http://h/?token;x=y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := sanitizeURL(raw)
		if got == "(invalid URL)" {
			return
		}
		u, err := url.Parse(got)
		if err != nil {
			// The output is for people; only what it shows matters.
			u = nil
		}
		if u != nil && u.User != nil {
			t.Fatalf("sanitizeURL(%q) = %q keeps user information", raw, got)
		}
		if u == nil {
			return
		}
		for k, vs := range u.Query() {
			lk := strings.ToLower(k)
			for _, s := range sensitiveParams {
				if !strings.Contains(lk, s) {
					continue
				}
				for _, v := range vs {
					if v != redacted {
						t.Fatalf("sanitizeURL(%q) = %q keeps %s=%q", raw, got, k, v)
					}
				}
			}
		}
	})
}
