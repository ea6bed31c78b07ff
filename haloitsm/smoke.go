package haloitsm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/haloconnect/icon-haloitsm/halo"
	"github.com/haloconnect/icon-haloitsm/icon/runtime"
	"github.com/haloconnect/icon-haloitsm/icon/runtime/exception"
)

// Environment variables the smoke command reads.
const (
	EnvClientID       = "HALO_CLIENT_ID"
	EnvClientSecret   = "HALO_CLIENT_SECRET" //nolint:gosec // G101: a variable's name, not a secret
	EnvAuthServer     = "HALO_AUTH_SERVER"
	EnvResourceServer = "HALO_RESOURCE_SERVER"
	EnvTenant         = "HALO_TENANT"
)

// SmokeCommand returns the "smoke" command: it runs every action against
// the HaloITSM named by the HALO_* environment variables and prints a
// table of steps with timings and a verdict. In staging it works on a
// test ticket labelled [SMOKE TEST] that it creates, changes, closes and
// deletes; in production it only reads (connection test, lookups, search,
// get). It fails (non-zero exit) when any step fails.
func SmokeCommand() *cobra.Command {
	var environment string
	cmd := &cobra.Command{
		Use:   "smoke",
		Short: "Run every action against a real HaloITSM (HALO_* environment variables)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SilenceUsage = true
			return RunSmoke(cmd.Context(), cmd.OutOrStdout(), os.Getenv, environment)
		},
	}
	cmd.Flags().StringVar(&environment, "environment", "staging",
		"staging (read and write a test ticket) or production (read only)")
	return cmd
}

// smokeStep is one row of the smoke table.
type smokeStep struct {
	name   string
	detail string
	took   time.Duration
	err    error
}

// RunSmoke runs the smoke test against the HaloITSM named by getenv and
// writes its table to w. environment is "staging" or "production".
func RunSmoke(ctx context.Context, w io.Writer, getenv func(string) string,
	environment string) error {
	write := environment == "staging"
	if !write && environment != "production" {
		return fmt.Errorf("smoke: --environment must be staging or production (got %q)",
			environment)
	}
	p := Params{
		ClientID:            getenv(EnvClientID),
		AuthorizationServer: getenv(EnvAuthServer),
		ResourceServer:      getenv(EnvResourceServer),
		Tenant:              getenv(EnvTenant),
	}
	p.ClientSecret.Secret = halo.Secret(getenv(EnvClientSecret))
	var missing []string
	for env, v := range map[string]string{EnvClientID: p.ClientID,
		EnvClientSecret: p.ClientSecret.Reveal(), EnvAuthServer: p.AuthorizationServer,
		EnvResourceServer: p.ResourceServer} {
		if v == "" {
			missing = append(missing, env)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("smoke: set %s", strings.Join(missing, ", "))
	}
	c, err := NewConnection(p, Options{})
	if err != nil {
		return fmt.Errorf("smoke: %w", err)
	}

	s := &smokeRun{c: c, log: slog.New(slog.DiscardHandler)}
	s.run(ctx, write)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "STEP\tRESULT\tTIME\tDETAIL\n")
	failed := 0
	var total time.Duration
	for _, st := range s.steps {
		res, detail := "ok", st.detail
		if st.err != nil {
			res, detail = "FAIL", errorText(st.err)
			failed++
		}
		total += st.took
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", st.name, res,
			st.took.Round(time.Millisecond), detail)
	}
	_ = tw.Flush()
	if failed > 0 {
		fmt.Fprintf(w, "\nVERDICT: FAIL (%d of %d steps failed, %s, %s)\n", failed,
			len(s.steps), environment, total.Round(time.Millisecond))
		return fmt.Errorf("smoke: %d of %d steps failed", failed, len(s.steps))
	}
	fmt.Fprintf(w, "\nVERDICT: PASS (%d steps, %s, %s)\n", len(s.steps), environment,
		total.Round(time.Millisecond))
	return nil
}

