package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/haloconnect/icon-haloitsm/icon/runtime"
	"github.com/haloconnect/icon-haloitsm/icon/runtime/testdata/testplugin"
)

// logCanary is a connection secret with every character slog's JSON and
// text handlers escape differently from encoding/json: a quote, angle
// brackets and an ampersand (escaped by encoding/json, not by slog), a
// backslash, a tab and a line separator.
const logCanary = "CANARY-<l0g>&\"q\"\\\t\u2028-end"

// canaryParts are fragments of logCanary that must never appear.
var canaryParts = []string{"CANARY", "l0g"}

// canaryConn is the connection of the start messages below, holding
// logCanary as its secret.
func canaryConn(t *testing.T) string {
	t.Helper()
	b, err := json.Marshal(logCanary)
	if err != nil {
		t.Fatal(err)
	}
	return `"connection":{"base_url":"http://127.0.0.1:1","api_key":{"secretKey":` +
		string(b) + `}}`
}

// env returns a Getenv over vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// leakyPlugin is the test plugin whose echo action and tick trigger log
// the connection's secret inside a value and inside a key, at info and
// debug level.
func leakyPlugin() runtime.Plugin {
	p := testplugin.Plugin()
	leak := func(r *runtime.Request) {
		secret := r.Conn.(*testplugin.Conn).APIKey.SecretKey
		r.Logger.Info("about to call", "method", "GET", "path", "/x", "wait", 1500*time.Millisecond,
			"error", "bad key "+secret)
		r.Logger.Debug("debug detail", "key-"+secret, 42, "ticket_id", 7)
	}
	p.Actions["echo"] = func(ctx context.Context, r *runtime.Request) (any, error) {
		leak(r)
		return map[string]any{"message": "done"}, nil
	}
	p.Triggers["tick"] = func(ctx context.Context, r *runtime.Request, send runtime.SendFunc) error {
		leak(r)
		return send(ctx, map[string]any{"n": 1})
	}
	return p
}

// jsonLines parses every line of s as one JSON object; it fails the test
// for a line that is not one.
func jsonLines(t *testing.T, where, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(s) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("%s: line is not a JSON object (%v): %q", where, err, line)
			continue
		}
		out = append(out, rec)
	}
	return out
}

// checkJSONLog checks the records of one log: each has time, level, msg
// and request_id; the record logging the secret in a value masks it, and
// so does the debug record logging it in a key, when debug is set.
func checkJSONLog(t *testing.T, where, s string, debug bool) {
	t.Helper()
	recs := jsonLines(t, where, s)
	var sawValue, sawKey bool
	for _, rec := range recs {
		for _, k := range []string{"time", "level", "msg", "request_id"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("%s: record without %s: %v", where, k, rec)
			}
		}
		if rec["msg"] == "about to call" {
			sawValue = rec["error"] == "bad key "+runtime.Mask && rec["method"] == "GET" &&
				rec["path"] == "/x" && rec["wait"] == "1.5s"
		}
		if rec["msg"] == "debug detail" {
			sawKey = rec["key-"+runtime.Mask] == 42.0 && rec["ticket_id"] == 7.0
		}
	}
	if !sawValue {
		t.Errorf("%s: no record with the secret masked in a value:\n%s", where, s)
	}
	if sawKey != debug {
		t.Errorf("%s: record with the secret masked in a key present = %v, want %v:\n%s",
			where, sawKey, debug, s)
	}
	for _, part := range canaryParts {
		if strings.Contains(s, part) {
			t.Errorf("%s contains the secret:\n%s", where, s)
		}
	}
}

