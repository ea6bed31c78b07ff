package haloitsm

import (
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	iconhaloitsm "github.com/haloconnect/icon-haloitsm"
	"github.com/haloconnect/icon-haloitsm/icon/spec"
)

// TestSpecStepsHaveHandlers checks that the plugin serves exactly the
// steps plugin.spec.yaml declares. The runtime accepts a spec entry
// without a handler and fails it only when a workflow runs it, as not
// implemented; a step added to the spec without its code must fail here
// instead. A handler without a spec entry stops the binary at start.
func TestSpecStepsHaveHandlers(t *testing.T) {
	t.Parallel()
	s, err := spec.ParseShared(iconhaloitsm.Spec)
	if err != nil {
		t.Fatal(err)
	}
	p := Plugin()

	cases := []struct {
		kind     string
		spec     []spec.Component
		handlers []string
	}{
		{"actions", s.Actions, slices.Collect(maps.Keys(Actions()))},
		{"triggers", s.Triggers, slices.Collect(maps.Keys(Triggers()))},
		// What Plugin hands the runtime, after the logging wrappers.
		{"plugin actions", s.Actions, slices.Collect(maps.Keys(p.Actions))},
		{"plugin triggers", s.Triggers, slices.Collect(maps.Keys(p.Triggers))},
		{"plugin tasks", s.Tasks, slices.Collect(maps.Keys(p.Tasks))},
	}
	for _, c := range cases {
		want := make([]string, 0, len(c.spec))
		for _, comp := range c.spec {
			want = append(want, comp.ID)
		}
		slices.Sort(want)
		slices.Sort(c.handlers)
		if diff := cmp.Diff(want, c.handlers, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: spec ids (-) and handler ids (+) differ:\n%s", c.kind, diff)
		}
	}
	if len(s.Triggers) == 0 {
		t.Error("the spec declares no triggers; the trigger rows above checked nothing")
	}
}

// TestTriggersReturnsACopy checks that a caller changing the map
// Triggers returns does not change the registered handlers.
func TestTriggersReturnsACopy(t *testing.T) {
	t.Parallel()
	got := Triggers()
	n := len(got)
	for id := range got {
		delete(got, id)
	}
	if len(Triggers()) != n || n == 0 {
		t.Errorf("Triggers() after the caller emptied its copy has %d handlers, want %d (> 0)",
			len(Triggers()), n)
	}
}
