package spec_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/icon/spec"
)

// TestValidationProblems checks the Problems of a ValidationError: one
// per offending field, with the field's dotted path, sorted by message.
func TestValidationProblems(t *testing.T) {
	t.Parallel()
	s, err := spec.Parse([]byte(header + `types:
  note:
    text: {type: string, required: true}
    at: {type: date}
actions:
  a:
    title: A
    input:
      id: {type: integer, required: true}
      notes: {type: "[]note"}
      mode: {type: string, enum: [fast, slow]}
      flag: {type: boolean}
      raw: {type: bytes}
      secret: {type: password}
`))
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.NewValidator("input", s.Action("a").Input)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		value string
		want  []spec.Problem
	}{
		{"valid", `{"id": 1, "notes": [{"text": "x", "at": "2024-01-02T03:04:05Z"}],
			"mode": "slow", "flag": true, "raw": "not checked", "secret": "s"}`, nil},
		{"nil value", ``, []spec.Problem{{Field: "id", Msg: `input "id" is required`}}},
		{"several problems", `{"id": "1", "mode": "medium", "flag": "yes",
			"notes": [{"at": "tomorrow"}]}`, []spec.Problem{
			{Field: "flag", Msg: `input "flag": expected boolean, got string`},
			{Field: "id", Msg: `input "id": expected integer, got string`},
			{Field: "mode", Msg: `input "mode": "medium" is not one of ["fast","slow"]`},
			{Field: "notes[0].at", Msg: `input "notes[0].at": "tomorrow" is not a valid ` +
				`RFC 3339 date-time (like 2024-01-02T15:04:05Z)`},
			{Field: "notes[0].text", Msg: `input "notes[0].text" is required`},
		}},
		{"list of the wrong type", `{"id": 1, "notes": {"text": "x"}}`, []spec.Problem{
			{Field: "notes", Msg: `input "notes": expected array, got object`},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var value map[string]any
			if tc.value != "" {
				if err := json.Unmarshal([]byte(tc.value), &value); err != nil {
					t.Fatal(err)
				}
			}
			err := v.Validate(value)
			if tc.want == nil {
				if err != nil {
					t.Errorf("Validate = %v, want nil", err)
				}
				return
			}
			var ve *spec.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want a *ValidationError", err)
			}
			if ve.What != "input" {
				t.Errorf("What = %q, want input", ve.What)
			}
			if diff := cmp.Diff(tc.want, ve.Problems); diff != "" {
				t.Errorf("Problems (-want +got):\n%s", diff)
			}
			var msgs []string
			for _, p := range tc.want {
				msgs = append(msgs, p.Msg)
			}
			if got, want := err.Error(), strings.Join(msgs, "; "); got != want {
				t.Errorf("Error() = %q, want %q", got, want)
			}
		})
	}
}

// TestLongValuesAreShortened checks that a long offending value is cut in
// the message, at a rune boundary.
func TestLongValuesAreShortened(t *testing.T) {
	t.Parallel()
	s, err := spec.Parse([]byte(header + `actions:
  a:
    input:
      mode: {type: string, enum: [fast]}
`))
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.NewValidator("input", s.Action("a").Input)
	if err != nil {
		t.Fatal(err)
	}
	// After the opening quote, "xx" puts the 64-byte cut inside an "é".
	for _, long := range []string{strings.Repeat("x", 500), "xx" + strings.Repeat("é", 250)} {
		err := v.Validate(map[string]any{"mode": long})
		if err == nil {
			t.Fatal("Validate accepted a value outside the enum")
		}
		msg := err.Error()
		if strings.Contains(msg, long) || !strings.Contains(msg, `... is not one of ["fast"]`) {
			t.Errorf("message does not shorten the value: %q", msg)
		}
		if len(msg) > 120 {
			t.Errorf("message is %d bytes long: %q", len(msg), msg)
		}
		if !utf8.ValidString(msg) {
			t.Errorf("message is not valid UTF-8: %q", msg)
		}
	}
}

// TestPrepare checks defaults and the treatment of null and missing
// optional fields, and that the caller's map is left alone.
func TestPrepare(t *testing.T) {
	t.Parallel()
	s, err := spec.Parse([]byte(header + `actions:
  a:
    input:
      count: {type: integer, default: 10}
      tags: {type: "[]integer", default: [1, 2]}
      note: {type: string}
      id: {type: integer, required: true}
      nulldefault: {type: string, default: null}
`))
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.NewValidator("input", s.Action("a").Input)
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]any{"note": nil, "id": nil, "count": 3.0, "extra": "kept"}
	got := v.Prepare(in)
	want := map[string]any{"count": 3.0, "tags": []any{1.0, 2.0}, "id": nil, "extra": "kept"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Prepare (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"note": nil, "id": nil, "count": 3.0, "extra": "kept"},
		in); diff != "" {
		t.Errorf("Prepare changed its argument (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"count": 10.0, "tags": []any{1.0, 2.0}},
		v.Prepare(nil)); diff != "" {
		t.Errorf("Prepare(nil) (-want +got):\n%s", diff)
	}
	// A required field sent as null stays null and fails validation.
	if err := v.Validate(got); err == nil || err.Error() != `input "id": expected integer, got null` {
		t.Errorf("Validate = %v, want the null id reported", err)
	}
}

func TestJSONValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want any
	}{
		{3, 3.0},
		{int64(-4), -4.0},
		{2.5, 2.5},
		{"s", "s"},
		{true, true},
		{nil, nil},
		{[]any{1, []any{2}}, []any{1.0, []any{2.0}}},
		{map[string]any{"a": 1, "b": map[string]any{"c": 2}},
			map[string]any{"a": 1.0, "b": map[string]any{"c": 2.0}}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, spec.JSONValue(tc.in)); diff != "" {
			t.Errorf("JSONValue(%#v) (-want +got):\n%s", tc.in, diff)
		}
	}
	// Lists and maps are copies.
	orig := []any{1}
	spec.JSONValue(orig).([]any)[0] = "changed"
	if orig[0] != 1 {
		t.Error("JSONValue shares its argument's list")
	}
}
