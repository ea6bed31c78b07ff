// Package runtime runs an InsightConnect plugin written in Go: it turns a
// plugin.spec.yaml and a set of handlers into a binary that speaks the
// platform's protocol exactly like a plugin built on Rapid7's Python
// runtime.
//
// The binary's commands are run (the default: one start message on stdin,
// one result envelope on stdout), test, info, sample NAME and http (the
// HTTP server mode), plus the global --debug and --log-format flags. The runtime validates
// connection parameters and inputs against the spec before a handler runs
// and validates outputs before they leave, captures the handler's log
// records into the envelope, masks connection secrets out of everything it
// writes, recovers handler panics, and caches connections.
//
// A plugin's main is a few lines:
//
//	//go:embed plugin.spec.yaml
//	var specYAML []byte
//
//	func main() {
//		os.Exit(runtime.Main(runtime.Plugin{
//			Spec:    specYAML,
//			Connect: connect,
//			Actions: map[string]runtime.ActionFunc{"add_note": addNote},
//		}))
//	}
//
// Nothing but the protocol is ever written to stdout.
package runtime

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
)

// Version is the runtime's version, reported as sdk_version by the HTTP
// info route.
const Version = "1.0.0"

// Plugin describes a plugin: its spec and its handlers. Every handler
// must have a spec entry; Run reports one without before doing anything
// else. A spec entry without a handler is allowed, so that a plugin can
// be built step by step: running that step reports it is not implemented.
// A plugin should test that its spec and handlers match both ways.
type Plugin struct {
	// Spec is the plugin.spec.yaml, usually embedded with go:embed.
	Spec []byte

	// Connect builds a connection from validated connection parameters.
	// It is called once per process in run mode and once per distinct
	// connection in HTTP mode, where the result is cached and shared by
	// concurrent requests, so the Connection must be safe for concurrent
	// use. Nil means the plugin has no connection; handlers then see a
	// nil Request.Conn.
	Connect func(ctx context.Context, c *ConnectRequest) (Connection, error)

	// Actions, Triggers and Tasks map spec ids to handlers.
	Actions  map[string]ActionFunc
	Triggers map[string]TriggerFunc
	Tasks    map[string]TaskFunc

	// Commands are extra subcommands added to the binary (e.g. "smoke").
	// They write to cmd.OutOrStdout() and cmd.ErrOrStderr().
	Commands []*cobra.Command

	// Metrics, when set, makes HTTP mode (and a trigger's run process,
	// with EnvMetricsAddr) serve /metrics from this registry, and the
	// runtime record its metrics on it:
	// icon_plugin_runs_total{kind,name,outcome},
	// icon_plugin_run_duration_seconds{kind,name} and
	// icon_plugin_http_requests_total{route,code}. A plugin registers its
	// own collectors on the same registry.
	Metrics *prometheus.Registry

	// Dispatch tunes how trigger events are posted; the zero value is
	// the production setting.
	Dispatch DispatchConfig

	// ConnectionCacheSize bounds the number of connections HTTP mode
	// keeps; zero means 32.
	ConnectionCacheSize int

	// Getenv looks up the runtime's environment variables
	// (EnvLogFormat, EnvMetricsAddr); nil means os.Getenv. Tests set it
	// to run in parallel without touching the process's environment.
	Getenv func(key string) string
}

// Environment variables the runtime reads.
const (
	// EnvLogFormat selects the log format, "text" (the default) or
	// "json"; the global --log-format flag overrides it. Any other value
	// stops the binary before it runs anything, with ExitUsage.
	EnvLogFormat = "ICON_LOG_FORMAT"

	// EnvMetricsAddr, when set and the plugin has a Metrics registry,
	// makes a trigger's run process serve GET /metrics on this address
	// (host:port, e.g. ":9102" or "127.0.0.1:9102") for as long as the
	// trigger runs. Actions, tasks and tests ignore it: their run
	// process ends as soon as its one step does, before any scrape
	// could reach it, and processes running side by side would contend
	// for the one port. HTTP mode serves /metrics on its own port.
	EnvMetricsAddr = "ICON_METRICS_ADDR"
)

