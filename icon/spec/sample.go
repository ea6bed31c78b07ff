package spec

import "strings"

// SampleInput returns a sample value for params, as written into sample
// start messages: each parameter's spec default, else a per-type zero value
// ("" for strings, 0 for numbers, false, {} for objects, [] for lists, the
// wire shape of file and credential types with empty members).
func (s *Spec) SampleInput(params []Param) map[string]any {
	out := make(map[string]any, len(params))
	for _, p := range params {
		if p.HasDefault {
			out[p.ID] = JSONValue(p.Default)
			continue
		}
		out[p.ID] = s.sampleValue(p.Type)
	}
	return out
}

// SampleInput returns a sample input for c; see (*Spec).SampleInput.
func (c Component) SampleInput(s *Spec) map[string]any { return s.SampleInput(c.Input) }

// SampleConnection returns a sample connection, or nil when the spec has
// no connection.
func (s *Spec) SampleConnection() map[string]any {
	if len(s.Connection) == 0 {
		return nil
	}
	return s.SampleInput(s.Connection)
}

func (s *Spec) sampleValue(t string) any {
	if strings.HasPrefix(t, "[]") {
		return []any{}
	}
	switch t {
	case "integer", "int", "number", "float":
		return float64(0)
	case "boolean", "bool":
		return false
	case "object":
		return map[string]any{}
	case "array":
		return []any{}
	case "file":
		return map[string]any{"filename": "", "content": ""}
	case "credential_secret_key":
		return map[string]any{"secretKey": ""}
	case "credential_username_password":
		return map[string]any{"username": "", "password": ""}
	case "credential_token":
		return map[string]any{"token": "", "domain": ""}
	case "credential_asymmetric_key":
		return map[string]any{"privateKey": ""}
	}
	if _, ok := baseTypes[t]; ok {
		return ""
	}
	// A custom type: an object.
	return map[string]any{}
}
