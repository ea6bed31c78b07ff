package spec_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/icon/spec"
)

// TestTypeSchemas checks the schema of a parameter of every base type,
// and which definitions it brings along.
func TestTypeSchemas(t *testing.T) {
	t.Parallel()
	str := spec.Schema{"type": "string"}
	tests := []struct {
		typ      string
		want     spec.Schema
		wantDefs []string
	}{
		{"string", str, nil},
		{"text", str, nil},
		{"integer", spec.Schema{"type": "integer"}, nil},
		{"int", spec.Schema{"type": "integer"}, nil},
		{"number", spec.Schema{"type": "number"}, nil},
		{"float", spec.Schema{"type": "number"}, nil},
		{"boolean", spec.Schema{"type": "boolean"}, nil},
		{"bool", spec.Schema{"type": "boolean"}, nil},
		{"object", spec.Schema{"type": "object"}, nil},
		{"array", spec.Schema{"type": "array"}, nil},
		{"date", spec.Schema{"type": "string", "format": "date-time", "displayType": "date"}, nil},
		{"date-time", spec.Schema{"type": "string", "format": "date-time", "displayType": "date"}, nil},
		{"bytes", spec.Schema{"type": "string", "format": "bytes", "displayType": "bytes"}, nil},
		{"password", spec.Schema{"type": "string", "format": "password", "displayType": "password"}, nil},
		{"python", spec.Schema{"type": "string", "format": "python", "displayType": "python"}, nil},
		{"[]int", spec.Schema{"type": "array", "items": spec.Schema{"type": "integer"}}, nil},
		{"[][]string", spec.Schema{"type": "array", "items": spec.Schema{"type": "array",
			"items": str}}, nil},
		{"file", spec.Schema{"$ref": "#/definitions/file"}, []string{"file"}},
		{"[]file", spec.Schema{"type": "array", "items": spec.Schema{"$ref": "#/definitions/file"}},
			[]string{"file"}},
		{"credential_secret_key", spec.Schema{"$ref": "#/definitions/credential_secret_key"},
			[]string{"credential_secret_key"}},
		{"credential_username_password",
			spec.Schema{"$ref": "#/definitions/credential_username_password"},
			[]string{"credential_username_password"}},
		{"credential_token", spec.Schema{"$ref": "#/definitions/credential_token"},
			[]string{"credential_token"}},
		{"credential_asymmetric_key", spec.Schema{"$ref": "#/definitions/credential_asymmetric_key"},
			[]string{"credential_asymmetric_key"}},
	}
	s := &spec.Spec{}
	for _, tc := range tests {
		got, err := s.ObjectSchema("Variables", []spec.Param{{ID: "p", Type: tc.typ}})
		if err != nil {
			t.Errorf("%s: ObjectSchema: %v", tc.typ, err)
			continue
		}
		want := spec.Schema{}
		for k, v := range tc.want {
			want[k] = v
		}
		want["order"] = 0
		prop := got["properties"].(spec.Schema)["p"]
		if diff := cmp.Diff(want, prop); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.typ, diff)
		}
		var defs []string
		if d, ok := got["definitions"].(spec.Schema); ok {
			for name, def := range d {
				defs = append(defs, name)
				if def.(spec.Schema)["id"] != name {
					t.Errorf("%s: definition %q has id %v", tc.typ, name, def.(spec.Schema)["id"])
				}
			}
		}
		if diff := cmp.Diff(tc.wantDefs, defs); diff != "" {
			t.Errorf("%s: definitions (-want +got):\n%s", tc.typ, diff)
		}
	}
}

// TestCredentialDefinitions checks the wire shape of the credential
// types: which members exist, which are required and which are secret.
func TestCredentialDefinitions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ      string
		required []any
		secret   []string
		plain    []string
	}{
		{"credential_secret_key", []any{"secretKey"}, []string{"secretKey"}, nil},
		{"credential_username_password", []any{"username", "password"}, []string{"password"},
			[]string{"username"}},
		{"credential_token", []any{"token"}, []string{"token"}, []string{"domain"}},
		{"credential_asymmetric_key", []any{"privateKey"}, []string{"privateKey"}, nil},
	}
	s := &spec.Spec{}
	for _, tc := range tests {
		got, err := s.ObjectSchema("Variables", []spec.Param{{ID: "c", Type: tc.typ}})
		if err != nil {
			t.Fatalf("%s: %v", tc.typ, err)
		}
		def := got["definitions"].(spec.Schema)[tc.typ].(spec.Schema)
		if diff := cmp.Diff(tc.required, def["required"]); diff != "" {
			t.Errorf("%s: required (-want +got):\n%s", tc.typ, diff)
		}
		props := def["properties"].(spec.Schema)
		if len(props) != len(tc.secret)+len(tc.plain) {
			t.Errorf("%s: %d members, want %d", tc.typ, len(props), len(tc.secret)+len(tc.plain))
		}
		for _, m := range tc.secret {
			if p, _ := props[m].(spec.Schema); p["format"] != "password" ||
				p["displayType"] != "password" {
				t.Errorf("%s: member %q = %v, want a password", tc.typ, m, props[m])
			}
		}
		for _, m := range tc.plain {
			if p, ok := props[m].(spec.Schema); !ok || p["format"] != nil {
				t.Errorf("%s: member %q = %v, want a plain string", tc.typ, m, props[m])
			}
		}
	}
}

