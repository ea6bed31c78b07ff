package haloitsm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/haloconnect/icon-haloitsm/halo"
	"github.com/haloconnect/icon-haloitsm/icon/runtime"
	"github.com/haloconnect/icon-haloitsm/icon/runtime/exception"
)

// Connection is a HaloITSM connection: a halo client built from the
// connection parameters, the parameters' organisational defaults, and a
// cache of Halo's lookup lists. It is safe for concurrent use.
type Connection struct {
	client    *halo.Client
	params    Params
	cache     *lookupCache
	agentBase string
	logs      *logSwitch
	metrics   *metrics
}

// Options tune NewConnection for tests and tools; the zero value is the
// production setting.
type Options struct {
	// Now replaces the clock of the lookup cache.
	Now func() time.Time
	// MaxRetryElapsed bounds the halo client's retries; zero means the
	// client's default.
	MaxRetryElapsed time.Duration

	// metrics, when set, records the halo client's requests and the
	// triggers' events.
	metrics *metrics
	// log receives what the halo client logs while it is built (the
	// warning that TLS verification is off).
	log *slog.Logger
}

// NewConnection checks p and builds a Connection. It makes no network
// call. Errors name the connection setting at fault.
func NewConnection(p Params, opts Options) (*Connection, error) {
	cfg, err := p.haloConfig()
	if err != nil {
		return nil, err
	}
	logs := &logSwitch{}
	logs.use(opts.log)
	cfg.Logger = slog.New(logs)
	cfg.MaxRetryElapsed = opts.MaxRetryElapsed
	if opts.metrics != nil {
		cfg.Observer = opts.metrics
	}
	client, err := halo.New(cfg)
	if err != nil {
		return nil, &settingsError{Field: "connection", msg: err.Error()}
	}
	return &Connection{
		client:    client,
		params:    p,
		cache:     newLookupCache(lookupTTL, opts.Now),
		agentBase: agentBaseURL(p.ResourceServer),
		logs:      logs,
		metrics:   opts.metrics,
	}, nil
}

// Connect is the plugin's runtime.Plugin.Connect: it decodes the
// validated connection parameters and builds a Connection.
func Connect(_ context.Context, r *runtime.ConnectRequest) (runtime.Connection, error) {
	return connectWith(r, Options{})
}

func connectWith(r *runtime.ConnectRequest, opts Options) (runtime.Connection, error) {
	var p Params
	if err := r.Decode(&p); err != nil {
		return nil, exception.Custom("The connection settings could not be read.",
			"Check the connection: "+err.Error()+".", "")
	}
	opts.log = r.Logger
	c, err := NewConnection(p, opts)
	if err != nil {
		return nil, settingsException(err)
	}
	return c, nil
}

// Client returns the connection's halo client.
func (c *Connection) Client() *halo.Client { return c.client }

// Params returns the connection parameters (the secret stays redacted when
// printed or encoded).
func (c *Connection) Params() Params { return c.params }

// bind makes log the halo client's fallback logger. Steps hand their
// logger to the client through the context (see logging.go), which takes
// precedence, so in HTTP mode concurrent steps sharing a connection keep
// their logs apart; the fallback only receives records logged without a
// step's context.
func (c *Connection) bind(log *slog.Logger) { c.logs.use(log) }

