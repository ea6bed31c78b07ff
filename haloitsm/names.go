package haloitsm

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// named is one entry of a Halo lookup list as the name resolver sees it:
// an id, its display name, and other spellings that also identify it (an
// agent's email address, a status's short name).
type named struct {
	ID      int
	Name    string
	Aliases []string
}

// resolveName finds the id of name among items. Matching ignores case and
// surrounding space and also tries each entry's aliases; a name made of
// digits matches the entry with that id. kind is the singular noun used in
// errors ("status"), field the input the name came from.
//
// An unknown name gives a *inputError suggesting up to three close names:
//
//	unknown status "Clsoed"; did you mean "Closed"?
func resolveName(kind, field, name string, items []named) (int, error) {
	want := strings.TrimSpace(name)
	if want == "" {
		return 0, &inputError{Field: field, msg: fmt.Sprintf("%s: empty %s name", field, kind),
			assist: lookupAssistance(field, kind)}
	}

	var hits []named
	for _, it := range items {
		if strings.EqualFold(strings.TrimSpace(it.Name), want) {
			hits = append(hits, it)
		}
	}
	if len(hits) == 0 {
		for _, it := range items {
			for _, a := range it.Aliases {
				if a != "" && strings.EqualFold(strings.TrimSpace(a), want) {
					hits = append(hits, it)
					break
				}
			}
		}
	}
	if len(hits) == 0 {
		if id, err := strconv.Atoi(want); err == nil {
			for _, it := range items {
				if it.ID == id {
					return id, nil
				}
			}
		}
	}

	switch len(hits) {
	case 1:
		return hits[0].ID, nil
	case 0:
		return 0, &inputError{Field: field, msg: unknownNameMessage(kind, want, items),
			assist: lookupAssistance(field, kind)}
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = strconv.Itoa(h.ID)
	}
	return 0, &inputError{Field: field, msg: fmt.Sprintf(
		"%s %q is ambiguous: HaloITSM has %d with that name (IDs %s); give the ID instead",
		kind, want, len(hits), strings.Join(ids, ", ")), assist: lookupAssistance(field, kind)}
}

// unknownNameMessage says that want is unknown and suggests close names,
// or lists a few known ones when nothing is close.
func unknownNameMessage(kind, want string, items []named) string {
	msg := fmt.Sprintf("unknown %s %q", kind, want)
	if s := suggest(want, items, 3); len(s) > 0 {
		return msg + "; did you mean " + quoteList(s) + "?"
	}
	if len(items) == 0 {
		return msg + "; HaloITSM returned no " + plural(kind)
	}
	names := make([]string, 0, len(items))
	for _, it := range items {
		names = append(names, it.Name)
	}
	const shown = 8
	more := ""
	if len(names) > shown {
		more = fmt.Sprintf(" and %d more", len(names)-shown)
		names = names[:shown]
	}
	return msg + "; known " + plural(kind) + ": " + quoteList(names) + more
}

// suggest returns up to n names of items close to want: a prefix or
// substring match, or an edit distance small for the name's length.
// Closer names come first.
func suggest(want string, items []named, n int) []string {
	type cand struct {
		name string
		dist int
	}
	lw := strings.ToLower(want)
	var cs []cand
	seen := map[string]bool{}
	for _, it := range items {
		ln := strings.ToLower(strings.TrimSpace(it.Name))
		if ln == "" || seen[ln] {
			continue
		}
		d := levenshtein(lw, ln)
		switch {
		case d <= max(2, utf8.RuneCountInString(lw)/3):
		case len(lw) >= 3 && (strings.HasPrefix(ln, lw) || strings.Contains(ln, lw)):
			// A fragment of a longer name ranks after true typos.
			d = 100 + len(ln) - len(lw)
		default:
			continue
		}
		seen[ln] = true
		cs = append(cs, cand{strings.TrimSpace(it.Name), d})
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return a.dist - b.dist })
	out := make([]string, 0, n)
	for _, c := range cs[:min(n, len(cs))] {
		out = append(out, c.name)
	}
	return out
}

// levenshtein is the edit distance between a and b in runes, counting an
// adjacent transposition as one edit.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	switch len(q) {
	case 1:
		return q[0]
	case 2:
		return q[0] + " or " + q[1]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

func plural(kind string) string {
	switch {
	case strings.HasSuffix(kind, "y"):
		return kind[:len(kind)-1] + "ies"
	case strings.HasSuffix(kind, "s"):
		return kind + "es"
	}
	return kind + "s"
}
