package emulator

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Halo renders date-times without a zone; the emulator keeps UTC.
const (
	// dateLayout drops trailing zero fractions, so rendered values have
	// between 0 and 3 fractional digits, as Halo's do.
	dateLayout = "2006-01-02T15:04:05.999"
	// sentinelDate is what Halo returns for an unset date.
	sentinelDate = "1900-01-01T00:00:00"
	// webhookTimeLayout has Halo's 7 fractional digits and a Z.
	webhookTimeLayout = "2006-01-02T15:04:05.0000000Z"
)

// formatDate renders t as Halo does, or the sentinel when t is zero.
func formatDate(t time.Time) string {
	if t.IsZero() {
		return sentinelDate
	}
	return t.UTC().Format(dateLayout)
}

// parseDate accepts the date forms clients send: a bare date, a
// zone-less date-time (read as UTC) with optional fraction, or RFC 3339.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date", s)
}

// toInt reads an integer from a loosely typed JSON value: 3, 3.0 and
// "3" are all 3.
func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i), true
		}
		f, err := x.Float64()
		if err != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
			return 0, false
		}
		return int(f), true
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > math.MaxInt32 {
			return 0, false
		}
		return int(x), true
	case int:
		return x, true
	case int64:
		return int(x), true
	case string:
		s := strings.TrimSpace(x)
		if i, err := strconv.Atoi(s); err == nil {
			return i, true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) &&
			math.Abs(f) <= math.MaxInt32 {
			return int(f), true
		}
	}
	return 0, false
}

// toBool reads a JSON boolean, also accepting "true"/"false" strings.
func toBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(x))
		return b, err == nil
	}
	return false, false
}

// toString reads a JSON string; numbers are rendered.
func toString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case nil:
		return "", true
	}
	return "", false
}

// looseID renders id sometimes as a string and sometimes as a float,
// chosen by the id so a run is repeatable.
func looseID(id int) any {
	switch id % 3 {
	case 1:
		return strconv.Itoa(id)
	case 2:
		return json.Number(strconv.Itoa(id) + ".0")
	}
	return id
}