func TestJSONLogs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		// debug: --debug is given, so the action's records are copied
		// to stderr at debug level.
		debug bool
	}{
		{name: "environment", env: map[string]string{runtime.EnvLogFormat: "json"}},
		{name: "environment, upper case", env: map[string]string{runtime.EnvLogFormat: "JSON"}},
		{name: "flag", args: []string{"--log-format", "json"}},
		{name: "flag overrides the environment", env: map[string]string{runtime.EnvLogFormat: "text"},
			args: []string{"--log-format=json"}},
		{name: "debug", env: map[string]string{runtime.EnvLogFormat: "json"},
			args: []string{"--debug"}, debug: true},
	}
	for _, tc := range tests {
		for _, step := range []string{"action", "trigger"} {
			t.Run(tc.name+"/"+step, func(t *testing.T) {
				t.Parallel()
				p := leakyPlugin()
				p.Getenv = env(tc.env)
				msg := `{"version":"v1","type":"action_start","body":{"action":"echo",` +
					canaryConn(t) + `,"input":{"message":"m"}}}`
				if step == "trigger" {
					msg = `{"version":"v1","type":"trigger_start","body":{"trigger":"tick",` +
						canaryConn(t) + `}}`
				}
				var stdout, stderr bytes.Buffer
				args := append(append([]string{}, tc.args...), "run")
				code := runtime.Run(t.Context(), p, args, strings.NewReader(msg), &stdout, &stderr)
				if code != runtime.ExitOK {
					t.Fatalf("exit = %d, want 0; stderr:\n%s", code, stderr.String())
				}

				var env struct {
					Body struct {
						Log string `json:"log"`
					} `json:"body"`
				}
				if err := json.Unmarshal(stdout.Bytes(), &env); err != nil {
					t.Fatalf("stdout is not one envelope: %v\n%s", err, stdout.String())
				}
				checkJSONLog(t, "envelope log", env.Body.Log, tc.debug)
				// A trigger copies its records to stderr always, an
				// action only with --debug.
				if step == "trigger" || tc.debug {
					checkJSONLog(t, "stderr", stderr.String(), tc.debug)
				} else if stderr.Len() != 0 {
					t.Errorf("stderr = %q, want nothing without --debug", stderr.String())
				}
				for _, part := range canaryParts {
					if strings.Contains(stdout.String(), part) {
						t.Errorf("stdout contains the secret:\n%s", stdout.String())
					}
				}
			})
		}
	}
}

func TestTextLogsAreTheDefault(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"", "text", " Text "} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			p := leakyPlugin()
			p.Getenv = env(map[string]string{runtime.EnvLogFormat: format})
			msg := `{"version":"v1","type":"action_start","body":{"action":"echo",` +
				canaryConn(t) + `,"input":{"message":"m"}}}`
			var stdout, stderr bytes.Buffer
			code := runtime.Run(t.Context(), p, []string{"--debug", "run"},
				strings.NewReader(msg), &stdout, &stderr)
			if code != runtime.ExitOK {
				t.Fatalf("exit = %d, want 0; stderr:\n%s", code, stderr.String())
			}
			errText := stderr.String()
			if !strings.Contains(errText, `level=INFO msg="about to call"`) ||
				!strings.Contains(errText, `key-`+runtime.Mask) {
				t.Errorf("stderr is not the text format with the key masked:\n%s", errText)
			}
			for _, part := range canaryParts {
				if strings.Contains(errText+stdout.String(), part) {
					t.Errorf("output contains the secret:\nstdout: %s\nstderr: %s",
						stdout.String(), errText)
				}
			}
		})
	}
}

func TestUnknownLogFormatIsAUsageError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  string
		args []string
		want string // in stderr
	}{
		{name: "environment", env: "xml", args: []string{"run"},
			want: `error: runtime: ICON_LOG_FORMAT: "xml" is not a log format; use text or json`},
		{name: "flag", args: []string{"--log-format", "yaml", "run"},
			want: `error: runtime: --log-format: "yaml" is not a log format; use text or json`},
		{name: "flag after the command", args: []string{"run", "--log-format=logfmt"},
			want: `--log-format: "logfmt" is not a log format`},
		{name: "info too", env: "xml", args: []string{"info"},
			want: `ICON_LOG_FORMAT: "xml" is not a log format`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := testplugin.Plugin()
			p.Getenv = env(map[string]string{runtime.EnvLogFormat: tc.env})
			msg := `{"version":"v1","type":"action_start","body":{"action":"echo",` + conn +
				`,"input":{"message":"m"}}}`
			var stdout, stderr bytes.Buffer
			code := runtime.Run(t.Context(), p, tc.args, strings.NewReader(msg), &stdout, &stderr)
			if code != runtime.ExitUsage {
				t.Errorf("exit = %d, want %d", code, runtime.ExitUsage)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", stdout.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tc.want)
			}
		})
	}
}