// DispatchConfig controls delivery of trigger events to the dispatcher.
// A failed POST (network error or a non-2xx answer) is retried after
// MinBackoff, doubling up to MaxBackoff, until it succeeds or the trigger's
// context ends: an event is never dropped while the process lives.
type DispatchConfig struct {
	// Timeout bounds each POST; zero means 5s.
	Timeout time.Duration
	// MinBackoff is the first wait after a failure; zero means 500ms.
	MinBackoff time.Duration
	// MaxBackoff caps the wait; zero means 30s.
	MaxBackoff time.Duration
}

// ConnectRequest is what Plugin.Connect receives.
type ConnectRequest struct {
	// Params is the connection, validated against the spec, with spec
	// defaults applied. Numbers are float64.
	Params map[string]any
	// CacheKey identifies the connection in the cache: the start
	// message's connection_cache_key, else a hash of Params.
	CacheKey string
	// Logger logs into the request that caused the connection to be
	// built. A cached connection outlives that request, so it must not
	// keep this logger; methods take the caller's logger instead.
	Logger *slog.Logger
}

// Decode copies Params into v (a pointer to a struct with json tags) by a
// JSON round trip.
func (c *ConnectRequest) Decode(v any) error { return decodeInto(c.Params, v) }

// Connection is a plugin's connection, built by Plugin.Connect. Test runs
// the connection test for test, /actions/{name}/test,
// /triggers/{name}/test and /api/v1/connection/test; it returns an output
// such as {"success": true}, or an error (preferably an
// *exception.ConnectionTestException).
type Connection interface {
	Test(ctx context.Context, log *slog.Logger) (map[string]any, error)
}

// TaskTester is implemented by connections that support the task
// connection test (/tasks/{name}/test, /api/v1/connection/test_task). The
// returned message replaces the envelope's log.
type TaskTester interface {
	TestTask(ctx context.Context, log *slog.Logger) (output map[string]any, message string, err error)
}

// Request is one invocation of a handler.
type Request struct {
	// Name is the action, trigger or task id.
	Name string
	// Conn is the connection, nil when the plugin has none.
	Conn Connection
	// Input is the validated input with spec defaults applied. Numbers are
	// float64; optional fields sent as null are absent.
	Input map[string]any
	// Logger writes into the envelope's log field (and stderr with
	// --debug); every record carries request_id.
	Logger *slog.Logger
	// Meta is the start message's meta, exactly as received.
	Meta json.RawMessage
	// RequestID identifies the invocation in logs.
	RequestID string
	// Dispatcher is the trigger_start dispatcher block (triggers only).
	Dispatcher Dispatcher
	// State and CustomConfig come from task_start (tasks only).
	State        map[string]any
	CustomConfig map[string]any
}

// Dispatcher is the dispatcher block of a trigger_start message.
type Dispatcher struct {
	URL        string `json:"url"`
	WebhookURL string `json:"webhook_url"`
}

// Decode copies Input into v (a pointer to a struct with json tags) by a
// JSON round trip.
func (r *Request) Decode(v any) error { return decodeInto(r.Input, v) }

// ActionFunc runs an action. The output is anything that encodes to a JSON
// object (a map or a struct with json tags; nil means {}); it is validated
// against the spec's output before it is sent. An error should be an
// *exception.PluginException; any other error is reported with the
// Unknown preset.
type ActionFunc func(ctx context.Context, r *Request) (output any, err error)

// SendFunc emits one trigger event. It validates output against the
// trigger's output schema, then delivers it, blocking and retrying until
// the dispatcher accepts it or ctx ends. It returns a validation error
// (the event is not sent) or ctx's error.
type SendFunc func(ctx context.Context, output any) error

// TriggerFunc runs a trigger until ctx is cancelled (SIGTERM), calling send
// once per event. Returning nil or ctx's error after cancellation is a
// clean stop.
type TriggerFunc func(ctx context.Context, r *Request, send SendFunc) error

// TaskFunc runs one page of a task.
type TaskFunc func(ctx context.Context, r *Request) (*TaskResult, error)

// TaskResult is what a task run returns.
type TaskResult struct {
	// Output encodes to a JSON object, validated against the spec.
	Output any
	// State is handed back to the next run.
	State        map[string]any
	HasMorePages bool
	// StatusCode is reported as status_code; zero means 200.
	StatusCode int
}

func decodeInto(m map[string]any, v any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
