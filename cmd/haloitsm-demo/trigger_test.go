package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeTriggerEnv makes the test binary act as a trigger process: it
// logs a JSON record, then behaves as the variable's value says.
const fakeTriggerEnv = "HALOITSM_DEMO_FAKE_TRIGGER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeTriggerEnv); mode != "" {
		os.Exit(fakeTrigger(mode))
	}
	os.Exit(m.Run())
}

// fakeTrigger is a stand-in for `icon_haloitsm run` with a trigger:
//   - "poll": log the polling line, exit 0 on SIGTERM;
//   - "fail": write an error envelope and exit 1 at once;
//   - "stubborn": log the polling line and ignore SIGTERM.
func fakeTrigger(mode string) int {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, interruptSignal)
	_, _ = bufio.NewReader(os.Stdin).ReadString(0) // the start message
	switch mode {
	case "fail":
		fmt.Fprintln(os.Stderr, `{"level":"ERROR","msg":"step failed"}`)
		fmt.Println(`{"version":"v1","type":"trigger_event","body":{"status":"error",` +
			`"error":"bad input","exception":{"cause":"Invalid plugin input."}}}`)
		return 1
	case "stubborn":
		signal.Ignore(interruptSignal)
	}
	fmt.Fprintln(os.Stderr, `{"level":"INFO","msg":"polling HaloITSM for ticket changes"}`)
	if mode == "stubborn" {
		time.Sleep(time.Minute)
		return 0
	}
	<-sig
	return 0
}

func startFake(t *testing.T, mode string) *triggerProcess {
	t.Helper()
	t.Setenv(fakeTriggerEnv, mode)
	p, err := startTrigger(t.Context(), os.Args[0], []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.kill)
	return p
}

func TestTriggerProcessStopsOnSIGTERM(t *testing.T) {
	p := startFake(t, "poll")
	r, err := p.waitLog(t.Context(), 30*time.Second, "polling HaloITSM")
	if err != nil {
		t.Fatal(err)
	}
	if r.level != "INFO" {
		t.Errorf("level = %q, want INFO", r.level)
	}
	code, err := p.stop(30 * time.Second)
	if err != nil || code != 0 {
		t.Errorf("stop() = %d, %v; want 0, nil", code, err)
	}
}

func TestTriggerProcessReportsItsFailure(t *testing.T) {
	p := startFake(t, "fail")
	_, err := p.waitLog(t.Context(), 30*time.Second, "polling HaloITSM")
	if err == nil || !strings.Contains(err.Error(), "exit 1, Invalid plugin input.") {
		t.Errorf("waitLog error = %v, want one with the exit status and the envelope's cause",
			err)
	}
	if _, err := p.stop(time.Second); err == nil {
		t.Error("stop of an exited trigger returned no error")
	}
	if got := p.logs(); len(got) != 1 || got[0].level != "ERROR" {
		t.Errorf("logs = %+v, want the one ERROR record", got)
	}
}

func TestTriggerProcessKilledWhenItIgnoresSIGTERM(t *testing.T) {
	p := startFake(t, "stubborn")
	if _, err := p.waitLog(t.Context(), 30*time.Second, "polling HaloITSM"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.stop(200 * time.Millisecond); err == nil ||
		!strings.Contains(err.Error(), "killed") {
		t.Errorf("stop() error = %v, want one saying the trigger was killed", err)
	}
}

func TestDispatcher(t *testing.T) {
	t.Parallel()
	d, err := startDispatcher(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.close)

	const event = `{"version":"v1","type":"trigger_event","body":{"meta":{"triggerId":"x"},` +
		`"output":{"ticket":{"id":7}},"log":"polled\n"}}`
	cases := []struct {
		name, method, ctype, body string
		want                      int
	}{
		{"event", http.MethodPost, "application/json", event, http.StatusOK},
		{"charset", http.MethodPost, "application/json; charset=utf-8", event, http.StatusOK},
		{"get", http.MethodGet, "", "", http.StatusMethodNotAllowed},
		{"form", http.MethodPost, "text/plain", event, http.StatusBadRequest},
		{"action envelope", http.MethodPost, "application/json",
			`{"version":"v1","type":"action_event","body":{}}`, http.StatusBadRequest},
		{"not json", http.MethodPost, "application/json", "{", http.StatusBadRequest},
	}
	for _, c := range cases {
		req, err := http.NewRequestWithContext(t.Context(), c.method, d.url,
			strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		if c.ctype != "" {
			req.Header.Set("Content-Type", c.ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d", c.name, resp.StatusCode, c.want)
		}
	}

	events, bad := d.received()
	if len(events) != 2 || len(bad) != 3 {
		t.Fatalf("received %d events and %d bad requests, want 2 and 3", len(events),
			len(bad))
	}
	want := map[string]any{"ticket": map[string]any{"id": float64(7)}}
	if diff := cmp.Diff(want, events[0].Body.Output); diff != "" {
		t.Errorf("event output (-want +got):\n%s", diff)
	}
	if _, err := d.waitEvent(t.Context(), 1, time.Second, nil); err == nil {
		t.Error("waitEvent returned no error although bad requests arrived")
	}
}

func TestDispatcherWaitEnds(t *testing.T) {
	t.Parallel()
	d, err := startDispatcher(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.close)

	if _, err := d.waitEvent(t.Context(), 1, time.Millisecond, nil); err == nil ||
		!strings.Contains(err.Error(), "no event within") {
		t.Errorf("waitEvent without events = %v, want a timeout", err)
	}
	exited := make(chan struct{})
	close(exited)
	if _, err := d.waitEvent(t.Context(), 1, time.Minute, exited); err == nil ||
		!strings.Contains(err.Error(), "exited") {
		t.Errorf("waitEvent after the trigger exited = %v, want an error saying so", err)
	}
}

func TestEventLine(t *testing.T) {
	t.Parallel()
	ev := func(id float64, old, cur string, meta map[string]any) triggerEvent {
		var e triggerEvent
		e.Body.Meta = meta
		e.Body.Output = map[string]any{
			"ticket":          map[string]any{"id": id, "summary": "Suspicious login"},
			"old_status_name": old, "new_status_name": cur,
		}
		return e
	}
	cases := []struct {
		name          string
		ev            triggerEvent
		line, problem string
	}{
		{"expected", ev(1002, "New", "In Progress", demoMeta),
			`ticket 1002 "Suspicious login" New -> In Progress`, ""},
		{"other ticket", ev(1003, "New", "In Progress", demoMeta),
			`ticket 1003 "Suspicious login" New -> In Progress`, "ticket 1003, want 1002"},
		{"other move", ev(1002, "In Progress", "Closed", demoMeta),
			`ticket 1002 "Suspicious login" In Progress -> Closed`,
			"want the move from New to In Progress"},
		{"meta lost", ev(1002, "New", "In Progress", nil),
			`ticket 1002 "Suspicious login" New -> In Progress`,
			"meta map[], want the start message's map[triggerId:haloitsm-demo]"},
	}
	for _, c := range cases {
		line, problem := eventLine(c.ev, 1002)
		if line != c.line || problem != c.problem {
			t.Errorf("%s: eventLine = %q, %q; want %q, %q", c.name, line, problem, c.line,
				c.problem)
		}
	}
}