// errorText is the one-line text of a step failure: an exception's cause
// and assistance, else the error.
func errorText(err error) string {
	var pe *exception.PluginException
	if errors.As(err, &pe) {
		return strings.TrimSpace(pe.Cause + " " + pe.Assistance)
	}
	var te *exception.ConnectionTestException
	if errors.As(err, &te) {
		return strings.TrimSpace(te.Cause + " " + te.Assistance)
	}
	return err.Error()
}

type smokeRun struct {
	c     *Connection
	log   *slog.Logger
	steps []smokeStep
}

// action runs one action handler as the runtime would and records it.
func (s *smokeRun) action(ctx context.Context, name string, input map[string]any,
	describe func(map[string]any) string) map[string]any {
	fn := Actions()[name]
	start := time.Now()
	out, err := fn(ctx, &runtime.Request{Name: name, Conn: s.c, Input: input, Logger: s.log})
	st := smokeStep{name: name, took: time.Since(start), err: err}
	var m map[string]any
	if err == nil {
		m, err = asObject(out)
		st.err = err
		if err == nil && describe != nil {
			st.detail = describe(m)
		}
	}
	s.steps = append(s.steps, st)
	if st.err != nil {
		return nil
	}
	return m
}

// check records a failed expectation as its own step.
func (s *smokeRun) check(name string, ok bool, format string, args ...any) {
	if !ok {
		s.steps = append(s.steps, smokeStep{name: name, err: fmt.Errorf(format, args...)})
	}
}

func (s *smokeRun) run(ctx context.Context, write bool) {
	start := time.Now()
	out, err := s.c.Test(ctx, s.log)
	st := smokeStep{name: "connection test", took: time.Since(start), err: err}
	if err == nil {
		st.detail = fmt.Sprintf("login agent %v, closed status %v", out["agent_name"],
			out["closed_status"])
	}
	s.steps = append(s.steps, st)
	if err != nil {
		return
	}

	count := func(key string) func(map[string]any) string {
		return func(m map[string]any) string {
			l, _ := m[key].([]any)
			return fmt.Sprintf("%d %s", len(l), strings.ReplaceAll(key, "_", " "))
		}
	}
	s.action(ctx, "list_statuses", nil, count("statuses"))
	s.action(ctx, "list_ticket_types", nil, count("ticket_types"))
	s.action(ctx, "list_priorities", nil, count("priorities"))
	teams := s.action(ctx, "list_teams", nil, count("teams"))
	agents := s.action(ctx, "list_agents", nil, count("agents"))
	s.action(ctx, "list_categories", nil, count("categories"))
	s.action(ctx, "list_custom_fields", nil, count("custom_fields"))
	if agent := firstID(agents, "agents"); agent != 0 {
		s.action(ctx, "get_agent", map[string]any{"agent_id": agent}, func(m map[string]any) string {
			a, _ := m["agent"].(map[string]any)
			return fmt.Sprintf("agent %d %v", agent, a["name"])
		})
	}

	if !write {
		found := s.action(ctx, "search_tickets", map[string]any{"max_results": 5},
			count("tickets"))
		if id := firstID(found, "tickets"); id != 0 {
			s.action(ctx, "get_ticket", map[string]any{"ticket_id": id}, ticketLine)
			s.action(ctx, "list_ticket_notes", map[string]any{"ticket_id": id}, count("notes"))
		}
		return
	}
	s.writeSteps(ctx, teams, agents)
}

