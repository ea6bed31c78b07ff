package haloitsm

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/emulator"
	"github.com/haloconnect/icon-haloitsm/halo"
	"github.com/haloconnect/icon-haloitsm/icon/runtime/exception"
)

// ambiguousCreate makes the halo client return a real ambiguous failure:
// an action without note text (which Create cannot look up afterwards)
// posted to an emulator that applies every write and then answers 502
// or drops the connection.
func ambiguousCreate(t *testing.T) error {
	t.Helper()
	const secret = "ambiguous-test-secret"
	srv := emulator.NewTestServer(t, emulator.Config{ClientID: "ambiguous",
		ClientSecret: secret})
	id := srv.CreateTicket(map[string]any{"summary": "ambiguous write"})
	c, err := halo.New(halo.Config{AuthURL: srv.AuthURL(), ResourceURL: srv.APIURL(),
		ClientID: "ambiguous", ClientSecret: secret, MaxRetryElapsed: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Authenticate(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv.SetFaults(emulator.Faults{CommitThenFail: 1, Seed: 1})

	_, err = c.Actions.Create(t.Context(), halo.ActionCreate{TicketID: halo.ID(id),
		Outcome: "Private Note", Important: true})
	if !errors.Is(err, halo.ErrAmbiguous) || !errors.Is(err, halo.ErrUnavailable) {
		t.Fatalf("Create = %v, want an error matching halo.ErrAmbiguous and "+
			"halo.ErrUnavailable", err)
	}
	return err
}

func TestAmbiguousWriteMapsToMayOrMayNotBeRecorded(t *testing.T) {
	t.Parallel()
	const (
		wantCause = "The change to Ticket 42 reached HaloITSM but no answer came back, " +
			"so it may or may not have been recorded."
		wantAssist = "Check the ticket (and its notes, with List Ticket Notes) in HaloITSM " +
			"before running this step again, or the change may be recorded twice."
	)
	tests := []struct {
		name string
		err  func(t *testing.T) error
	}{
		// The client's error also matches halo.ErrUnavailable (a 502 or a
		// lost connection): the ambiguity must win over "unavailable".
		{"from the halo client", ambiguousCreate},
		{"the sentinel wrapped", func(*testing.T) error {
			return fmt.Errorf("halo: create ticket: %w", halo.ErrAmbiguous)
		}},
		{"joined with a deadline", func(*testing.T) error {
			return errors.Join(halo.ErrAmbiguous, errors.New("context deadline exceeded"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := tt.err(t)
			got := failure(src, "Ticket 42")

			var pe *exception.PluginException
			if !errors.As(got, &pe) {
				t.Fatalf("failure = %T %v, want a *exception.PluginException", got, got)
			}
			want := []any{wantCause, wantAssist, exception.ServerError, ""}
			have := []any{pe.Cause, pe.Assistance, pe.Preset, pe.Data}
			if diff := cmp.Diff(want, have); diff != "" {
				t.Errorf("cause, assistance, preset, data (-want +got):\n%s", diff)
			}
			if !errors.Is(got, halo.ErrAmbiguous) || !errors.Is(got, src) {
				t.Errorf("the exception does not wrap the error it maps: %v", got)
			}
		})
	}
}
