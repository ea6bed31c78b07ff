package spec_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/icon/spec"
)

// fuzzSpec is a small spec whose input covers every shape the validator
// treats specially: integers, dates, enums, lists, a recursive custom
// type, files and credentials.
const fuzzSpec = `plugin_spec_version: v2
extension: plugin
products: [insightconnect]
name: fuzz
title: Fuzz
description: Fuzz target
version: 1.0.0
vendor: example
support: community
status: []
resources: {source_url: "https://example.com", license_url: "https://example.com/l", vendor_url: "https://example.com"}
tags: [a]
hub_tags: {use_cases: [data_utility], keywords: [x], features: []}
connection:
  key: {title: Key, description: K, type: credential_secret_key, required: true}
  login: {title: Login, description: L, type: credential_username_password, required: false}
types:
  ticket:
    id: {title: ID, description: I, type: integer, required: true}
    tags: {title: Tags, description: T, type: "[]string", required: false}
    parent: {title: Parent, description: P, type: ticket, required: false}
actions:
  act:
    title: Act
    description: A
    input:
      id: {title: ID, description: I, type: integer, required: true}
      count: {title: Count, description: C, type: int, required: false, default: 5}
      when: {title: When, description: W, type: date, required: false}
      kind: {title: Kind, description: K, type: string, required: false, enum: ["", First]}
      ratio: {title: Ratio, description: R, type: number, required: false}
      flag: {title: Flag, description: F, type: boolean, required: false, default: false}
      f: {title: F, description: F, type: file, required: false}
      raw: {title: Raw, description: R, type: bytes, required: false}
      any: {title: Any, description: A, type: object, required: false}
      list: {title: List, description: L, type: "[]ticket", required: false}
    output:
      ticket: {title: Ticket, description: T, type: ticket, required: true}
`

// FuzzParse checks that Parse never panics on arbitrary bytes, that its
// errors carry the package prefix, and that everything derived from a
// spec it accepts (schemas, validators, samples, secret fields) works.
func FuzzParse(f *testing.F) {
	f.Add([]byte(fuzzSpec))
	f.Add([]byte(""))
	f.Add([]byte("---\n"))
	f.Add([]byte("[1, 2]"))
	f.Add([]byte("a: &x [*x]"))
	f.Add([]byte("name: x\nname: y\n"))
	f.Add([]byte("types:\n  t:\n    f: {type: t, required: true}\nactions:\n  a:\n    input:\n      x: {type: \"[][]t\", required: true, default: [[{f: 1}]]}\n"))
	f.Add([]byte("actions:\n  a:\n    input:\n      x: {type: number, default: .nan, enum: [.inf, -.inf]}\n"))
	if b, err := os.ReadFile("../../plugin.spec.yaml"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := spec.Parse(data)
		if err != nil {
			checkParseError(t, s, err)
			return
		}
		checkDerived(t, s)
	})
}

func checkParseError(t *testing.T, s *spec.Spec, err error) {
	t.Helper()
	if s != nil {
		t.Errorf("Parse returned a spec and the error %v", err)
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if !strings.HasPrefix(line, "spec: ") {
			t.Errorf("error line %q lacks the \"spec: \" prefix", line)
		}
	}
	var es spec.Errors
	if errors.As(err, &es) && len(es) == 0 {
		t.Errorf("Parse returned an empty Errors")
	}
}

// checkDerived exercises what the runtime and the tooling build from a
// parsed spec. Parse rejects unknown types, so ObjectSchema must not fail;
// NewValidator may fail (a default of .nan cannot be encoded as JSON) but
// must not panic.
func checkDerived(t *testing.T, s *spec.Spec) {
	t.Helper()
	lists := map[string][]spec.Param{"connection": s.Connection}
	for _, cs := range [][]spec.Component{s.Actions, s.Triggers, s.Tasks} {
		for _, c := range cs {
			lists["input "+c.ID] = c.Input
			lists["output "+c.ID] = c.Output
			lists["state "+c.ID] = c.State
		}
	}
	for what, params := range lists {
		if _, err := s.ObjectSchema("Variables", params); err != nil {
			t.Errorf("ObjectSchema(%s) of a parsed spec: %v", what, err)
		}
		v, err := s.NewValidator("input", params)
		if err != nil {
			continue
		}
		// The sample is what `sample` writes; validating it must not
		// panic, whether or not it is valid.
		_ = v.Validate(v.Prepare(s.SampleInput(params)))
	}
	_ = s.SecretFields()
	_ = s.SampleConnection()
}

// FuzzValidate checks the validator on arbitrary JSON against fuzzSpec:
// no panics, Prepare leaves its argument alone, results are
// deterministic, and a failure is a *ValidationError whose every problem
// says what failed.
func FuzzValidate(f *testing.F) {
	s, err := spec.Parse([]byte(fuzzSpec))
	if err != nil {
		f.Fatal(err)
	}
	v, err := s.NewValidator("input", s.Action("act").Input)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		`{}`,
		`{"id": 3}`,
		`{"id": 3.0, "count": null, "when": "2024-01-02T03:04:05Z"}`,
		`{"id": "3"}`,
		`{"id": 3.5, "kind": "Second", "ratio": "x"}`,
		`{"id": 1, "when": "1900-01-01T00:00:00"}`,
		`{"id": 1, "when": "2026-09-25T06:41:08.7895915Z"}`,
		`{"id": 1, "list": [{"id": 1}, {"tags": [1]}, {"id": 2, "parent": {"id": "x"}}]}`,
		`{"id": 1, "f": {"filename": "a.txt", "content": "aGk="}, "raw": "aGk="}`,
		`{"id": 1e300, "flag": "true", "any": [1]}`,
		`{"id": 1, "extra": {"deep": [[[[{}]]]]}}`,
		`null`,
		`[]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var value map[string]any
		if json.Unmarshal(data, &value) != nil {
			return
		}
		var before map[string]any
		if err := json.Unmarshal(data, &before); err != nil {
			t.Fatal(err)
		}

		prepared := v.Prepare(value)
		if diff := cmp.Diff(before, value); diff != "" {
			t.Fatalf("Prepare changed its argument (-before +after):\n%s", diff)
		}
		err1 := v.Validate(prepared)
		err2 := v.Validate(v.Prepare(value))
		if errText(err1) != errText(err2) {
			t.Fatalf("Validate is not deterministic: %v, then %v", err1, err2)
		}
		if err1 == nil {
			return
		}
		var ve *spec.ValidationError
		if !errors.As(err1, &ve) {
			t.Fatalf("Validate error %T (%v), want *spec.ValidationError", err1, err1)
		}
		if len(ve.Problems) == 0 {
			t.Fatalf("ValidationError without problems")
		}
		for _, p := range ve.Problems {
			if !strings.HasPrefix(p.Msg, "input") {
				t.Errorf("problem %q does not start with the value's name", p.Msg)
			}
		}
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
