package spec

import (
	"fmt"
	"strings"
)

// Schema is a JSON Schema document as plain Go values, ready for
// encoding/json. It follows the draft-07 shape that Rapid7's Python code
// generator writes into schema.py files.
type Schema = map[string]any

// baseTypes maps each spec base type to its JSON Schema fragment. Types
// that live under definitions map to a $ref.
var baseTypes = map[string]Schema{
	"string":    {"type": "string"},
	"text":      {"type": "string"},
	"integer":   {"type": "integer"},
	"int":       {"type": "integer"},
	"number":    {"type": "number"},
	"float":     {"type": "number"},
	"boolean":   {"type": "boolean"},
	"bool":      {"type": "boolean"},
	"object":    {"type": "object"},
	"array":     {"type": "array"},
	"date":      {"type": "string", "format": "date-time", "displayType": "date"},
	"date-time": {"type": "string", "format": "date-time", "displayType": "date"},
	"bytes":     {"type": "string", "format": "bytes", "displayType": "bytes"},
	"password":  {"type": "string", "format": "password", "displayType": "password"},
	"python":    {"type": "string", "format": "python", "displayType": "python"},

	"file":                         {"$ref": "#/definitions/file"},
	"credential_secret_key":        {"$ref": "#/definitions/credential_secret_key"},
	"credential_username_password": {"$ref": "#/definitions/credential_username_password"},
	"credential_token":             {"$ref": "#/definitions/credential_token"},
	"credential_asymmetric_key":    {"$ref": "#/definitions/credential_asymmetric_key"},
}

// builtinDefinitions are the definitions the base types above refer to,
// with the member names and shapes the platform sends on the wire.
func builtinDefinition(name string) Schema {
	secret := func(title, desc string, order int) Schema {
		return Schema{"type": "string", "title": title, "description": desc,
			"format": "password", "displayType": "password", "order": order}
	}
	plain := func(title, desc string, order int) Schema {
		return Schema{"type": "string", "title": title, "description": desc, "order": order}
	}
	switch name {
	case "file":
		return Schema{
			"id": "file", "type": "object", "title": "File", "description": "File Object",
			"properties": Schema{
				"filename": plain("Filename", "Name of file", 1),
				"content": Schema{"type": "string", "title": "Content",
					"description": "File contents", "format": "bytes", "order": 2},
			},
		}
	case "credential_secret_key":
		return Schema{
			"id": name, "type": "object", "title": "Credential: Secret Key",
			"description": "A shared secret key",
			"required":    []any{"secretKey"},
			"properties": Schema{
				"secretKey": secret("Secret Key", "The shared secret key", 1),
			},
		}
	case "credential_username_password":
		return Schema{
			"id": name, "type": "object", "title": "Credential: Username and Password",
			"description": "A username and password combination",
			"required":    []any{"username", "password"},
			"properties": Schema{
				"username": plain("Username", "The username to log in with", 1),
				"password": secret("Password", "The password", 2),
			},
		}
	case "credential_token":
		return Schema{
			"id": name, "type": "object", "title": "Credential: Token",
			"description": "A pair of a token and a domain",
			"required":    []any{"token"},
			"properties": Schema{
				"token":  secret("Token", "The shared token", 1),
				"domain": plain("Domain", "The domain for the token", 2),
			},
		}
	case "credential_asymmetric_key":
		return Schema{
			"id": name, "type": "object", "title": "Credential: Asymmetric Key",
			"description": "A shared key",
			"required":    []any{"privateKey"},
			"properties": Schema{
				"privateKey": secret("Private Key", "The private key", 1),
			},
		}
	}
	return nil
}

// secretMembers names, for each credential type, the members holding
// secrets.
var secretMembers = map[string][]string{
	"credential_secret_key":        {"secretKey"},
	"credential_username_password": {"password"},
	"credential_token":             {"token"},
	"credential_asymmetric_key":    {"privateKey"},
}

// schemaBuilder accumulates the definitions a schema refers to.
type schemaBuilder struct {
	spec *Spec
	defs Schema
}

// ObjectSchema returns the JSON Schema of an object whose properties are
// params, titled title, with every definition it refers to (transitively)
// under "definitions". It returns an error only for a type the spec does
// not declare, which Parse already rejects.
func (s *Spec) ObjectSchema(title string, params []Param) (Schema, error) {
	b := &schemaBuilder{spec: s, defs: Schema{}}
	out, err := b.object(title, params)
	if err != nil {
		return nil, err
	}
	if len(b.defs) > 0 {
		out["definitions"] = b.defs
	}
	return out, nil
}