// writeSteps exercises every write action on one [SMOKE TEST] ticket and
// deletes it at the end.
func (s *smokeRun) writeSteps(ctx context.Context, teams, agents map[string]any) {
	stamp := time.Now().UTC().Format("2006-01-02 15:04:05")
	summary := "[SMOKE TEST] InsightConnect HaloITSM plugin " + stamp
	created := s.action(ctx, "create_ticket", map[string]any{
		"summary": summary, "status_id": 1,
		"details":         "Created by the plugin's smoke test; safe to delete.",
		"idempotency_key": "smoke-" + fmt.Sprint(time.Now().UnixNano()),
	}, ticketLine)
	id := ticketID(created)
	if id == 0 {
		return
	}
	// Whatever happens next, the test ticket is closed and deleted.
	defer func() {
		s.action(ctx, "delete_ticket", map[string]any{"ticket_id": id,
			"reason": "smoke test clean-up"}, func(map[string]any) string {
			return fmt.Sprintf("ticket %d deleted", id)
		})
	}()

	got := s.action(ctx, "get_ticket", map[string]any{"ticket_id": id}, ticketLine)
	if got != nil {
		s.check("get_ticket", got["found"] == true, "ticket %d not found after create", id)
	}
	s.action(ctx, "update_ticket", map[string]any{"ticket_id": id,
		"summary": summary + " (updated)"}, ticketLine)
	note := s.action(ctx, "add_comment", map[string]any{"ticket_id": id,
		"comment": "Smoke test private note", "is_private": true},
		func(m map[string]any) string { return fmt.Sprintf("note %v", m["comment_id"]) })
	notes := s.action(ctx, "list_ticket_notes", map[string]any{"ticket_id": id},
		func(m map[string]any) string { return fmt.Sprintf("%v notes", m["count"]) })
	if note != nil && notes != nil {
		s.check("list_ticket_notes", containsID(notes, "notes", note["comment_id"]),
			"the note just added (%v) is not listed", note["comment_id"])
	}
	assign := map[string]any{"ticket_id": id}
	if team := firstName(teams, "teams"); team != "" {
		assign["team_name"] = team
	}
	if agent := firstID(agents, "agents"); agent != 0 {
		assign["agent_id"] = agent
	}
	if len(assign) > 1 {
		s.action(ctx, "assign_ticket", assign, ticketLine)
	}
	found := s.action(ctx, "search_tickets", map[string]any{"search": summary,
		"state": "open", "max_results": 10}, func(m map[string]any) string {
		return fmt.Sprintf("%v tickets", m["count"])
	})
	if found != nil {
		s.check("search_tickets", containsID(found, "tickets", float64(id)),
			"ticket %d is not found by searching its summary", id)
	}
	s.action(ctx, "parse_webhook", map[string]any{"body": map[string]any{
		"id": "smoke", "event": "Ticket Updated", "object_id": id}, "fetch_ticket": true},
		func(m map[string]any) string { return fmt.Sprintf("event %v", m["event"]) })
	s.action(ctx, "close_ticket", map[string]any{"ticket_id": id,
		"resolution": "Smoke test finished"}, ticketLine)
	s.action(ctx, "reopen_ticket", map[string]any{"ticket_id": id,
		"note": "Smoke test reopens the ticket"}, ticketLine)
	closed := s.action(ctx, "close_ticket", map[string]any{"ticket_id": id,
		"resolution": "Smoke test finished"}, ticketLine)
	if closed != nil {
		t, _ := closed["ticket"].(map[string]any)
		s.check("close_ticket", t["hasbeenclosed"] == true, "ticket %d is not closed", id)
	}
}

func ticketID(m map[string]any) int {
	t, _ := m["ticket"].(map[string]any)
	f, _ := t["id"].(float64)
	return int(f)
}

func ticketLine(m map[string]any) string {
	t, _ := m["ticket"].(map[string]any)
	if t == nil || t["id"] == nil {
		return "no ticket"
	}
	return fmt.Sprintf("ticket %v %q (status %v)", t["id"], t["summary"], t["status_name"])
}

func firstID(m map[string]any, key string) int {
	l, _ := m[key].([]any)
	for _, it := range l {
		if o, ok := it.(map[string]any); ok {
			if f, ok := o["id"].(float64); ok && f > 0 {
				return int(f)
			}
		}
	}
	return 0
}

func firstName(m map[string]any, key string) string {
	l, _ := m[key].([]any)
	for _, it := range l {
		if o, ok := it.(map[string]any); ok {
			if n, ok := o["name"].(string); ok && n != "" {
				return n
			}
		}
	}
	return ""
}

func containsID(m map[string]any, key string, id any) bool {
	l, _ := m[key].([]any)
	for _, it := range l {
		if o, ok := it.(map[string]any); ok && fmt.Sprint(o["id"]) == fmt.Sprint(id) {
			return true
		}
	}
	return false
}