// TestCustomTypeSchema checks a custom type's definition: its fields'
// schemas with title, description, default, enum and order, its required
// list, and the definitions its fields use.
func TestCustomTypeSchema(t *testing.T) {
	t.Parallel()
	s, err := spec.Parse([]byte(full))
	if err != nil {
		t.Fatal(err)
	}
	got := s.Action("zeta").OutputSchema(s)
	want := spec.Schema{
		"type": "object", "title": "Variables", "required": []any{"ticket"},
		"properties": spec.Schema{
			"ticket": spec.Schema{"$ref": "#/definitions/ticket", "title": "Ticket",
				"description": "T", "order": 1},
		},
		"definitions": spec.Schema{
			"ticket": spec.Schema{
				"type": "object", "title": "ticket", "required": []any{"id"},
				"properties": spec.Schema{
					"id": spec.Schema{"type": "integer", "title": "ID", "description": "I",
						"order": 1},
					"tags": spec.Schema{"type": "array", "items": spec.Schema{"type": "string"},
						"title": "Tags", "description": "T", "order": 2},
					"parent": spec.Schema{"$ref": "#/definitions/ticket", "title": "Parent",
						"description": "P", "order": 3},
				},
			},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OutputSchema (-want +got):\n%s", diff)
	}

	in := s.Action("zeta").InputSchema(s)
	kind := in["properties"].(spec.Schema)["kind"]
	wantKind := spec.Schema{"type": "string", "title": "Kind", "description": "K",
		"default": "", "enum": []any{"", "First"}, "order": 3}
	if diff := cmp.Diff(wantKind, kind); diff != "" {
		t.Errorf("input kind (-want +got):\n%s", diff)
	}
	if _, ok := s.Action("alpha").InputSchema(s)["required"]; ok {
		t.Error("a schema without required parameters has a required list")
	}
}

// TestSchemaOfAnUnknownType covers a hand-built Spec that names a type it
// does not declare (Parse rejects such a spec).
func TestSchemaOfAnUnknownType(t *testing.T) {
	t.Parallel()
	bad := []spec.Param{{ID: "x", Type: "[]nope"}}
	s := &spec.Spec{Connection: bad,
		Tasks: []spec.Component{{ID: "t", Input: bad, Output: bad, State: bad}}}

	_, err := s.ObjectSchema("Variables", bad)
	if want := `spec: parameter "x": unknown type "nope"`; err == nil || err.Error() != want {
		t.Errorf("ObjectSchema = %v, want %q", err, want)
	}
	if _, err := s.NewValidator("input", bad); err == nil {
		t.Error("NewValidator succeeded for an unknown type")
	}

	// The schema accessors fall back to an unconstrained object.
	task := s.Task("t")
	for name, got := range map[string]spec.Schema{
		"connection": s.ConnectionSchema(), "input": task.InputSchema(s),
		"output": task.OutputSchema(s), "state": task.StateSchema(s),
	} {
		if diff := cmp.Diff(spec.Schema{"type": "object", "title": "Variables"}, got); diff != "" {
			t.Errorf("%s schema (-want +got):\n%s", name, diff)
		}
	}
}

func TestStateSchema(t *testing.T) {
	t.Parallel()
	s, err := spec.Parse([]byte(header + `tasks:
  poll:
    title: Poll
    state:
      cursor: {title: Cursor, description: Where, type: integer}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := spec.Schema{"type": "object", "title": "Variables", "properties": spec.Schema{
		"cursor": spec.Schema{"type": "integer", "title": "Cursor", "description": "Where",
			"order": 1},
	}}
	if diff := cmp.Diff(want, s.Task("poll").StateSchema(s)); diff != "" {
		t.Errorf("StateSchema (-want +got):\n%s", diff)
	}
}

// TestSecrets checks which connection fields hold secrets and which
// strings SecretValues finds in a connection.
func TestSecrets(t *testing.T) {
	t.Parallel()
	s, err := spec.Parse([]byte(header + `connection:
  url: {type: string}
  api_key: {type: credential_secret_key}
  pass: {type: password}
  login: {type: credential_username_password}
  token: {type: credential_token}
  cert: {type: credential_asymmetric_key}
  extra: {type: object}
`))
	if err != nil {
		t.Fatal(err)
	}
	wantFields := []spec.SecretField{
		{ID: "api_key", Members: []string{"secretKey"}},
		{ID: "pass"},
		{ID: "login", Members: []string{"password"}},
		{ID: "token", Members: []string{"token"}},
		{ID: "cert", Members: []string{"privateKey"}},
	}
	if diff := cmp.Diff(wantFields, s.SecretFields()); diff != "" {
		t.Errorf("SecretFields (-want +got):\n%s", diff)
	}

	tests := []struct {
		name string
		conn map[string]any
		want []string
	}{
		{"every kind", map[string]any{
			"url":     "https://example.com",
			"api_key": map[string]any{"secretKey": "k1"},
			"pass":    "p1",
			"login":   map[string]any{"username": "agent", "password": "p2"},
			"token":   map[string]any{"token": "t1", "domain": "example.com"},
			"cert":    map[string]any{"privateKey": "c1"},
			"extra":   map[string]any{"password": "not a secret field"},
		}, []string{"k1", "p1", "p2", "t1", "c1"}},
		{"empty values are left out", map[string]any{
			"api_key": map[string]any{"secretKey": ""}, "pass": "",
		}, nil},
		{"wrong shapes are ignored", map[string]any{
			"api_key": "flat", "pass": map[string]any{"x": "y"},
			"login": map[string]any{"password": 5},
		}, nil},
		{"missing fields", map[string]any{}, nil},
		{"nil connection", nil, nil},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, s.SecretValues(tc.conn)); diff != "" {
			t.Errorf("%s: SecretValues (-want +got):\n%s", tc.name, diff)
		}
	}
}
