package spec_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/icon/spec"
)

const header = `plugin_spec_version: v2
extension: plugin
products: [insightconnect]
name: demo
title: Demo
description: Demo plugin
version: 1.0.0
vendor: example
support: community
status: []
resources: {source_url: "https://example.com", license_url: "https://example.com/l", vendor_url: "https://example.com"}
tags: [a, b]
hub_tags: {use_cases: [data_utility], keywords: [x], features: []}
`

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown component key", header + "actions:\n  get_ticket:\n    title: Get\n    inputs: {}\n",
			`spec: line 17: action "get_ticket": unknown key "inputs"`},
		{"unknown top key", header + "help: text\n", `spec: line 14: unknown key "help"`},
		{"required not boolean", header + "actions:\n  a:\n    input:\n      id: {type: integer, required: \"yes\"}\n",
			`spec: line 17: action "a": input "id": required: expected boolean, got string`},
		{"unknown param key", header + "connection:\n  url: {type: string, required: true, name: x}\n",
			`spec: line 15: connection field "url": unknown key "name"`},
		{"unknown type", header + "actions:\n  a:\n    output:\n      t: {type: \"[]ticket\", required: false}\n",
			`spec: line 17: action "a": output "t": unknown type "[]ticket"`},
		{"missing type", header + "actions:\n  a:\n    input:\n      t: {required: false}\n",
			`spec: line 17: action "a": input "t": missing key "type"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := spec.Parse([]byte(tc.yaml))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

const full = header + `connection:
  token: {title: Token, description: T, type: credential_token, required: true}
  login: {title: Login, description: L, type: credential_username_password, required: false}
types:
  ticket:
    id: {title: ID, description: I, type: integer, required: true}
    tags: {title: Tags, description: T, type: "[]string", required: false}
    parent: {title: Parent, description: P, type: ticket, required: false}
actions:
  zeta:
    title: Zeta
    description: Z
    input:
      when: {title: When, description: W, type: date, required: false, example: 2024-01-02T03:04:05Z}
      id: {title: ID, description: I, type: int, required: true, default: 5}
      kind: {title: Kind, description: K, type: string, required: false, enum: ["", First], default: ""}
      f: {title: F, description: F, type: file, required: false}
      raw: {title: Raw, description: R, type: bytes, required: false}
      list: {title: List, description: L, type: "[]ticket", required: false}
    output:
      ticket: {title: Ticket, description: T, type: ticket, required: true}
  alpha:
    title: Alpha
    description: A
`

func TestParseKeepsOrderAndValues(t *testing.T) {
	t.Parallel()
	s, err := spec.Parse([]byte(full))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range s.Actions {
		ids = append(ids, a.ID)
	}
	var inputs []string
	for _, p := range s.Action("zeta").Input {
		inputs = append(inputs, p.ID)
	}
	if diff := cmp.Diff([]string{"zeta", "alpha"}, ids); diff != "" {
		t.Errorf("action order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"when", "id", "kind", "f", "raw", "list"}, inputs); diff != "" {
		t.Errorf("input order (-want +got):\n%s", diff)
	}
	in := s.Action("zeta").Input
	if in[0].Example != "2024-01-02T03:04:05Z" || in[1].Default != 5 || !cmp.Equal(in[2].Enum, []any{"", "First"}) {
		t.Errorf("decoded values: example %#v default %#v enum %#v", in[0].Example, in[1].Default, in[2].Enum)
	}
	if in[1].Line != 28 {
		t.Errorf("line of input id = %d, want 35", in[1].Line)
	}
}

func TestSchemas(t *testing.T) {
	t.Parallel()
	s, err := spec.Parse([]byte(full))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{
		"connection": s.ConnectionSchema(),
		"input":      s.Action("zeta").InputSchema(s),
		"output":     s.Action("zeta").OutputSchema(s),
	}
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{
		`"$ref": "#/definitions/credential_token"`,
		`"required": [
          "token"
        ]`,
		`"required": [
          "username",
          "password"
        ]`,
		`"format": "date-time"`, `"displayType": "date"`, `"format": "bytes"`,
		`"$ref": "#/definitions/file"`, `"$ref": "#/definitions/ticket"`,
		`"enum": [
          "",
          "First"
        ]`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("schemas lack %s\n%s", want, text)
		}
	}
	secrets := s.SecretFields()
	want := []spec.SecretField{{ID: "token", Members: []string{"token"}}, {ID: "login", Members: []string{"password"}}}
	if diff := cmp.Diff(want, secrets); diff != "" {
		t.Errorf("SecretFields (-want +got):\n%s", diff)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	s, err := spec.Parse([]byte(full))
	if err != nil {
		t.Fatal(err)
	}
	in, err := s.NewValidator("input", s.Action("zeta").Input)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.NewValidator("output", s.Action("zeta").Output)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		v     *spec.Validator
		value string
		want  string // "" means valid
	}{
		{"defaults fill missing", in, `{}`, ""},
		{"integral float is an integer", in, `{"id": 3.0}`, ""},
		{"fraction is not", in, `{"id": 3.5}`, `input "id": expected integer, got number`},
		{"string for integer", in, `{"id": "3"}`, `input "id": expected integer, got string`},
		{"null optional dropped", in, `{"when": null}`, ""},
		{"rfc3339", in, `{"when": "2024-01-02T03:04:05.5+02:00"}`, ""},
		{"not rfc3339", in, `{"when": "2024-01-02 03:04"}`, `input "when": "2024-01-02 03:04" is not a valid RFC 3339 date-time`},
		{"enum", in, `{"kind": "Second"}`, `input "kind": "Second" is not one of ["","First"]`},
		{"nested custom type", in, `{"list": [{"id": 1}, {"tags": [1]}]}`, `input "list[1].id" is required; input "list[1].tags[0]": expected string, got number`},
		{"output required", out, `{}`, `output "ticket" is required`},
		{"recursive type", out, `{"ticket": {"id": 1, "parent": {"id": "x"}}}`, `output "ticket.parent.id": expected integer, got string`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var value map[string]any
			if err := json.Unmarshal([]byte(tc.value), &value); err != nil {
				t.Fatal(err)
			}
			err := tc.v.Validate(tc.v.Prepare(value))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Validate = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSampleInput(t *testing.T) {
	t.Parallel()
	s, err := spec.Parse([]byte(full))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"when": "", "id": 5.0, "kind": "", "f": map[string]any{"filename": "", "content": ""},
		"raw": "", "list": []any{},
	}
	if diff := cmp.Diff(want, s.Action("zeta").SampleInput(s)); diff != "" {
		t.Errorf("SampleInput (-want +got):\n%s", diff)
	}
	conn := map[string]any{
		"token": map[string]any{"token": "", "domain": ""},
		"login": map[string]any{"username": "", "password": ""},
	}
	if diff := cmp.Diff(conn, s.SampleConnection()); diff != "" {
		t.Errorf("SampleConnection (-want +got):\n%s", diff)
	}
}
