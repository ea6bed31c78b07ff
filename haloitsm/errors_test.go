package haloitsm

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/emulator"
	"github.com/haloconnect/icon-haloitsm/icon/runtime/exception"
)

// TestSettingsErrorWordingIsShared checks that a connection setting that
// cannot work reads the same in an action, in the connection test and
// when the connection is built: the reason as written, ending in exactly
// one mark.
func TestSettingsErrorWordingIsShared(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		se    *settingsError
		cause string
	}{
		{"plain reason", &settingsError{Field: "client_id", msg: "is required"},
			"The connection setting client_id is not usable: is required."},
		{"reason ending in a question", &settingsError{Field: "closed_status",
			msg: `unknown status "Clsoed"; did you mean "Closed"?`},
			`The connection setting closed_status is not usable: unknown status "Clsoed"; ` +
				`did you mean "Closed"?`},
		{"reason ending in a full stop", &settingsError{Field: "tenant",
			msg: "must be the plain tenant name. "},
			"The connection setting tenant is not usable: must be the plain tenant name."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			action := exception.From(failure(tt.se, "Ticket 1"))
			test := testException(tt.se, "reading tickets")
			build := settingsException(tt.se)
			want := []string{tt.cause, tt.cause, tt.cause}
			got := []string{action.Cause, test.Cause, build.Cause}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("causes of action, test, build (-want +got):\n%s", diff)
			}
			assist := "Correct " + tt.se.Field + " in the connection."
			for _, a := range []string{action.Assistance, test.Assistance, build.Assistance} {
				if a != assist {
					t.Errorf("assistance = %q, want %q", a, assist)
				}
			}
		})
	}
}

// TestSettingsErrorWordingOverTheProtocol runs the same unusable
// setting through an action and through the connection test.
func TestSettingsErrorWordingOverTheProtocol(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Config{})
	id := h.srv.CreateTicket(map[string]any{"summary": "a", "details": "b"})
	h.conn["closed_status"] = "Clossed"

	const want = `The connection setting closed_status is not usable: unknown status ` +
		`"Clossed"; did you mean "Closed"?`
	action := h.fail("close_ticket", map[string]any{"ticket_id": id}).Body.Exception
	test := h.run("connection_test", "get_ticket", nil)
	if test.Body.Status != "error" {
		t.Fatalf("connection test status %q, want error", test.Body.Status)
	}
	got := []string{action.Cause, test.Body.Exception.Cause}
	if diff := cmp.Diff([]string{want, want}, got); diff != "" {
		t.Errorf("causes of close_ticket and the connection test (-want +got):\n%s", diff)
	}
}

// TestInputErrorAssistance checks that only names and IDs HaloITSM does
// not know point at the List actions, and that other input errors get
// assistance of their own.
func TestInputErrorAssistance(t *testing.T) {
	t.Parallel()
	statuses := []named{{ID: 1, Name: "New"}, {ID: 9, Name: "Closed"}}
	_, unknownStatus := resolveName("status", "status_name", "Clsoed", statuses)
	_, ambiguous := resolveName("status", "status_name", "New",
		append(statuses, named{ID: 2, Name: "new"}))
	_, unknownOutcome := resolveName("outcome", "outcome", "Nope", nil)

	tests := []struct {
		name   string
		err    error
		assist string
	}{
		{"unknown status name", unknownStatus,
			"Correct the status_name input; List Statuses shows the statuses HaloITSM " +
				"knows, with their IDs."},
		{"ambiguous status name", ambiguous,
			"Correct the status_name input; List Statuses shows the statuses HaloITSM " +
				"knows, with their IDs."},
		{"unknown team ID", unknownInput("team_id", "team", "team_id: no team 4"),
			"Correct the team_id input; List Teams shows the teams HaloITSM knows, " +
				"with their IDs."},
		{"unknown outcome: no List action", unknownOutcome,
			"Correct the outcome input with the name or ID of an outcome HaloITSM has."},
		{"port out of range", outOfRange("webhook_port", 1, 65535,
			"webhook_port: 0 is not a TCP port; give 1 to 65535"),
			"Give webhook_port a whole number from 1 to 65535."},
		{"empty summary", badInput("summary", "summary: must not be empty"),
			"Correct the summary input."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pe := exception.From(failure(tt.err, "Ticket 1"))
			if pe.Assistance != tt.assist {
				t.Errorf("assistance = %q, want %q", pe.Assistance, tt.assist)
			}
			if pe.Preset != exception.BadRequest {
				t.Errorf("preset = %q, want %q", pe.Preset, exception.BadRequest)
			}
		})
	}
}

// TestInputErrorAssistanceOverTheProtocol checks the assistance a
// workflow author sees for a range error and for an unknown name.
func TestInputErrorAssistanceOverTheProtocol(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Config{})
	id := h.srv.CreateTicket(map[string]any{"summary": "a", "details": "b"})
	tests := []struct {
		action string
		input  map[string]any
		assist string
	}{
		{"search_tickets", map[string]any{"max_results": 0},
			"Give max_results a whole number from 1 to 10000."},
		{"update_ticket", map[string]any{"ticket_id": id, "status_name": "Clsoed"},
			"Correct the status_name input; List Statuses shows the statuses HaloITSM " +
				"knows, with their IDs."},
		{"list_categories", map[string]any{"level": 7},
			"Give level a whole number from 0 to 4."},
	}
	for _, tt := range tests {
		ex := h.fail(tt.action, tt.input).Body.Exception
		if ex.Assistance != tt.assist {
			t.Errorf("%s %v: assistance = %q, want %q", tt.action, tt.input, ex.Assistance,
				tt.assist)
		}
		if tt.action != "update_ticket" && strings.Contains(ex.Assistance, "List") {
			t.Errorf("%s: a range error points at the List actions: %q", tt.action,
				ex.Assistance)
		}
	}
}
