package exception_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/haloconnect/icon-haloitsm/icon/runtime/exception"
)

func TestPresetsComplete(t *testing.T) {
	t.Parallel()
	ps := exception.Presets()
	if len(ps) != 18 {
		t.Errorf("%d presets, want 18", len(ps))
	}
	for _, p := range ps {
		if !p.Valid() || p.Cause() == "" || p.Assistance() == "" {
			t.Errorf("preset %q has no texts", p)
		}
	}
	if exception.Preset("nope").Valid() {
		t.Error("unknown preset reported valid")
	}
}

func TestStrings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"plugin with data", exception.New(exception.NotFound, "404 body"),
			"An error occurred during plugin execution! Invalid or unreachable endpoint provided. " +
				"Verify the URLs or endpoints in your configuration are correct. Response was 404 body"},
		{"plugin without data", exception.New(exception.RateLimit, ""),
			"An error occurred during plugin execution! The account configured in your plugin connection " +
				"is currently rate-limited. Adjust the time between requests if possible."},
		{"test with data", exception.NewTest(exception.APIKey, "401"),
			"Connection test failed! Invalid API key provided. Verify your API key configured in your " +
				"connection is correct. Response was: 401"},
		{"plain error to plugin", exception.From(errors.New("eof")),
			"An error occurred during plugin execution! Something unexpected occurred. Check the logs " +
				"and if the issue persists please contact support. Response was eof"},
		{"plain error to test", exception.FromTest(errors.New("eof")),
			"Connection test failed! Plugin connection test failed. See error log for more details. Response was: eof"},
		{"wrapped plugin exception kept", exception.From(fmt.Errorf("ctx: %w", exception.New(exception.Timeout, ""))),
			exception.New(exception.Timeout, "").Error()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestWrapKeepsCause(t *testing.T) {
	t.Parallel()
	base := errors.New("dial tcp: refused")
	if err := exception.Wrap(exception.ConnectionError, "", base); !errors.Is(err, base) {
		t.Error("Wrap lost the underlying error")
	}
	if err := exception.FromTest(base); !errors.Is(err, base) {
		t.Error("FromTest lost the underlying error")
	}
}

func TestCustomTexts(t *testing.T) {
	t.Parallel()
	e := exception.Custom("Ticket 42 was not found.", "Check the ticket ID.", "")
	if e.Preset != "" {
		t.Errorf("Preset = %q, want none for custom texts", e.Preset)
	}
	want := "An error occurred during plugin execution! Ticket 42 was not found. Check the ticket ID."
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestConversions checks that From and FromTest keep an exception of the
// other kind's texts, preset and cause, and find one wrapped in an error.
func TestConversions(t *testing.T) {
	t.Parallel()
	base := errors.New("401 Unauthorized")
	test := exception.WrapTest(exception.InvalidCredentials, "body", base)
	plugin := exception.Wrap(exception.Conflict, "body", base)

	type fields struct {
		Cause, Assistance, Data string
		Preset                  exception.Preset
		Err                     error
	}
	fromPlugin := func(e *exception.PluginException) fields {
		return fields{e.Cause, e.Assistance, e.Data, e.Preset, e.Err}
	}
	fromTest := func(e *exception.ConnectionTestException) fields {
		return fields{e.Cause, e.Assistance, e.Data, e.Preset, e.Err}
	}
	tests := []struct {
		name string
		got  fields
		want fields
	}{
		{"test exception to plugin", fromPlugin(exception.From(test)), fromTest(test)},
		{"plugin exception to test", fromTest(exception.FromTest(plugin)), fromPlugin(plugin)},
		{"wrapped test exception kept", fromTest(exception.FromTest(fmt.Errorf("ctx: %w", test))),
			fromTest(test)},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, tc.got, tc.want)
		}
	}
	if tc := fromTest(test); tc.Cause != exception.InvalidCredentials.Cause() || !errors.Is(tc.Err, base) {
		t.Errorf("WrapTest: %+v, want the preset's texts and the cause", tc)
	}
	if !errors.Is(exception.From(test), base) || !errors.Is(exception.FromTest(plugin), base) {
		t.Error("a conversion lost the underlying error")
	}
	if exception.From(nil) != nil || exception.FromTest(nil) != nil {
		t.Error("a nil error did not convert to nil")
	}
}
