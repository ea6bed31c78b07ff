package loadtest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// markerRE matches the marker Marker stamps at the start of a summary.
var markerRE = regexp.MustCompile(`^\[lt:[0-9a-z]+:w[0-9]+:[0-9]+\]`)

// Marker returns the unique marker for iteration iter of workflow wf in
// run runID; it starts the summary of the ticket that iteration creates.
// runID must consist of lower-case letters and digits.
func Marker(runID string, wf, iter int) string {
	return fmt.Sprintf("[lt:%s:w%d:%d]", runID, wf, iter)
}

// Duplicate is a set of tickets that should have been one ticket.
type Duplicate struct {
	By        string // "marker" or the idempotency field's name
	Key       string
	TicketIDs []int
}

// FindDuplicates groups tickets (as emulator.Server.Tickets renders them)
// by the marker at the start of their summary and, when keyField is not
// empty, by the value of keyField, and returns every group holding more
// than one ticket, ordered by kind and key. Tickets without a marker or
// key are ignored; deleted tickets count, since they were created.
func FindDuplicates(tickets []map[string]any, keyField string) []Duplicate {
	byMarker := map[string][]int{}
	byKey := map[string][]int{}
	for _, t := range tickets {
		id := intValue(t["id"])
		summary, _ := t["summary"].(string)
		if m := markerRE.FindString(summary); m != "" {
			byMarker[m] = append(byMarker[m], id)
		}
		if keyField == "" {
			continue
		}
		if k, _ := t[keyField].(string); strings.TrimSpace(k) != "" {
			byKey[k] = append(byKey[k], id)
		}
	}

	var out []Duplicate
	collect := func(by string, groups map[string][]int) {
		keys := make([]string, 0, len(groups))
		for k, ids := range groups {
			if len(ids) > 1 {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			ids := slices.Clone(groups[k])
			slices.Sort(ids)
			out = append(out, Duplicate{By: by, Key: k, TicketIDs: ids})
		}
	}
	collect("marker", byMarker)
	collect(keyField, byKey)
	return out
}

// ExtraTickets counts the tickets beyond the first in every duplicate
// group of one kind (by), i.e. how many tickets should not exist.
func ExtraTickets(dups []Duplicate, by string) int {
	n := 0
	for _, d := range dups {
		if d.By == by {
			n += len(d.TicketIDs) - 1
		}
	}
	return n
}

// intValue reads a JSON-ish number (int, int64 or float64) as an int; 0
// for anything else.
func intValue(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case int64:
		return int(x)
	case float64:
		return int(x)
	}
	return 0
}
