package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// Validator checks values against the schema of one parameter list (a
// component's input or output, the connection, a task's state). It is safe
// for concurrent use.
type Validator struct {
	what   string
	params []Param
	schema *jsonschema.Schema
}

// Problem is one reason a value failed validation.
type Problem struct {
	// Field is the dotted path of the offending value ("ticket.id",
	// "tags[2]"); empty for the value as a whole.
	Field string
	// Msg says what was wrong, in plain words.
	Msg string
}

// ValidationError reports why a value does not match its schema. What is
// "input", "output", "connection" or "state".
type ValidationError struct {
	What     string
	Problems []Problem
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Msg
	}
	return strings.Join(msgs, "; ")
}

// NewValidator compiles the schema of params. what names the value in
// error messages ("input", "output", "connection", "state").
func (s *Spec) NewValidator(what string, params []Param) (*Validator, error) {
	doc, err := s.ObjectSchema("Variables", params)
	if err != nil {
		return nil, err
	}
	// The compiler wants JSON-shaped values (float64, not int).
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("spec: encode %s schema: %w", what, err)
	}
	parsed, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("spec: decode %s schema: %w", what, err)
	}

	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	for _, name := range []string{"bytes", "password", "python"} {
		c.RegisterFormat(&jsonschema.Format{Name: name, Validate: func(any) error { return nil }})
	}
	const url = "mem://schema.json"
	if err := c.AddResource(url, parsed); err != nil {
		return nil, fmt.Errorf("spec: %s schema: %w", what, err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("spec: compile %s schema: %w", what, err)
	}
	return &Validator{what: what, params: params, schema: sch}, nil
}

// Prepare returns a copy of v ready for validation: a missing or null
// optional parameter takes the spec default when there is one and is
// dropped otherwise, since the platform sends null for optional fields a
// user left empty. Numbers in defaults become float64, like numbers decoded
// from JSON. A nil v is treated as an empty object.
func (v *Validator) Prepare(in map[string]any) map[string]any {
	out := make(map[string]any, len(in)+len(v.params))
	for k, val := range in {
		out[k] = val
	}
	for _, p := range v.params {
		val, ok := out[p.ID]
		if ok && val != nil {
			continue
		}
		switch {
		case p.HasDefault && p.Default != nil:
			out[p.ID] = JSONValue(p.Default)
		case !p.Required:
			delete(out, p.ID)
		}
	}
	return out
}

// Validate checks value against the schema and returns a
// *ValidationError naming every offending field, or nil. Integral floats
// (3.0) are accepted for integer fields; date-time strings must be
// RFC 3339. Call Prepare first to apply defaults.
func (v *Validator) Validate(value map[string]any) error {
	if value == nil {
		value = map[string]any{}
	}
	err := v.schema.Validate(value)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return &ValidationError{What: v.what, Problems: []Problem{{Msg: fmt.Sprintf("%s: %v", v.what, err)}}}
	}
	var probs []Problem
	v.collect(ve, &probs)
	slices.SortFunc(probs, func(a, b Problem) int { return strings.Compare(a.Msg, b.Msg) })
	probs = slices.Compact(probs)
	return &ValidationError{What: v.what, Problems: probs}
}

func (v *Validator) collect(ve *jsonschema.ValidationError, out *[]Problem) {
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			v.collect(c, out)
		}
		return
	}
	field := fieldPath(ve.InstanceLocation)
	at := func(msg string, args ...any) {
		text := fmt.Sprintf(msg, args...)
		if field == "" {
			*out = append(*out, Problem{Msg: v.what + ": " + text})
			return
		}
		*out = append(*out, Problem{Field: field, Msg: fmt.Sprintf("%s %q: %s", v.what, field, text)})
	}
	switch k := ve.ErrorKind.(type) {
	case *kind.Required:
		for _, m := range k.Missing {
			f := joinField(field, m)
			*out = append(*out, Problem{Field: f, Msg: fmt.Sprintf("%s %q is required", v.what, f)})
		}
	case *kind.Type:
		at("expected %s, got %s", strings.Join(k.Want, " or "), k.Got)
	case *kind.Enum:
		at("%s is not one of %s", short(k.Got), short(k.Want))
	case *kind.Const:
		at("%s is not %s", short(k.Got), short(k.Want))
	case *kind.Format:
		want := k.Want
		if want == "date-time" {
			want = "RFC 3339 date-time (like 2024-01-02T15:04:05Z)"
		}
		at("%s is not a valid %s", short(k.Got), want)
	case *kind.AdditionalProperties:
		at("unexpected field(s) %s", strings.Join(k.Properties, ", "))
	case *kind.FalseSchema:
		at("no value is allowed here")
	default:
		at("does not match the schema (keyword %s)", strings.Join(ve.ErrorKind.KeywordPath(), "/"))
	}
}

// fieldPath renders a JSON pointer's tokens as ticket.tags[0].name.
func fieldPath(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		if _, err := strconv.Atoi(t); err == nil && b.Len() > 0 {
			b.WriteString("[" + t + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(t)
	}
	return b.String()
}

func joinField(parent, child string) string {
	if parent == "" {
		return child
	}
	return parent + "." + child
}

// short renders a value for an error message, truncated so that a large
// or sensitive payload is not copied whole into logs.
func short(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	const limit = 64
	if len(b) <= limit {
		return string(b)
	}
	// Cut at a rune boundary so that the message stays valid UTF-8.
	n := limit
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return string(b[:n]) + "..."
}

// JSONValue returns v with the Go types encoding/json would produce when
// decoding it: integers become float64, nested lists and maps are copied.
func JSONValue(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = JSONValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = JSONValue(e)
		}
		return out
	}
	return v
}
