package spec_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/icon/spec"
)

// TestSampleValues checks the sample value of a parameter of every type
// without a default: the zero value of its JSON shape.
func TestSampleValues(t *testing.T) {
	t.Parallel()
	s := &spec.Spec{Types: []spec.Type{{Name: "ticket"}}}
	tests := []struct {
		typ  string
		want any
	}{
		{"string", ""}, {"text", ""}, {"date", ""}, {"date-time", ""}, {"bytes", ""},
		{"password", ""}, {"python", ""},
		{"integer", 0.0}, {"int", 0.0}, {"number", 0.0}, {"float", 0.0},
		{"boolean", false}, {"bool", false},
		{"object", map[string]any{}}, {"ticket", map[string]any{}},
		{"array", []any{}}, {"[]string", []any{}}, {"[]ticket", []any{}},
		{"file", map[string]any{"filename": "", "content": ""}},
		{"credential_secret_key", map[string]any{"secretKey": ""}},
		{"credential_username_password", map[string]any{"username": "", "password": ""}},
		{"credential_token", map[string]any{"token": "", "domain": ""}},
		{"credential_asymmetric_key", map[string]any{"privateKey": ""}},
	}
	for _, tc := range tests {
		got := s.SampleInput([]spec.Param{{ID: "p", Type: tc.typ}})
		if diff := cmp.Diff(map[string]any{"p": tc.want}, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.typ, diff)
		}
	}
}

// TestSampleDefaults checks that a default wins over the zero value, in
// the types JSON decoding gives, including a null default.
func TestSampleDefaults(t *testing.T) {
	t.Parallel()
	s := &spec.Spec{}
	params := []spec.Param{
		{ID: "n", Type: "integer", Default: 7, HasDefault: true},
		{ID: "l", Type: "[]integer", Default: []any{1, 2}, HasDefault: true},
		{ID: "z", Type: "string", Default: nil, HasDefault: true},
		{ID: "b", Type: "boolean"},
	}
	want := map[string]any{"n": 7.0, "l": []any{1.0, 2.0}, "z": nil, "b": false}
	if diff := cmp.Diff(want, s.SampleInput(params)); diff != "" {
		t.Errorf("SampleInput (-want +got):\n%s", diff)
	}
	if got := s.SampleConnection(); got != nil {
		t.Errorf("SampleConnection without a connection = %#v, want nil", got)
	}
}
