package helprow

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

func node(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	return Resolve(&doc)
}

// The expected strings are what CPython 3 prints for str() of the value
// PyYAML loads, with the list quote replacement Rapid7's tooling applies.
func TestStr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, want string
	}{
		{"null", "v: null", "None"},
		{"tilde", "v: ~", "None"},
		{"true", "v: true", "True"},
		{"false", "v: false", "False"},
		{"int", "v: 1042", "1042"},
		{"hex int", "v: 0x1F", "31"},
		{"float", "v: 1.5", "1.5"},
		{"float integral", "v: 2.0", "2.0"},
		{"float large", "v: 1.0e+20", "1e+20"},
		{"float small", "v: 0.00001", "1e-05"},
		{"float fraction", "v: 0.25", "0.25"},
		{"string", "v: agents", "agents"},
		{"quoted number", `v: "42"`, "42"},
		{"empty string", `v: ""`, ""},
		{"string list", "v: [agents, everyone]", `["agents", "everyone"]`},
		{"list with empty", `v: ["", First Line]`, `["", "First Line"]`},
		{"mixed list", "v: [1, true, null, x]", `[1, True, None, "x"]`},
		{"empty list", "v: []", "[]"},
		{"dict", "v: {id: 1}", "{'id': 1}"},
		{"dict keeps order", "v: {b: 1, a: [x]}", "{'b': 1, 'a': ['x']}"},
		{"list of dict", "v: [{id: 1}]", `[{"id": 1}]`},
		{"string with quote in list", `v: ["it's"]`, `["it"s"]`},
		{"json string", `v: '{"a": 1}'`, `{"a": 1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Str(Lookup(node(t, tt.yaml), "v")); got != tt.want {
				t.Errorf("Str(%s) = %q, want %q", tt.yaml, got, tt.want)
			}
		})
	}
}

func TestStrMissing(t *testing.T) {
	t.Parallel()
	if got := Str(Lookup(node(t, "a: 1"), "v")); got != "None" {
		t.Errorf("Str(missing) = %q, want None", got)
	}
}

func TestFloatRepr(t *testing.T) {
	t.Parallel()
	tests := map[float64]string{
		0:                 "0.0",
		-1.5:              "-1.5",
		100:               "100.0",
		1e15:              "1000000000000000.0",
		1e16:              "1e+16",
		0.0001:            "0.0001",
		1.2345e-7:         "1.2345e-07",
		123456789.125:     "123456789.125",
		3.141592653589793: "3.141592653589793",
	}
	for f, want := range tests {
		if got := FloatRepr(f); got != want {
			t.Errorf("FloatRepr(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestRows(t *testing.T) {
	t.Parallel()
	in := node(t, `
ticket_id: {title: Ticket ID, description: Ticket number, type: integer, required: true, example: 1042}
visibility: {title: Visibility, description: Who can see the note, type: string,
  required: false, default: agents, enum: [agents, everyone], example: agents}
ticket: {title: Ticket, description: Ticket after the change, type: ticket, example: {id: 1042}}
`)
	tests := []struct {
		got, want string
	}{
		{InputRow("ticket_id", Lookup(in, "ticket_id")),
			"|ticket_id|integer|None|True|Ticket number|None|1042|None|None|"},
		{InputRow("visibility", Lookup(in, "visibility")),
			`|visibility|string|agents|False|Who can see the note|["agents", "everyone"]|agents|None|None|`},
		{OutputRow("ticket", Lookup(in, "ticket")),
			"|ticket|ticket|False|Ticket after the change|{'id': 1042}|"},
		{TypeRow("ticket_id", Lookup(in, "ticket_id")),
			"|Ticket ID|integer|None|True|Ticket number|1042|"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("row = %q, want %q", tt.got, tt.want)
		}
	}
}
