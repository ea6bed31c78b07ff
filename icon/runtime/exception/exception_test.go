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
