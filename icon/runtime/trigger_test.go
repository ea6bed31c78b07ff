package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/icon/runtime"
	"github.com/haloconnect/icon-haloitsm/icon/runtime/testdata/testplugin"
)

// dispatcher is a fake trigger dispatcher that refuses the first
// failures POSTs, then records every event it accepts.
type dispatcher struct {
	mu       sync.Mutex
	failures int
	posts    int
	events   []map[string]any
	got      chan struct{}
}

func (d *dispatcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.posts++
	if d.posts <= d.failures {
		http.Error(w, "not now", http.StatusServiceUnavailable)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		http.Error(w, "bad content type "+ct, http.StatusBadRequest)
		return
	}
	b, _ := io.ReadAll(r.Body)
	var ev map[string]any
	if err := json.Unmarshal(b, &ev); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	d.events = append(d.events, ev)
	d.got <- struct{}{}
}

func TestTriggerDispatchRetries(t *testing.T) {
	t.Parallel()
	d := &dispatcher{failures: 2, got: make(chan struct{}, 10)}
	srv := httptest.NewServer(d)
	defer srv.Close()

	p := testplugin.Plugin()
	p.Dispatch = runtime.DispatchConfig{Timeout: time.Second, MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond}
	msg := `{"version":"v1","type":"trigger_start","body":{"trigger":"tick","meta":{"triggerId":"t1"},` + conn +
		`,"input":{"count":3},"dispatcher":{"url":"` + srv.URL + `","webhook_url":""}}}`

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr bytes.Buffer
	done := make(chan int)
	go func() {
		done <- runtime.Run(ctx, p, []string{"run"}, strings.NewReader(msg), &stdout, &stderr)
	}()
	for range 3 {
		select {
		case <-d.got:
		case <-time.After(10 * time.Second):
			t.Fatal("events did not arrive")
		}
	}
	// The trigger now waits for cancellation, as on SIGTERM.
	cancel()
	if code := <-done; code != runtime.ExitOK {
		t.Errorf("exit code = %d, want 0; stderr:\n%s", code, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q, want nothing when events are posted", stdout.String())
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	if d.posts != 5 {
		t.Errorf("dispatcher saw %d POSTs, want 2 refused + 3 accepted", d.posts)
	}
	var outputs []any
	for _, ev := range d.events {
		body := ev["body"].(map[string]any)
		outputs = append(outputs, body["output"])
		if ev["type"] != "trigger_event" || ev["version"] != "v1" {
			t.Errorf("event envelope = %v", ev)
		}
		if diff := cmp.Diff(map[string]any{"triggerId": "t1"}, body["meta"]); diff != "" {
			t.Errorf("meta (-want +got):\n%s", diff)
		}
	}
	want := []any{map[string]any{"n": 1.0}, map[string]any{"n": 2.0}, map[string]any{"n": 3.0}}
	if diff := cmp.Diff(want, outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	// Each event carries the log since the previous one: the retry
	// warnings belong to the first event's delivery, so they appear in
	// the second event's log.
	log2 := d.events[1]["body"].(map[string]any)["log"].(string)
	if !strings.Contains(log2, "retrying") || !strings.Contains(log2, "n=2") || strings.Contains(log2, "n=1") {
		t.Errorf("second event log = %q", log2)
	}
}

func TestTriggerHandlerErrorExitsNonZero(t *testing.T) {
	t.Parallel()
	p := testplugin.Plugin()
	p.Triggers["tick"] = func(ctx context.Context, r *runtime.Request, send runtime.SendFunc) error {
		// An output that breaks the spec is refused by send.
		return send(ctx, map[string]any{"n": "one"})
	}
	msg := `{"version":"v1","type":"trigger_start","body":{"trigger":"tick",` + conn + `}}`
	var stdout, stderr bytes.Buffer
	code := runtime.Run(t.Context(), p, []string{"run"}, strings.NewReader(msg), &stdout, &stderr)
	if code != runtime.ExitFailed {
		t.Errorf("exit = %d, want %d", code, runtime.ExitFailed)
	}
	if !strings.Contains(stdout.String(), `"status":"error"`) ||
		!strings.Contains(stdout.String(), `output \"n\": expected integer, got string`) {
		t.Errorf("stdout = %s", stdout.String())
	}
}

// TestMasking checks that the connection secret is masked out of the
// output, the log (envelope and --debug stderr) and the error.
func TestMasking(t *testing.T) {
	t.Parallel()
	// The quotes make sure the JSON-escaped form is masked too.
	secretConn := `"connection":{"base_url":"http://127.0.0.1:1",` +
		`"api_key":{"secretKey":"CANARY-s3cr3t-\"quoted\"-value"}}`
	for _, how := range []string{"output", "error"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			msg := `{"version":"v1","type":"action_start","body":{"action":"leak",` + secretConn +
				`,"input":{"how":"` + how + `"}}}`
			var stdout, stderr bytes.Buffer
			runtime.Run(t.Context(), testplugin.Plugin(), []string{"--debug", "run"},
				strings.NewReader(msg), &stdout, &stderr)
			for name, s := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String()} {
				for _, leak := range []string{"CANARY", "s3cr3t"} {
					if strings.Contains(s, leak) {
						t.Errorf("%s contains the secret:\n%s", name, s)
					}
				}
				if !strings.Contains(s, runtime.Mask) {
					t.Errorf("%s has no mask; was the secret logged at all?\n%s", name, s)
				}
			}
		})
	}
}

