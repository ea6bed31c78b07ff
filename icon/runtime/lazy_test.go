package runtime

import (
	"context"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
)

// compiledSchemas lists the validators of e that have been compiled, as
// "connection" or kind/id/input|output.
func compiledSchemas(e *engine) []string {
	done := func(l *lazyValidator) bool { return l.v != nil || l.err != nil }
	var out []string
	if done(e.connV) {
		out = append(out, "connection")
	}
	for key, l := range e.inputV {
		if done(l) {
			out = append(out, key+"/input")
		}
	}
	for key, l := range e.outputV {
		if done(l) {
			out = append(out, key+"/output")
		}
	}
	slices.Sort(out)
	return out
}

func TestSchemasCompileOnlyForTheStepRun(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/testplugin/plugin.spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := Plugin{
		Spec: data,
		Connect: func(context.Context, *ConnectRequest) (Connection, error) {
			return testConn{}, nil
		},
		Actions: map[string]ActionFunc{
			"echo": func(_ context.Context, r *Request) (any, error) {
				return map[string]any{"message": r.Input["message"]}, nil
			},
		},
	}
	e, err := newEngine(p, false, logText, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := compiledSchemas(e); len(got) != 0 {
		t.Fatalf("compiled before any step ran: %v", got)
	}

	msg, err := parseStart([]byte(`{"version":"v1","type":"action_start","body":{` +
		`"action":"echo","meta":{},"connection":{"base_url":"https://example.com",` +
		`"api_key":{"secretKey":"k"}},"input":{"message":"hi"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	// Concurrent first calls share one compilation.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if res := e.execute(t.Context(), msg, false, ""); res.failed() {
				t.Errorf("echo failed: %s", res.env.Error)
			}
		})
	}
	wg.Wait()

	want := []string{"action/echo/input", "action/echo/output", "connection"}
	if got := compiledSchemas(e); !slices.Equal(got, want) {
		t.Errorf("compiled %v, want only %v", got, want)
	}
}

// testConn is a Connection without a test.
type testConn struct{}

func (testConn) Test(context.Context, *slog.Logger) (map[string]any, error) {
	return nil, nil
}