func (b *schemaBuilder) object(title string, params []Param) (Schema, error) {
	props := Schema{}
	required := []any{}
	for _, p := range params {
		ps, err := b.param(p)
		if err != nil {
			return nil, err
		}
		props[p.ID] = ps
		if p.Required {
			required = append(required, p.ID)
		}
	}
	out := Schema{"type": "object", "title": title, "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	return out, nil
}

func (b *schemaBuilder) param(p Param) (Schema, error) {
	out, err := b.typeSchema(p.Type)
	if err != nil {
		return nil, fmt.Errorf("spec: parameter %q: %w", p.ID, err)
	}
	if p.Title != "" {
		out["title"] = p.Title
	}
	if p.Description != "" {
		out["description"] = p.Description
	}
	if p.HasDefault {
		out["default"] = p.Default
	}
	if p.Enum != nil {
		out["enum"] = p.Enum
	}
	out["order"] = p.Order
	return out, nil
}

// typeSchema returns a fresh schema fragment for a spec type name.
func (b *schemaBuilder) typeSchema(t string) (Schema, error) {
	if item, ok := strings.CutPrefix(t, "[]"); ok {
		items, err := b.typeSchema(item)
		if err != nil {
			return nil, err
		}
		return Schema{"type": "array", "items": items}, nil
	}
	if base, ok := baseTypes[t]; ok {
		out := make(Schema, len(base))
		for k, v := range base {
			out[k] = v
		}
		if _, isRef := base["$ref"]; isRef {
			b.defs[t] = builtinDefinition(t)
		}
		return out, nil
	}
	typ := b.spec.typeByName(t)
	if typ == nil {
		return nil, fmt.Errorf("unknown type %q", t)
	}
	if _, done := b.defs[t]; !done {
		// Reserve the name first so that a type referring to itself
		// terminates.
		b.defs[t] = Schema{}
		def, err := b.object(t, typ.Fields)
		if err != nil {
			return nil, err
		}
		b.defs[t] = def
	}
	return Schema{"$ref": "#/definitions/" + t}, nil
}

// ConnectionSchema returns the JSON Schema of the connection, titled
// "Variables" like the Python generator's.
func (s *Spec) ConnectionSchema() Schema {
	out, err := s.ObjectSchema("Variables", s.Connection)
	if err != nil {
		// Parse rejects unknown types, so this is a programming error
		// in a hand-built Spec; fall back to an unconstrained object.
		return Schema{"type": "object", "title": "Variables"}
	}
	return out
}

// InputSchema returns the JSON Schema of c's input, for spec s.
func (c Component) InputSchema(s *Spec) Schema {
	return s.mustObject("Variables", c.Input)
}

// OutputSchema returns the JSON Schema of c's output, for spec s.
func (c Component) OutputSchema(s *Spec) Schema {
	return s.mustObject("Variables", c.Output)
}

// StateSchema returns the JSON Schema of a task's state, for spec s.
func (c Component) StateSchema(s *Spec) Schema {
	return s.mustObject("Variables", c.State)
}

func (s *Spec) mustObject(title string, params []Param) Schema {
	out, err := s.ObjectSchema(title, params)
	if err != nil {
		return Schema{"type": "object", "title": title}
	}
	return out
}

// Action returns the action with the given id, or nil.
func (s *Spec) Action(id string) *Component { return find(s.Actions, id) }

// Trigger returns the trigger with the given id, or nil.
func (s *Spec) Trigger(id string) *Component { return find(s.Triggers, id) }

// Task returns the task with the given id, or nil.
func (s *Spec) Task(id string) *Component { return find(s.Tasks, id) }

func find(cs []Component, id string) *Component {
	for i := range cs {
		if cs[i].ID == id {
			return &cs[i]
		}
	}
	return nil
}

// SecretField is a connection field whose value is, or contains, a secret.
type SecretField struct {
	// ID is the connection field's id.
	ID string
	// Members names the object members holding secrets, for credential
	// types ("secretKey", "password", ...). It is empty when the field's
	// whole value is the secret (type password).
	Members []string
}

// SecretFields returns the connection fields holding secrets: every field
// of a credential type or of type password, in declaration order.
func (s *Spec) SecretFields() []SecretField {
	var out []SecretField
	for _, p := range s.Connection {
		switch {
		case p.Type == "password":
			out = append(out, SecretField{ID: p.ID})
		case secretMembers[p.Type] != nil:
			out = append(out, SecretField{ID: p.ID, Members: secretMembers[p.Type]})
		}
	}
	return out
}

// SecretValues returns the secret strings found in a connection value
// (a map of field id to value as decoded from JSON), per SecretFields.
// Empty strings are omitted.
func (s *Spec) SecretValues(conn map[string]any) []string {
	var out []string
	for _, f := range s.SecretFields() {
		v, ok := conn[f.ID]
		if !ok {
			continue
		}
		if len(f.Members) == 0 {
			if str, ok := v.(string); ok && str != "" {
				out = append(out, str)
			}
			continue
		}
		obj, _ := v.(map[string]any)
		for _, m := range f.Members {
			if str, ok := obj[m].(string); ok && str != "" {
				out = append(out, str)
			}
		}
	}
	return out
}
