package samples

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/icon/spec"
)

var update = flag.Bool("update", false, "rewrite the golden samples of the good fixture")

// goodPlugin is the validator's fixture; its tests/ directory holds the
// golden samples.
const goodPlugin = "../../../../icon/validate/testdata/good"

// header is the top of a minimal valid spec; a test appends the
// connection and components it needs.
const header = `plugin_spec_version: v2
extension: plugin
products: [insightconnect]
name: x
title: X
description: X
version: 1.0.0
vendor: v
support: community
status: []
resources: {vendor_url: "https://example.com"}
tags: [a, b]
hub_tags: {use_cases: [devops], keywords: [k], features: []}
`

func parse(t *testing.T, src string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse([]byte(src))
	if err != nil {
		t.Fatalf("spec.Parse: %v", err)
	}
	return s
}

func TestGoldenSamples(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(goodPlugin, "plugin.spec.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := Messages(parse(t, string(data)))
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	names := []string{}
	for name := range msgs {
		names = append(names, name)
	}
	slices.Sort(names)
	if diff := cmp.Diff([]string{"tests/add_note.json", "tests/close_ticket.json", "tests/new_ticket.json"}, names); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	for _, name := range names {
		golden := filepath.Join(goodPlugin, filepath.FromSlash(name))
		if *update {
			if err := os.WriteFile(golden, msgs[name], 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if diff := cmp.Diff(string(want), string(msgs[name])); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}

func TestShapes(t *testing.T) {
	t.Parallel()
	s := parse(t, header+`triggers:
  poll:
    title: Poll
    description: Poll
    input:
      every: {title: Every, description: Seconds, type: integer, required: false, default: 30}
      names: {title: Names, description: Names, type: "[]string", required: false}
tasks:
  sync:
    title: Sync
    description: Sync
`)
	msgs, err := Messages(s)
	if err != nil {
		t.Fatal(err)
	}
	var trig map[string]any
	if err := json.Unmarshal(msgs["tests/poll.json"], &trig); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"version": "v1",
		"type":    "trigger_start",
		"body": map[string]any{
			"trigger":    "poll",
			"meta":       map[string]any{},
			"connection": nil,
			"dispatcher": map[string]any{"url": "http://localhost:8000", "webhook_url": ""},
			"input":      map[string]any{"every": float64(30), "names": []any{}},
		},
	}
	if diff := cmp.Diff(want, trig); diff != "" {
		t.Errorf("trigger sample (-want +got):\n%s", diff)
	}
	var task map[string]any
	if err := json.Unmarshal(msgs["tests/sync.json"], &task); err != nil {
		t.Fatal(err)
	}
	want = map[string]any{
		"version": "v1",
		"type":    "task_start",
		"body": map[string]any{
			"task": "sync", "meta": map[string]any{}, "connection": nil,
			"input": map[string]any{}, "state": map[string]any{},
		},
	}
	if diff := cmp.Diff(want, task); diff != "" {
		t.Errorf("task sample (-want +got):\n%s", diff)
	}
}

// Credential fields stay empty even when the spec gives them a default.
func TestCredentialsStayEmpty(t *testing.T) {
	t.Parallel()
	s := parse(t, header+`connection:
  host: {title: Host, description: Host, type: string, required: true, default: example.com}
  key: {title: Key, description: Key, type: credential_secret_key, required: true, default: {secretKey: leaked}}
  login: {title: Login, description: Login, type: credential_username_password, required: true}
actions:
  ping: {title: Ping, description: Ping}
`)
	msgs, err := Messages(s)
	if err != nil {
		t.Fatal(err)
	}
	got := string(msgs["tests/ping.json"])
	if strings.Contains(got, "leaked") {
		t.Errorf("sample holds the credential default:\n%s", got)
	}
	var m struct {
		Body struct {
			Connection map[string]any
		}
	}
	if err := json.Unmarshal(msgs["tests/ping.json"], &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"host":  "example.com",
		"key":   map[string]any{"secretKey": ""},
		"login": map[string]any{"username": "", "password": ""},
	}
	if diff := cmp.Diff(want, m.Body.Connection); diff != "" {
		t.Errorf("connection (-want +got):\n%s", diff)
	}
}

func TestDuplicateIDs(t *testing.T) {
	t.Parallel()
	s := &spec.Spec{
		Actions:  []spec.Component{{ID: "same"}},
		Triggers: []spec.Component{{ID: "same"}},
	}
	if _, err := Messages(s); err == nil || !strings.Contains(err.Error(), `trigger "same"`) {
		t.Errorf("Messages = %v, want a collision error naming the trigger", err)
	}
}

func TestIDsMustBeFileNames(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"", ".", "..", "../escape", `..\escape`, "a/b"} {
		s := &spec.Spec{Actions: []spec.Component{{ID: id}}}
		_, err := Messages(s)
		want := fmt.Sprintf("samples: action %q: the id must be a plain file name", id)
		if err == nil || err.Error() != want {
			t.Errorf("Messages(id %q) = %v, want %q", id, err, want)
		}
	}
}

func TestWrite(t *testing.T) {
	if *update {
		t.Skip("the golden samples are being rewritten by TestGoldenSamples")
	}
	t.Parallel()
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join(goodPlugin, "plugin.spec.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plugin.spec.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	names, err := Write(dir)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	for _, n := range names {
		got, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := os.ReadFile(filepath.Join(goodPlugin, n))
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", n, diff)
		}
	}
	if _, err := Write(t.TempDir()); err == nil {
		t.Error("Write without a spec succeeded")
	}
}
