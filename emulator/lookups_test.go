package emulator_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

func TestLookups(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{})
	c := newClient(t, s).login("all")

	names := func(rows []any, key string) map[string]string {
		m := map[string]string{}
		for _, r := range rows {
			o := obj(t, r)
			m[fmt.Sprint(o["id"])] = fmt.Sprint(o[key])
		}
		return m
	}
	statuses := names(arr(t, c.call("GET", "/Status", "", 200)), "name")
	for id, name := range map[string]string{"1": "New", "2": "In Progress", "9": "Closed", "28": "On Hold"} {
		if statuses[id] != name {
			t.Errorf("status %s = %q, want %q", id, statuses[id], name)
		}
	}
	if _, ok := statuses["4"]; ok {
		t.Errorf("status 4 exists; the emulator leaves it out on purpose")
	}

	prios := arr(t, c.call("GET", "/Priority", "", 200))
	p0 := obj(t, prios[0])
	if _, isString := p0["id"].(string); !isString || fmt.Sprint(p0["priorityid"]) != "1" {
		t.Errorf("priority row %v: want a string id and an integer priorityid", p0)
	}
	if got := names(prios, "name"); !cmp.Equal(got, map[string]string{"1": "Critical",
		"2": "High", "3": "Medium", "4": "Low"}) {
		t.Errorf("priorities = %v", got)
	}

	types := names(arr(t, c.call("GET", "/TicketType", "", 200)), "name")
	for _, n := range []string{"Incident", "Service Request", "Problem", "Change Request"} {
		if !containsValue(types, n) {
			t.Errorf("ticket type %q missing from %v", n, types)
		}
	}
	teams := names(arr(t, c.call("GET", "/Team", "", 200)), "name")
	if teams["4"] != "Security" || teams["1"] != "Service Desk" || teams["5"] != "<nil>" && teams["5"] != "" {
		t.Errorf("teams = %v (inactive team 5 must be hidden)", teams)
	}
	agents := names(arr(t, c.call("GET", "/Agent", "", 200)), "name")
	if _, ok := agents["8"]; ok {
		t.Errorf("disabled agent 8 listed")
	}
	if n := len(arr(t, c.call("GET", "/Agent?includedisabled=true", "", 200))); n != len(agents)+1 {
		t.Errorf("includedisabled lists %d agents, want %d", n, len(agents)+1)
	}
	me := obj(t, c.call("GET", "/Agent/me", "", 200))
	if fmt.Sprint(me["id"]) != "3" {
		t.Errorf("Agent/me = %v", me)
	}
	fields := names(arr(t, c.call("GET", "/FieldInfo", "", 200)), "name")
	if !containsValue(fields, "CFImpact") || !containsValue(fields, "CFUrgency") {
		t.Errorf("FieldInfo = %v", fields)
	}
	outcomes := names(arr(t, c.call("GET", "/Outcome", "", 200)), "outcome")
	if outcomes["7"] != "Internal Note" {
		t.Errorf("outcome 7 = %q", outcomes["7"])
	}
	arr(t, c.call("GET", "/Category", "", 200))

	for path, key := range map[string]string{"/Client": "clients", "/Site": "sites", "/Users": "users"} {
		env := obj(t, c.call("GET", path, "", 200))
		rows := arr(t, env[key])
		if num(t, env["record_count"]) != len(rows) || len(rows) == 0 {
			t.Errorf("%s envelope = %v", path, env)
		}
	}
	env := obj(t, c.call("GET", "/Users?pageinate=true&page_size=2&page_no=2", "", 200))
	if len(arr(t, env["users"])) != 2 || num(t, env["record_count"]) != 4 || num(t, env["page_no"]) != 2 {
		t.Errorf("paged users = %v", env)
	}

	for path, want := range map[string]string{"/Status/9": "Closed", "/TicketType/3": "Service Request",
		"/Priority/2": "High", "/Team/3": "Network", "/Agent/4": "Alice Smith",
		"/Client/12": "Contoso Ltd", "/Site/18": "London", "/Users/10": "Grace Hopper",
		"/Outcome/11": "Close", "/FieldInfo/141": "CFUrgency", "/Agent/8": "Erin Former"} {
		o := obj(t, c.call("GET", path, "", 200))
		if o["name"] != want && o["outcome"] != want {
			t.Errorf("GET %s = %v, want %q", path, o, want)
		}
	}
	for _, path := range []string{"/Status/4", "/Agent/999", "/Client/2", "/Users/77", "/Priority/9"} {
		if resp, _ := c.do("GET", path, ""); resp.StatusCode != 404 {
			t.Errorf("GET %s: status %d, want 404", path, resp.StatusCode)
		}
	}

	id := s.AddAgent(emulator.Agent{Name: "Zed New", Email: "zed@example.com", TeamID: 4})
	if o := obj(t, c.call("GET", fmt.Sprintf("/Agent/%d", id), "", 200)); o["team"] != "Security" {
		t.Errorf("added agent = %v", o)
	}
}

func containsValue(m map[string]string, v string) bool {
	for _, x := range m {
		if x == v {
			return true
		}
	}
	return false
}
