package halo

import (
	"testing"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

func TestLookups(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Config{}, nil)
	ctx := t.Context()
	l := e.client.Lookups

	count := func(name string, n int, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if n == 0 {
			t.Errorf("%s: empty", name)
		}
	}
	st, err := l.Statuses(ctx)
	count("Statuses", len(st), err)
	tt, err := l.TicketTypes(ctx)
	count("TicketTypes", len(tt), err)
	pr, err := l.Priorities(ctx)
	count("Priorities", len(pr), err)
	for _, p := range pr {
		if p.ID == "" || p.PriorityID == 0 {
			t.Errorf("priority %+v lacks an id", p)
		}
	}
	te, err := l.Teams(ctx)
	count("Teams", len(te), err)
	ag, err := l.Agents(ctx, AgentListOptions{})
	count("Agents", len(ag), err)
	ca, err := l.Categories(ctx, 0)
	count("Categories", len(ca), err)
	cl, err := l.Clients(ctx, "")
	count("Clients", len(cl), err)
	si, err := l.Sites(ctx, 0)
	count("Sites", len(si), err)
	fi, err := l.FieldInfo(ctx)
	count("FieldInfo", len(fi), err)
	oc, err := l.Outcomes(ctx)
	count("Outcomes", len(oc), err)

	me, err := l.AgentMe(ctx)
	if err != nil || me.ID != emulator.DefaultLoginAgentID {
		t.Errorf("AgentMe = %+v, %v", me, err)
	}
	if len(ag) > 0 {
		a, err := l.Agent(ctx, ag[0].ID)
		if err != nil || a.ID != ag[0].ID {
			t.Errorf("Agent(%d) = %+v, %v", ag[0].ID, a, err)
		}
	}

	var users []User
	for u, err := range l.Users(ctx, UserListOptions{}) {
		if err != nil {
			t.Fatalf("Users: %v", err)
		}
		users = append(users, u)
	}
	count("Users", len(users), nil)
	if len(users) > 0 {
		u, err := l.User(ctx, users[0].ID)
		if err != nil || u.ID != users[0].ID {
			t.Errorf("User(%d) = %+v, %v", users[0].ID, u, err)
		}
	}
}
