package spec_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/haloconnect/icon-haloitsm/icon/spec"
)

// TestParseRejects lists the ways a spec can be malformed and the error
// each one gets: the line, where in the spec, and what was wrong.
func TestParseRejects(t *testing.T) {
	t.Parallel()
	// header ends on line 13, so the first added line is 14.
	tests := []struct {
		name, yaml, want string
	}{
		{"empty document", "", "spec: empty document"},
		{"not a mapping", "- a\n- b\n", "spec: line 1: expected a mapping, got list"},
		{"duplicate key", header + "name: again\n", `spec: line 14: duplicate key "name"`},
		{"string for integer", header + "connection_version: one\n",
			`spec: line 14: key "connection_version": expected integer, got string`},
		{"string for boolean", header + "cloud_ready: \"yes\"\n",
			`spec: line 14: key "cloud_ready": expected boolean, got string`},
		{"timestamp for boolean", header + "enable_cache: 2024-01-02\n",
			`spec: line 14: key "enable_cache": expected boolean, got timestamp`},
		{"boolean for string", header + "connection:\n  url: {type: string, title: true}\n",
			`spec: line 15: connection field "url": title: expected string, got boolean`},
		{"one string for a list", header + "key_features: Fast\n",
			`spec: line 14: key "key_features": expected a list of strings, got string`},
		{"null in a list", header + "requirements: [a, null]\n",
			`spec: line 14: key "requirements"[1]: expected string, got null`},
		{"mapping in a list", header + "links: [{a: b}]\n",
			`spec: line 14: key "links"[0]: expected string, got mapping`},
		{"null resource URL", without("resources") + "resources: {docs_url: null}\n",
			`spec: line 13: key "resources": docs_url must not be null`},
		{"unknown resource", without("resources") + "resources: {home_url: x}\n",
			`spec: line 13: key "resources": unknown key "home_url"`},
		{"unknown hub tag", without("hub_tags") + "hub_tags: {colours: [red]}\n",
			`spec: line 13: key "hub_tags": unknown key "colours"`},
		{"unknown sdk key", header + "sdk: {type: slim, python: 3}\n",
			`spec: line 14: key "sdk": unknown key "python"`},
		{"sdk not a mapping", header + "sdk: slim\n",
			`spec: line 14: key "sdk": expected a mapping, got string`},
		{"types as a list", header + "types: [ticket]\n",
			`spec: line 14: types: expected a mapping, got list`},
		{"parameter not a mapping", header + "connection:\n  url: 5\n",
			`spec: line 15: connection field "url": expected a mapping, got integer`},
		{"null parameter has no type", header + "connection:\n  url:\n",
			`spec: line 15: connection field "url": missing key "type"`},
		{"enum not a list", header + "connection:\n  url: {type: string, enum: x}\n",
			`spec: line 15: connection field "url": enum: expected a list, got string`},
		{"fractional order", header + "connection:\n  url: {type: string, order: 1.5}\n",
			`spec: line 15: connection field "url": order: expected integer, got number`},
		{"action_type on a task", header + "tasks:\n  t:\n    action_type: x\n",
			`spec: line 16: task "t": unknown key "action_type"`},
		{"required on task state", header + "tasks:\n  t:\n    state:\n      s: {type: string, required: true}\n",
			`spec: line 17: task "t": state "s": unknown key "required"`},
		{"persist_state on an action output", header +
			"actions:\n  a:\n    output:\n      o: {type: string, persist_state: true}\n",
			`spec: line 17: action "a": output "o": unknown key "persist_state"`},
		{"component not a mapping", header + "triggers:\n  t: [x]\n",
			`spec: line 15: trigger "t": expected a mapping, got list`},
		{"unknown type in a custom type", header + "types:\n  t:\n    f: {type: thing}\n",
			`spec: line 16: type "t": field "f": unknown type "thing"`},
		{"unknown schedule type", header + "tasks:\n  t:\n    schedule: {type: cron}\n",
			`spec: line 16: task "t": schedule "schedule": unknown type "cron"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := spec.Parse([]byte(tc.yaml))
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", s)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error =\n%s\nwant\n%s", got, tc.want)
			}
			var pe *spec.Error
			if !errors.As(err, &pe) {
				t.Errorf("errors.As(%T, *spec.Error) = false", err)
			}
		})
	}
}

// without returns header without its line for key.
func without(key string) string {
	var b strings.Builder
	for line := range strings.Lines(header) {
		if !strings.HasPrefix(line, key+":") {
			b.WriteString(line)
		}
	}
	return b.String()
}

func TestParseInvalidYAML(t *testing.T) {
	t.Parallel()
	_, err := spec.Parse([]byte("name: [\n"))
	var pe *spec.Error
	if err == nil || !strings.HasPrefix(err.Error(), "spec: ") || errors.As(err, &pe) {
		t.Errorf("Parse(bad YAML) = %v, want a spec: error from the YAML decoder", err)
	}
}

// TestParseReportsEveryProblem checks that all problems come back
// together, in line order, each reachable through errors.As.
func TestParseReportsEveryProblem(t *testing.T) {
	t.Parallel()
	data := header + `actions:
  b:
    output:
      o: {type: nope}
  a:
    input:
      i: {type: missing}
connection:
  c: {type: unknown}
`
	_, err := spec.Parse([]byte(data))
	var es spec.Errors
	if !errors.As(err, &es) {
		t.Fatalf("Parse = %v, want spec.Errors", err)
	}
	var got []int
	for _, e := range es {
		got = append(got, e.Line)
	}
	if diff := cmp.Diff([]int{17, 20, 22}, got); diff != "" {
		t.Errorf("error lines (-want +got):\n%s", diff)
	}
	want := `spec: line 17: action "b": output "o": unknown type "nope"` + "\n" +
		`spec: line 20: action "a": input "i": unknown type "missing"` + "\n" +
		`spec: line 22: connection "c": unknown type "unknown"`
	if err.Error() != want {
		t.Errorf("error =\n%s\nwant\n%s", err, want)
	}
	for _, e := range es {
		var pe *spec.Error
		if !errors.As(err, &pe) || !errors.Is(err, e) {
			t.Errorf("errors.Is(err, %v) = false", e)
		}
	}
}

// TestParseReadsEverything checks the fields that the other tests leave
// out: the sdk block, tasks, and the less common parameter keys.
func TestParseReadsEverything(t *testing.T) {
	t.Parallel()
	data := header + `cloud_ready: true
enable_cache: false
connection_version: 3
supported_versions: ["2024-01"]
troubleshooting: [Check the URL]
sdk:
  type: slim
  version: 6.2.0
  user: nobody
  custom_cmd: RUN true
  packages: [git]
connection:
  url: &urlparam {title: URL, type: string, required: true, order: 2, placeholder: "https://", tooltip: The URL, excludeProduct: [a]}
  backup: *urlparam
tasks:
  poll:
    title: Poll
    description: Polls
    schedule: {title: Every, type: string, enum: [cron], default: cron}
    state:
      cursor: {title: Cursor, description: Where, type: integer}
    output:
      rows: {title: Rows, type: "[]object", persist_state: true}
`
	s, err := spec.Parse([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if !s.CloudReady || s.EnableCache || s.ConnectionVersion != 3 ||
		!cmp.Equal(s.SupportedVersions, []string{"2024-01"}) ||
		!cmp.Equal(s.Troubleshooting, []string{"Check the URL"}) {
		t.Errorf("top-level fields: %+v", s)
	}
	wantSDK := &spec.SDK{Type: "slim", Version: "6.2.0", User: "nobody",
		CustomCmd: []string{"RUN true"}, Packages: []string{"git"}}
	if diff := cmp.Diff(wantSDK, s.SDK); diff != "" {
		t.Errorf("SDK (-want +got):\n%s", diff)
	}

	// An alias reads like the node it points to.
	for _, p := range s.Connection {
		if p.Title != "URL" || !p.Required || p.Order != 2 || !p.HasOrder ||
			p.Placeholder != "https://" || p.Tooltip != "The URL" ||
			!cmp.Equal(p.ExcludeProduct, []any{"a"}) {
			t.Errorf("connection field %q: %+v", p.ID, p)
		}
	}

	task := s.Task("poll")
	if task == nil {
		t.Fatal(`Task("poll") = nil`)
	}
	if sc := task.Schedule; sc == nil || sc.ID != "schedule" || sc.Default != "cron" ||
		!cmp.Equal(sc.Enum, []any{"cron"}) {
		t.Errorf("schedule = %+v", task.Schedule)
	}
	if len(task.State) != 1 || task.State[0].ID != "cursor" || task.State[0].Type != "integer" {
		t.Errorf("state = %+v", task.State)
	}
	if len(task.Output) != 1 || !task.Output[0].PersistState {
		t.Errorf("output = %+v, want rows with persist_state", task.Output)
	}
	if s.Trigger("poll") != nil || s.Action("poll") != nil || s.Task("nope") != nil {
		t.Error("lookup by id found a component of another kind or a missing one")
	}
}

func TestSDKCustomCmdList(t *testing.T) {
	t.Parallel()
	s, err := spec.Parse([]byte(header + "sdk: {custom_cmd: [a, b]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(s.SDK.CustomCmd, []string{"a", "b"}) {
		t.Errorf("CustomCmd = %q", s.SDK.CustomCmd)
	}
}

func TestValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		yaml string
		want any
	}{
		{"plain", "plain"},
		{`"42"`, "42"},
		{"42", 42},
		{"0x10", 16},
		{"-1.5", -1.5},
		{"1e3", 1000.0},
		{"true", true},
		{"null", nil},
		{"~", nil},
		{"2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"},
		{"[1, a, [b]]", []any{1, "a", []any{"b"}}},
		{"{a: 1, 2: [x]}", map[string]any{"a": 1, "2": []any{"x"}}},
		{"{a: &x [1], b: *x}", map[string]any{"a": []any{1}, "b": []any{1}}},
	}
	for _, tc := range tests {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(tc.yaml), &doc); err != nil {
			t.Fatalf("%s: %v", tc.yaml, err)
		}
		if diff := cmp.Diff(tc.want, spec.Value(&doc)); diff != "" {
			t.Errorf("Value(%s) (-want +got):\n%s", tc.yaml, diff)
		}
	}

	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(".inf"), &doc); err != nil {
		t.Fatal(err)
	}
	if got, ok := spec.Value(&doc).(float64); !ok || !math.IsInf(got, 1) {
		t.Errorf("Value(.inf) = %#v, want +Inf", spec.Value(&doc))
	}
	if got := spec.Value(nil); got != nil {
		t.Errorf("Value(nil) = %#v, want nil", got)
	}
	if got := spec.Value(&yaml.Node{Kind: yaml.DocumentNode}); got != nil {
		t.Errorf("Value(empty document) = %#v, want nil", got)
	}
}
