package loadtest

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"time"
)

// Defaults applied by Run to zero Config fields.
const (
	// DefaultCallTimeout bounds one action call. It outlasts the halo
	// client's default retry budget (two minutes) so that a call that
	// retries to the end reports the client's error, not the harness's.
	DefaultCallTimeout = 3 * time.Minute
	// DefaultRequestsPer5Minutes is the connection's client-side budget
	// when Config.RequestsPer5Minutes is zero: the largest the connection
	// accepts, so that runs against an unlimited emulator measure the
	// plugin, not its pacing.
	DefaultRequestsPer5Minutes = 100000
	// Tenant is the tenant the emulator requires and the connection
	// names.
	Tenant = "loadtest"
)

// DefaultMix is the action sequence of one workflow iteration.
var DefaultMix = []string{"create_ticket", "get_ticket", "update_ticket", "add_comment",
	"search_tickets"}

// knownActions are the actions a workflow knows how to call; the
// ticket-scoped ones act on the iteration's ticket.
var knownActions = []string{"create_ticket", "get_ticket", "update_ticket", "add_comment",
	"search_tickets", "close_ticket", "reopen_ticket", "list_ticket_notes", "list_statuses",
	"list_teams", "list_agents", "list_priorities", "list_ticket_types"}

// Config describes one run.
type Config struct {
	// Name labels the run in reports and file names.
	Name string
	// Plugin is the path of the plugin binary (icon_haloitsm).
	Plugin string
	// Launcher is the path of the haloitsm-load binary that starts each
	// run mode process (see MeasureExec); "" means the running binary.
	Launcher string
	Mode     Mode
	// Concurrency is the number of simulated workflows running at once.
	Concurrency int
	// Duration is how long workflows keep starting steps; calls in
	// flight at the end are waited for (up to CallTimeout).
	Duration time.Duration
	// Mix is the action sequence of one workflow iteration; default
	// DefaultMix. An iteration without create_ticket works on a ticket
	// the harness creates directly in the emulator.
	Mix []string

	// Latency, ErrorRatio, DropRatio and CommitThenFail are the
	// emulator's injected faults (see emulator.Faults); Seed seeds them.
	Latency        time.Duration
	ErrorRatio     float64
	DropRatio      float64
	CommitThenFail float64
	Seed           int64

	// TokenTTL is the lifetime of issued tokens; zero means the
	// emulator's default (an hour).
	TokenTTL time.Duration
	// ExpireTokensAt, when positive, expires every issued token this
	// long after the run starts, so the plugin must fetch a new one.
	ExpireTokensAt time.Duration

	// RateLimit and RateWindow set the emulator's rolling-window limit;
	// RateLimit zero means none.
	RateLimit  int
	RateWindow time.Duration
	// RequestsPer5Minutes is the connection's requests_per_5_minutes;
	// zero means DefaultRequestsPer5Minutes.
	RequestsPer5Minutes int
	// BudgetWindow is the connection's rate_limit_window_seconds, the
	// window RequestsPer5Minutes counts over, in whole seconds; zero
	// leaves it out, so the plugin uses five minutes.
	BudgetWindow time.Duration

	// IdempotencyKeys passes an idempotency_key to every create_ticket,
	// which makes the plugin look the key up before creating.
	IdempotencyKeys bool

	// CallTimeout bounds one action call; default DefaultCallTimeout.
	CallTimeout time.Duration

	// Logger receives progress messages; nil means silent.
	Logger *slog.Logger
}

// ErrInvalidConfig is matched (errors.Is) by every error Run returns for
// a bad Config.
var ErrInvalidConfig = errors.New("invalid config")

func configError(field, format string, args ...any) error {
	return fmt.Errorf("loadtest: config: %s: %s: %w", field, fmt.Sprintf(format, args...),
		ErrInvalidConfig)
}

// normalize checks c and returns it with defaults filled in.
func (c Config) normalize() (Config, error) {
	if c.Name == "" {
		c.Name = string(c.Mode)
	}
	if len(c.Mix) == 0 {
		c.Mix = slices.Clone(DefaultMix)
	}
	if c.RequestsPer5Minutes == 0 {
		c.RequestsPer5Minutes = DefaultRequestsPer5Minutes
	}
	if c.CallTimeout == 0 {
		c.CallTimeout = DefaultCallTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	ratio := func(field string, v float64) error {
		if v < 0 || v > 1 {
			return configError(field, "must be between 0 and 1 (got %g)", v)
		}
		return nil
	}

	switch {
	case c.Plugin == "":
		return c, configError("Plugin", "is required")
	case c.Mode != ModeHTTP && c.Mode != ModeRun:
		return c, configError("Mode", "must be %q or %q (got %q)", ModeHTTP, ModeRun, c.Mode)
	case c.Concurrency < 1 || c.Concurrency > 5000:
		return c, configError("Concurrency", "must be between 1 and 5000 (got %d)",
			c.Concurrency)
	case c.Duration <= 0 || c.Duration > 24*time.Hour:
		return c, configError("Duration", "must be positive and at most 24h (got %s)",
			c.Duration)
	case c.Latency < 0:
		return c, configError("Latency", "must not be negative")
	case c.TokenTTL < 0:
		return c, configError("TokenTTL", "must not be negative")
	case c.ExpireTokensAt < 0 || c.ExpireTokensAt >= c.Duration && c.ExpireTokensAt > 0:
		return c, configError("ExpireTokensAt", "must be between 0 and Duration (got %s)",
			c.ExpireTokensAt)
	case c.RateLimit < 0:
		return c, configError("RateLimit", "must not be negative")
	case c.RateWindow < 0:
		return c, configError("RateWindow", "must not be negative")
	case c.RequestsPer5Minutes < 1 || c.RequestsPer5Minutes > 100000:
		return c, configError("RequestsPer5Minutes", "must be between 1 and 100000 (got %d)",
			c.RequestsPer5Minutes)
	case c.BudgetWindow < 0 || c.BudgetWindow > 24*time.Hour ||
		c.BudgetWindow%time.Second != 0:
		return c, configError("BudgetWindow", "must be whole seconds between 0 and 24h (got %s)",
			c.BudgetWindow)
	case c.CallTimeout < 0:
		return c, configError("CallTimeout", "must not be negative")
	}
	for field, v := range map[string]float64{"ErrorRatio": c.ErrorRatio,
		"DropRatio": c.DropRatio, "CommitThenFail": c.CommitThenFail} {
		if err := ratio(field, v); err != nil {
			return c, err
		}
	}
	for i, a := range c.Mix {
		if !slices.Contains(knownActions, a) {
			return c, configError(fmt.Sprintf("Mix[%d]", i), "unknown action %q (known: %v)",
				a, knownActions)
		}
	}
	if st, err := os.Stat(c.Plugin); err != nil {
		return c, configError("Plugin", "%v", err)
	} else if st.IsDir() || st.Mode()&0o111 == 0 {
		return c, configError("Plugin", "%s is not an executable file", c.Plugin)
	}
	return c, nil
}
