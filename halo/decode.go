package halo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ID is a Halo record id. Halo types ids loosely, so ID decodes a JSON
// number (3 or 3.0), a numeric string ("3"), and "" or null (as 0). A
// fractional or non-numeric value is an error. It encodes as a number.
type ID int64

// UnmarshalJSON implements json.Unmarshaler.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*id = 0
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("halo: decode id: %w", err)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			*id = 0
			return nil
		}
	}
	n, err := parseID(s)
	if err != nil {
		return err
	}
	*id = n
	return nil
}

func parseID(s string) (ID, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return ID(n), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("halo: decode id: %.40q is not an integer", s)
	}
	return ID(f), nil
}

// Text is a string that also decodes from a JSON number or boolean (kept
// as its JSON text) and from null (as ""). Halo sends some ids and
// display values as either.
type Text string

// UnmarshalJSON implements json.Unmarshaler.
func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*t = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("halo: decode text: %w", err)
		}
		*t = Text(s)
	case len(b) > 0 && (b[0] == '{' || b[0] == '['):
		return fmt.Errorf("halo: decode text: got a JSON %s", map[byte]string{
			'{': "object", '[': "array"}[b[0]])
	default:
		*t = Text(b)
	}
	return nil
}

// Time is a Halo date-time. Halo marks an unset date with a sentinel
// (1900-01-01T00:00:00, or any value in 1899), which decodes as the zero
// Time, as do "" and null. Values without a zone are UTC; any number of
// fractional digits is accepted. The zero Time encodes as null.
type Time struct {
	time.Time
}

// timeLayouts are tried in order; the zone-less ones parse as UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02",
}

// ParseTime parses a Halo date-time string as Time.UnmarshalJSON does.
func ParseTime(s string) (Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "1899") || strings.HasPrefix(s, "1900-01-01") {
		return Time{}, nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return Time{t.UTC()}, nil
		}
	}
	return Time{}, fmt.Errorf("halo: decode time: %.40q is not a date-time", s)
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*t = Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("halo: decode time: %w", err)
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// MarshalJSON encodes the time in RFC 3339 (UTC), or null when zero.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.UTC().Format(time.RFC3339Nano) + `"`), nil
}

// listPage is one page of a list answer, whichever shape it came in.
type listPage struct {
	rows        []json.RawMessage
	recordCount int
	hasCount    bool
}

// decodeList accepts a bare JSON array or an envelope object holding the
// rows under key (or, failing that, under "results" or "records") with an
// optional record_count.
func decodeList(body []byte, key string) (listPage, error) {
	body = bytes.TrimSpace(body)
	var p listPage
	if len(body) > 0 && body[0] == '[' {
		if err := json.Unmarshal(body, &p.rows); err != nil {
			return p, fmt.Errorf("decode list: %w", err)
		}
		return p, nil
	}

	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil {
		return p, fmt.Errorf("decode list: %w", err)
	}
	var raw json.RawMessage
	for _, k := range []string{key, "results", "records"} {
		if v, ok := lookupFold(env, k); ok {
			raw = v
			break
		}
	}
	if raw != nil && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		if err := json.Unmarshal(raw, &p.rows); err != nil {
			return p, fmt.Errorf("decode list %q: %w", key, err)
		}
	}
	if v, ok := lookupFold(env, "record_count"); ok {
		var n ID
		if err := json.Unmarshal(v, &n); err == nil {
			p.recordCount, p.hasCount = int(n), true
		}
	}
	return p, nil
}

func lookupFold(m map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// decodeOne accepts a JSON object or an array whose first element is the
// object (Halo answers a one-element POST with either).
func decodeOne(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var rows []json.RawMessage
		if err := json.Unmarshal(body, &rows); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		if len(rows) == 0 {
			return fmt.Errorf("decode: empty array")
		}
		body = rows[0]
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

// fieldIndex maps JSON property names to struct field indexes.
type fieldIndex map[string]int

var fieldIndexes sync.Map // reflect.Type -> fieldIndex

func indexOf(rt reflect.Type) fieldIndex {
	if v, ok := fieldIndexes.Load(rt); ok {
		return v.(fieldIndex)
	}
	idx := fieldIndex{}
	for i := range rt.NumField() {
		f := rt.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		idx[name] = i
	}
	fieldIndexes.Store(rt, idx)
	return idx
}

// decodeTolerant decodes the JSON object b into the struct that v points
// to, one property at a time. A property the struct does not declare, or
// whose value does not fit the declared type, is kept in *extra instead of
// failing the whole record: one surprising field from Halo must not make
// a ticket unreadable.
func decodeTolerant(b []byte, v any, extra *map[string]json.RawMessage) error {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	rv := reflect.ValueOf(v).Elem()
	idx := indexOf(rv.Type())
	*extra = nil
	for k, raw := range all {
		if i, ok := idx[k]; ok {
			if json.Unmarshal(raw, rv.Field(i).Addr().Interface()) == nil {
				continue
			}
			rv.Field(i).SetZero()
		}
		if *extra == nil {
			*extra = map[string]json.RawMessage{}
		}
		(*extra)[k] = raw
	}
	return nil
}

// mergeExtra encodes known (a struct without custom marshalling) and adds
// the extra properties it does not already contain.
func mergeExtra(known any, extra map[string]json.RawMessage) ([]byte, error) {
	b, err := json.Marshal(known)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range extra {
		if _, ok := m[k]; !ok {
			m[k] = v
		}
	}
	return json.Marshal(m)
}
