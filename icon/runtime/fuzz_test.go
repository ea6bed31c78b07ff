package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haloconnect/icon-haloitsm/icon/runtime"
	"github.com/haloconnect/icon-haloitsm/icon/runtime/testdata/testplugin"
)

// fuzzPlugin is the test plugin made safe to run on arbitrary start
// messages: its connection does not touch the package-wide Connects
// counter, echo caps the repeat count (the original would try to build a
// string of any length asked for), and the trigger sends one event to
// stdout and returns instead of waiting for a signal or posting to a
// dispatcher URL the fuzzer made up.
func fuzzPlugin() runtime.Plugin {
	p := testplugin.Plugin()
	p.Connect = func(ctx context.Context, c *runtime.ConnectRequest) (runtime.Connection, error) {
		var conn testplugin.Conn
		if err := c.Decode(&conn); err != nil {
			return nil, err
		}
		return &conn, nil
	}
	p.Actions["echo"] = func(ctx context.Context, r *runtime.Request) (any, error) {
		msg, _ := r.Input["message"].(string)
		n, _ := r.Input["count"].(float64)
		n = min(max(n, 0), 3)
		return map[string]any{"message": strings.Repeat(msg, int(n)), "count": n}, nil
	}
	p.Triggers["tick"] = func(ctx context.Context, r *runtime.Request, send runtime.SendFunc) error {
		if r.Dispatcher.URL != "" {
			return nil
		}
		return send(ctx, map[string]any{"n": 1})
	}
	return p
}

// startSeeds are realistic start messages for the fuzz plugin.
var startSeeds = []string{
	`{"version":"v1","type":"action_start","body":{"action":"echo","meta":{"jobId":"job-1","stepId":"s1"},` +
		conn + `,"input":{"message":"hi","count":2.0,"when":"2024-01-02T15:04:05Z","colour":null}}}`,
	`{"version":"v1","type":"action_start","body":{"action":"echo","meta":{},` + conn +
		`,"input":{"count":"two","when":"yesterday","colour":"blue"}}}`,
	`{"version":"v1","type":"action_start","body":{"action":"fail",` + conn + `,"input":{"preset":"rate_limit"}}}`,
	`{"version":"v1","type":"action_start","body":{"action":"panic",` + conn + `}}`,
	`{"version":"v1","type":"action_start","body":{"action":"bad_output",` + conn + `}}`,
	`{"version":"v1","type":"action_start","body":{"action":"leak",` + conn + `,"input":{"how":"error"}}}`,
	`{"version":"v1","type":"action_start","body":{"action":"echo","connection":{"base_url":7},"input":{"message":"x"}}}`,
	`{"version":"v1","type":"connection_test","body":{"meta":{"jobId":"j"},"connection":{"base_url":"http://fail","api_key":{"secretKey":"k-123456"}}}}`,
	`{"version":"v1","type":"trigger_start","body":{"trigger":"tick","meta":{"jobId":"j"},` + conn +
		`,"dispatcher":{"url":"","webhook_url":""},"input":{"count":1,"stop":true}}}`,
	`{"version":"v1","type":"task_start","body":{"task":"pages",` + conn + `,"state":{"cursor":1},"custom_config":{}}}`,
	`{"version":"v1","type":"action_start","body":{"action":"echo","meta":{"a":` + "\n" + `[1, 2]},"input":{"message":"m"}}}`,
	`{"version":"v2","type":"action_start","body":{}}`,
	`{"version":"v1","type":"action_start","body":null}`,
	`{"version":"v1","type":"mystery","body":{}}`,
	`{"version":`,
	`[]`,
	``,
}

// FuzzRunStartMessage runs arbitrary stdin through the run, test and
// default commands. Whatever arrives, Run must not panic or hang, must
// return a documented exit code, and stdout must hold nothing but
// protocol output: nothing at all for a usage error (exit 2), exactly one
// well-formed envelope for an action, task or connection test, and
// well-formed trigger events (plus at most one error envelope) for a
// trigger.
func FuzzRunStartMessage(f *testing.F) {
	for _, s := range startSeeds {
		f.Add([]byte(s), uint8(0))
	}
	f.Add([]byte(startSeeds[0]), uint8(1))
	f.Add([]byte(startSeeds[8]), uint8(1))
	f.Add([]byte(startSeeds[7]), uint8(2))
	commands := [][]string{{"run"}, {"test"}, {}}
	p := fuzzPlugin()

	f.Fuzz(func(t *testing.T, stdin []byte, which uint8) {
		args := commands[int(which)%len(commands)]
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()

		var stdout, stderr bytes.Buffer
		code := runtime.Run(ctx, p, args, bytes.NewReader(stdin), &stdout, &stderr)
		if ctx.Err() != nil {
			t.Fatalf("Run did not return within its deadline")
		}
		switch code {
		case runtime.ExitUsage:
			if stdout.Len() != 0 {
				t.Fatalf("usage error, yet stdout holds %q", stdout.String())
			}
			if !strings.HasPrefix(stderr.String(), "error: ") {
				t.Fatalf("usage error without a reason on stderr: %q", stderr.String())
			}
			return
		case runtime.ExitOK, runtime.ExitFailed:
		default:
			t.Fatalf("exit code %d", code)
		}

		var head struct{ Type string }
		_ = json.Unmarshal(stdin, &head)
		isTriggerRun := head.Type == "trigger_start" && (len(args) == 0 || args[0] == "run")
		lines := strings.SplitAfter(stdout.String(), "\n")
		if lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		if !isTriggerRun && len(lines) != 1 {
			t.Fatalf("%d lines on stdout, want one envelope:\n%s", len(lines), stdout.String())
		}
		for i, line := range lines {
			env := checkEnvelope(t, []byte(line))
			if isTriggerRun {
				if env.Type != "trigger_event" {
					t.Fatalf("line %d of a trigger run has type %q", i, env.Type)
				}
				continue
			}
			if wantOK := code == runtime.ExitOK; (env.Body.Status == "ok") != wantOK {
				t.Fatalf("exit %d with envelope status %q", code, env.Body.Status)
			}
		}
	})
}

