package haloitsm

import (
	"errors"
	"testing"
)

var testStatuses = []named{
	{ID: 1, Name: "New"},
	{ID: 2, Name: "In Progress"},
	{ID: 9, Name: "Closed"},
	{ID: 28, Name: "On Hold"},
	{ID: 30, Name: "Pending Closure"},
}

func TestResolveName(t *testing.T) {
	t.Parallel()
	agents := []named{
		{ID: 3, Name: "Admin", Aliases: []string{"admin@example.com"}},
		{ID: 5, Name: "Jane Analyst", Aliases: []string{"jane@example.com"}},
		{ID: 6, Name: "Sam Twin"},
		{ID: 7, Name: "sam twin"},
	}
	tests := []struct {
		name    string
		kind    string
		items   []named
		in      string
		want    int
		wantErr string
	}{
		{"exact", "status", testStatuses, "Closed", 9, ""},
		{"case and space", "status", testStatuses, "  in progress ", 2, ""},
		{"digits are an id", "status", testStatuses, "28", 28, ""},
		{"digits of no id", "status", testStatuses, "4", 0,
			`unknown status "4"; known statuses: "New", "In Progress", "Closed", "On Hold" or "Pending Closure"`},
		{"alias", "agent", agents, "JANE@example.com", 5, ""},
		{"typo", "status", testStatuses, "Clsoed", 0,
			`unknown status "Clsoed"; did you mean "Closed"?`},
		{"prefix", "status", testStatuses, "Pend", 0,
			`unknown status "Pend"; did you mean "Pending Closure"?`},
		{"ambiguous", "agent", agents, "Sam Twin", 0,
			`agent "Sam Twin" is ambiguous: HaloITSM has 2 with that name (IDs 6, 7); give the ID instead`},
		{"empty", "status", testStatuses, " ", 0, "status_name: empty status name"},
		{"no items", "category", nil, "Security", 0,
			`unknown category "Security"; HaloITSM returned no categories`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := resolveName(tt.kind, "status_name", tt.in, tt.items)
			if tt.wantErr != "" {
				var ne *inputError
				if !errors.As(err, &ne) {
					t.Fatalf("resolveName(%q) error = %v, want *inputError", tt.in, err)
				}
				if err.Error() != tt.wantErr {
					t.Errorf("resolveName(%q) error\n got %s\nwant %s", tt.in, err, tt.wantErr)
				}
				if ne.Field != "status_name" {
					t.Errorf("Field = %q, want status_name", ne.Field)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("resolveName(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestLevenshtein(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"closed", "closed", 0},
		{"clsoed", "closed", 1},
		{"kitten", "sitting", 3},
		{"", "abc", 3},
		{"héllo", "hello", 1},
	}
	for _, tt := range tests {
		if got := levenshtein(tt.a, tt.b); got != tt.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestUnknownNameListsAtMostEight(t *testing.T) {
	t.Parallel()
	var items []named
	for i := range 12 {
		items = append(items, named{ID: i, Name: string(rune('A'+i)) + "xxxxxxxx"})
	}
	_, err := resolveName("team", "team_name", "Zebra crossing", items)
	want := `unknown team "Zebra crossing"; known teams: "Axxxxxxxx", "Bxxxxxxxx", ` +
		`"Cxxxxxxxx", "Dxxxxxxxx", "Exxxxxxxx", "Fxxxxxxxx", "Gxxxxxxxx" or "Hxxxxxxxx" and 4 more`
	if err == nil || err.Error() != want {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}
}