// Test checks the connection the way actions will use it: it fetches a
// token, reads one ticket row, and reads the lookups the actions rely on
// (statuses, ticket types, teams, agents, outcomes). A failure says which
// setting is wrong and how to fix it. The output adds facts a user can
// check: the login agent's name and the status Close Ticket will use.
func (c *Connection) Test(ctx context.Context, log *slog.Logger) (map[string]any, error) {
	c.bind(log)
	ctx = halo.WithLogger(ctx, log)
	if err := c.client.Authenticate(ctx); err != nil {
		return nil, testException(err, "getting an access token")
	}
	for _, err := range c.client.Tickets.List(ctx, halo.TicketListOptions{Max: 1}) {
		if err != nil {
			return nil, testException(err, "reading tickets (GET /api/Tickets)")
		}
		break
	}
	checks := []struct {
		what  string
		fetch func(context.Context) error
	}{
		{"reading statuses (GET /api/Status)", func(ctx context.Context) error {
			_, err := c.statuses(ctx)
			return err
		}},
		{"reading ticket types (GET /api/TicketType)", func(ctx context.Context) error {
			_, err := c.ticketTypes(ctx)
			return err
		}},
		{"reading teams (GET /api/Team)", func(ctx context.Context) error {
			_, err := c.teams(ctx)
			return err
		}},
		{"reading agents (GET /api/Agent)", func(ctx context.Context) error {
			_, err := c.agents(ctx)
			return err
		}},
		{"reading outcomes (GET /api/Outcome)", func(ctx context.Context) error {
			_, err := c.outcomes(ctx)
			return err
		}},
	}
	for _, ch := range checks {
		if err := ch.fetch(ctx); err != nil {
			return nil, testException(err, ch.what)
		}
	}

	out := map[string]any{"success": true}
	if me, err := c.client.Lookups.AgentMe(ctx); err == nil && me.Name != "" {
		out["agent_name"] = me.Name
	}
	id, err := c.closedStatus(ctx, 0, "")
	if err != nil {
		return nil, testException(err, "finding the closed status")
	}
	out["closed_status"] = fmt.Sprintf("%s (%d)", c.nameOf(ctx, kindStatus, id), id)
	if _, _, err := c.noteOutcome(ctx, ""); err != nil {
		return nil, testException(err, "finding the note outcome")
	}
	log.Info("connection test passed", "closed_status_id", id)
	return out, nil
}

// testException explains a failed connection test step.
func testException(err error, step string) *exception.ConnectionTestException {
	var se *settingsError
	if errors.As(err, &se) {
		cause, assist := settingsAdvice(se)
		return &exception.ConnectionTestException{Cause: cause, Assistance: assist,
			Preset: exception.BadRequest, Err: err}
	}
	var te *halo.TokenError
	if errors.As(err, &te) {
		cause, assist := tokenAdvice(te)
		return &exception.ConnectionTestException{Cause: cause, Assistance: assist,
			Preset: exception.InvalidCredentials, Err: err}
	}
	pe := exception.From(failure(err, "the connection test"))
	cause := pe.Cause
	switch {
	case errors.Is(err, halo.ErrForbidden):
		cause = "HaloITSM refused " + step + " (403 Forbidden)."
	case errors.Is(err, halo.ErrUnavailable):
		cause = "HaloITSM failed while " + step + ": it answered with a server error " +
			"or could not be reached."
		pe.Assistance = "Check Resource Server in the connection, that the orchestrator " +
			"can reach it, and its TLS settings (SSL Verify, CA Certificate)."
	}
	return &exception.ConnectionTestException{Cause: cause, Assistance: pe.Assistance,
		Data: pe.Data, Preset: pe.Preset, Err: err}
}

// settingsException explains a connection that cannot be built.
func settingsException(err error) *exception.PluginException {
	var se *settingsError
	if errors.As(err, &se) {
		cause, assist := settingsAdvice(se)
		return &exception.PluginException{Cause: cause, Assistance: assist,
			Preset: exception.BadRequest, Err: err}
	}
	return exception.Wrap(exception.Unknown, "", err)
}

// logSwitch is an slog.Handler forwarding to the handler of the current
// step's logger, so the long-lived halo client logs into the envelope of
// the step that is using it. With no step bound it discards.
type logSwitch struct {
	cur atomic.Pointer[slog.Logger]
}

func (s *logSwitch) use(l *slog.Logger) { s.cur.Store(l) }

func (s *logSwitch) target() slog.Handler {
	if l := s.cur.Load(); l != nil {
		return l.Handler()
	}
	return slog.DiscardHandler
}

func (s *logSwitch) Enabled(ctx context.Context, lv slog.Level) bool {
	return s.target().Enabled(ctx, lv)
}

func (s *logSwitch) Handle(ctx context.Context, r slog.Record) error {
	return s.target().Handle(ctx, r)
}

// WithAttrs and WithGroup are not used by the halo client; they bind to
// the current target.
func (s *logSwitch) WithAttrs(as []slog.Attr) slog.Handler { return s.target().WithAttrs(as) }
func (s *logSwitch) WithGroup(n string) slog.Handler       { return s.target().WithGroup(n) }

// agentLink is the agent web interface's link to ticket id.
func (c *Connection) agentLink(id int) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprintf("%s/ticket?id=%d", strings.TrimRight(c.agentBase, "/"), id)
}