// envelopeShape is what every line the runtime writes must look like.
type envelopeShape struct {
	Version string `json:"version"`
	Type    string `json:"type"`
	Body    struct {
		Log    *string         `json:"log"`
		Status string          `json:"status"`
		Meta   json.RawMessage `json:"meta"`
		Output json.RawMessage `json:"output"`
		Error  *string         `json:"error"`
	} `json:"body"`
}

// checkEnvelope checks that b is exactly one JSON object on one line
// shaped like a result envelope or a trigger event.
func checkEnvelope(t *testing.T, b []byte) envelopeShape {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\n")) || bytes.Count(b, []byte("\n")) != 1 {
		t.Fatalf("envelope is not one newline-terminated line: %q", b)
	}
	var env envelopeShape
	if err := decodeOne(b, &env); err != nil {
		t.Fatalf("envelope is not one JSON object: %v\n%s", err, b)
	}
	types := []string{"action_event", "trigger_event", "task_event", "connection_test"}
	if env.Version != "v1" || !slices.Contains(types, env.Type) {
		t.Fatalf("envelope version %q type %q", env.Version, env.Type)
	}
	if env.Body.Log == nil || len(env.Body.Meta) == 0 {
		t.Fatalf("envelope body lacks log or meta: %s", b)
	}
	isEvent := env.Type == "trigger_event" && env.Body.Status == ""
	switch {
	case isEvent && env.Body.Output != nil:
	case env.Body.Status == "ok" && env.Body.Output != nil && env.Body.Output[0] == '{':
	case env.Body.Status == "error" && env.Body.Error != nil:
	default:
		t.Fatalf("envelope body is neither a result nor an event: %s", b)
	}
	return env
}

// decodeOne decodes exactly one JSON value from b into v, refusing
// anything but whitespace after it.
func decodeOne(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("more than one JSON value")
	}
	return nil
}

// fuzzRoutes are the POST routes that read a start message.
var fuzzRoutes = []string{
	"/api/v1/actions/echo", "/actions/echo", "/api/v1/actions/fail", "/api/v1/actions/panic",
	"/api/v1/actions/leak", "/api/v1/actions/echo/test", "/api/v1/triggers/tick/test",
	"/api/v1/triggers/tick", "/api/v1/tasks/pages", "/tasks/pages/test",
	"/api/v1/connection/test", "/api/v1/connection/test_task", "/api/v1/connection/other",
}

// FuzzHTTPBody POSTs arbitrary bodies to the in-process HTTP handler. Every
// answer must be a 204 without a body or exactly one JSON object: a
// framework error naming the status it was sent with (never a 5xx), or a
// result envelope whose status agrees with the HTTP status.
func FuzzHTTPBody(f *testing.F) {
	for i, s := range startSeeds {
		f.Add([]byte(s), uint8(i))
	}
	h, err := runtime.Handler(fuzzPlugin())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		path := fuzzRoutes[int(which)%len(fuzzRoutes)]
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		got := rec.Body.Bytes()
		if rec.Code == http.StatusNoContent {
			if len(got) != 0 {
				t.Fatalf("204 with a body: %q", got)
			}
			return
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
		var probe map[string]json.RawMessage
		if err := decodeOne(got, &probe); err != nil {
			t.Fatalf("%d answer is not one JSON object: %v\n%s", rec.Code, err, got)
		}
		if _, isEnvelope := probe["version"]; !isEnvelope {
			var fe struct{ Code int }
			if err := json.Unmarshal(got, &fe); err != nil || fe.Code != rec.Code {
				t.Fatalf("framework error body %s sent with status %d", got, rec.Code)
			}
			if rec.Code >= 500 {
				t.Fatalf("framework error %d for a request body: %s", rec.Code, got)
			}
			return
		}
		env := checkEnvelope(t, got)
		if (env.Body.Status == "ok") != (rec.Code == http.StatusOK) {
			t.Fatalf("envelope status %q sent with HTTP %d", env.Body.Status, rec.Code)
		}
	})
}