// TestMaskingPasswordInput checks that an input of type password is
// masked like a connection secret, in both log formats.
func TestMaskingPasswordInput(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "json"} {
		for _, how := range []string{"output", "error"} {
			t.Run(format+"/"+how, func(t *testing.T) {
				t.Parallel()
				msg := `{"version":"v1","type":"action_start","body":{"action":"leak",` + conn +
					`,"input":{"how":"` + how + `","passphrase":"CANARY-p4ss-\"phrase\""}}}`
				var stdout, stderr bytes.Buffer
				runtime.Run(t.Context(), testplugin.Plugin(),
					[]string{"--debug", "--log-format", format, "run"},
					strings.NewReader(msg), &stdout, &stderr)
				for name, s := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String()} {
					if strings.Contains(s, "CANARY") || strings.Contains(s, "p4ss") {
						t.Errorf("%s contains the passphrase:\n%s", name, s)
					}
					if !strings.Contains(s, "the passphrase is "+runtime.Mask) {
						t.Errorf("%s does not show the masked passphrase:\n%s", name, s)
					}
				}
			})
		}
	}
}

// TestTriggerLogIsBoundedAndOnStderr runs a trigger that logs 10,000
// lines, each with the connection's secret, before its first event, as
// one does through a long HaloITSM outage. The event's log must stay
// bounded and say that lines were dropped; stderr must have every line
// as it was written, without --debug; the secret must appear nowhere.
func TestTriggerLogIsBoundedAndOnStderr(t *testing.T) {
	t.Parallel()
	const secret = "CANARY-tr1gg3r-secret"
	const lines = 10_000
	p := testplugin.Plugin()
	p.Triggers["tick"] = func(ctx context.Context, r *runtime.Request, send runtime.SendFunc) error {
		for i := range lines {
			r.Logger.Warn("polling failed; trying again", "attempt", i, "error",
				"token refused for "+secret)
		}
		return send(ctx, map[string]any{"n": 1})
	}
	msg := `{"version":"v1","type":"trigger_start","body":{"trigger":"tick",` +
		`"connection":{"base_url":"http://127.0.0.1:1","api_key":{"secretKey":"` + secret + `"}}}}`
	var stdout, stderr bytes.Buffer
	code := runtime.Run(t.Context(), p, []string{"run"}, strings.NewReader(msg), &stdout, &stderr)
	if code != runtime.ExitOK {
		t.Fatalf("exit = %d, want 0; stdout:\n%s", code, stdout.String())
	}

	var ev struct {
		Body struct {
			Output map[string]any `json:"output"`
			Log    string         `json:"log"`
		} `json:"body"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &ev); err != nil {
		t.Fatalf("stdout is not one event: %v\n%.500s", err, stdout.String())
	}
	if len(ev.Body.Log) > 65<<10 {
		t.Errorf("event log is %d bytes, want at most 64 KiB and a note", len(ev.Body.Log))
	}
	if !strings.Contains(ev.Body.Log, "earlier log lines dropped") ||
		!strings.Contains(ev.Body.Log, fmt.Sprintf("attempt=%d ", lines-1)) ||
		strings.Contains(ev.Body.Log, "attempt=0 ") {
		t.Errorf("event log does not keep the newest lines after a drop note:\n%.300s...",
			ev.Body.Log)
	}

	errText := stderr.String()
	if got := strings.Count(errText, `msg="polling failed; trying again"`); got != lines {
		t.Errorf("stderr has %d of the %d log lines", got, lines)
	}
	if !strings.Contains(errText, "attempt=0 ") || !strings.Contains(errText, runtime.Mask) {
		t.Errorf("stderr lacks the first line or the mask:\n%.300s", errText)
	}
	for name, s := range map[string]string{"stdout": stdout.String(), "stderr": errText} {
		if strings.Contains(s, "tr1gg3r") {
			t.Errorf("%s contains the secret", name)
		}
	}
}
