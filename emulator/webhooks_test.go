package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

// receiver records the webhook requests it gets.
type receiver struct {
	srv    *httptest.Server
	status int

	mu   sync.Mutex
	reqs []received
}

type received struct {
	user, pass string
	hasAuth    bool
	header     http.Header
	body       []byte
}

func newReceiver(t *testing.T, status int) *receiver {
	t.Helper()
	r := &receiver{status: status}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		u, p, ok := req.BasicAuth()
		r.mu.Lock()
		r.reqs = append(r.reqs, received{u, p, ok, req.Header.Clone(), b})
		r.mu.Unlock()
		w.WriteHeader(r.status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) got() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

func waitDeliveries(t *testing.T, s *emulator.Server, n int) []emulator.Delivery {
	t.Helper()
	ctx, cancel := contextWithTimeout(t, 10*time.Second)
	defer cancel()
	d, err := s.WaitDeliveries(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var timestampRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$`)

func TestWebhookFullPayloadWithBasicAuth(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, 200)
	s := emulator.NewTestServer(t, emulator.Config{})
	hookID, err := s.AddWebhook(emulator.Webhook{URL: rcv.srv.URL + "/hook", Username: "halo",
		Password: "hook-pass"})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s).login("all")
	id := num(t, obj(t, c.call("POST", "/Tickets", `[{"summary":"hooked","team":"Security"}]`, 201))["id"])
	c.call("POST", "/Actions", `[{"ticket_id":`+itoa(id)+`,"outcome_id":11,"note":"done"}]`, 201)
	c.call("POST", "/Tickets", `[{"id":`+itoa(id)+`,"summary":"renamed"}]`, 201)

	ds := waitDeliveries(t, s, 3)
	var events []string
	for _, d := range ds {
		events = append(events, d.Event)
		if d.Status != 200 || d.Err != "" || d.Attempts != 1 || d.WebhookID != hookID || d.ObjectID != id {
			t.Errorf("delivery %+v", d)
		}
	}
	want := []string{"new ticket logged", "ticket status changed", "ticket updated"}
	if diff := cmp.Diff(want, events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	reqs := rcv.got()
	if len(reqs) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(reqs))
	}
	for _, r := range reqs {
		if !r.hasAuth || r.user != "halo" || r.pass != "hook-pass" {
			t.Errorf("basic auth = %v %q", r.hasAuth, r.user)
		}
		for k := range r.header {
			if regexp.MustCompile(`(?i)signature|hmac|digest`).MatchString(k) {
				t.Errorf("unexpected signature header %s", k)
			}
		}
	}
	var body map[string]any
	if err := json.Unmarshal(reqs[1].body, &body); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "webhook_id", "notification_id", "escmsg_id", "event",
		"message", "object_id", "agent_id", "timestamp", "ticket"} {
		if _, ok := body[k]; !ok {
			t.Errorf("payload lacks %s", k)
		}
	}
	if !timestampRE.MatchString(body["timestamp"].(string)) {
		t.Errorf("timestamp %q lacks 7 fractional digits and Z", body["timestamp"])
	}
	if body["message"] != "The status has been changed for Ticket ID: 0001001." {
		t.Errorf("message %q", body["message"])
	}
	tk := body["ticket"].(map[string]any)
	if tk["hasbeenclosed"] != true || tk["status_id"] != 9.0 || tk["team_id"] != 4.0 {
		t.Errorf("ticket in payload = %v", tk)
	}
	if _, ok := tk["datecreated"]; !ok {
		t.Error("full payload lacks datecreated")
	}
}

func TestWebhookModesAndEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode     string
		events   []string
		wantKeys []string // top-level keys
		want     []string // events delivered
	}{
		{emulator.ModeEventOnly, nil, []string{"event", "id", "object_id", "webhook_id"},
			[]string{"new ticket logged", "ticket status changed", "ticket updated"}},
		{emulator.ModeSmall, []string{emulator.EventStatusChanged},
			[]string{"agent_id", "escmsg_id", "event", "id", "message", "notification_id",
				"object_id", "ticket", "timestamp", "webhook_id"},
			[]string{"ticket status changed"}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			rcv := newReceiver(t, 204)
			s := emulator.NewTestServer(t, emulator.Config{})
			if _, err := s.AddWebhook(emulator.Webhook{URL: rcv.srv.URL, Mode: tt.mode,
				Events: tt.events}); err != nil {
				t.Fatal(err)
			}
			// Changes "made in the UI" fire like API changes.
			id := mustCreate(t, s, map[string]any{"summary": "ui"})
			if err := s.ChangeStatus(id, 28, "waiting"); err != nil {
				t.Fatal(err)
			}
			if err := s.UpdateTicket(id, map[string]any{"summary": "ui 2"}); err != nil {
				t.Fatal(err)
			}
			ds := waitDeliveries(t, s, len(tt.want))
			var got []string
			for _, d := range ds {
				got = append(got, d.Event)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			var body map[string]any
			if err := json.Unmarshal(rcv.got()[0].body, &body); err != nil {
				t.Fatal(err)
			}
			keys := slices.Sorted(func(yield func(string) bool) {
				for k := range body {
					if !yield(k) {
						return
					}
				}
			})
			if diff := cmp.Diff(tt.wantKeys, keys); diff != "" {
				t.Errorf("payload keys (-want +got):\n%s", diff)
			}
			if tt.mode == emulator.ModeSmall {
				tk := body["ticket"].(map[string]any)
				if _, ok := tk["datecreated"]; ok || tk["status_id"] != 28.0 {
					t.Errorf("small ticket = %v", tk)
				}
			}
		})
	}
}

func TestWebhookBatching(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, 200)
	s := emulator.NewTestServer(t, emulator.Config{})
	if _, err := s.AddWebhook(emulator.Webhook{URL: rcv.srv.URL, Batch: true,
		BatchWindow: 200 * time.Millisecond, Events: []string{emulator.EventCreated}}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s).login("all")
	c.call("POST", "/Tickets", `[{"summary":"a"},{"summary":"b"},{"summary":"c"}]`, 201)

	ds := waitDeliveries(t, s, 3)
	reqs := rcv.got()
	if len(reqs) != 1 {
		t.Fatalf("receiver got %d requests, want one batch", len(reqs))
	}
	var batch []map[string]any
	if err := json.Unmarshal(reqs[0].body, &batch); err != nil {
		t.Fatalf("batched body is not an array: %v", err)
	}
	if len(batch) != 3 {
		t.Errorf("batch holds %d events, want 3", len(batch))
	}
	for _, d := range ds {
		if d.BatchSize != 3 {
			t.Errorf("delivery %s batch size %d", d.ID, d.BatchSize)
		}
	}
}

func TestWebhookFailuresAreRetriedAndLogged(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, 503)
	s := emulator.NewTestServer(t, emulator.Config{})
	if _, err := s.AddWebhook(emulator.Webhook{URL: rcv.srv.URL, Retries: 2}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, map[string]any{"summary": "fails"})
	d := waitDeliveries(t, s, 1)[0]
	if d.Status != 503 || d.Attempts != 3 || d.Err == "" {
		t.Errorf("delivery %+v, want 503 after 3 attempts with an error", d)
	}
	if n := len(rcv.got()); n != 3 {
		t.Errorf("receiver got %d attempts, want 3", n)
	}
}

func TestAddWebhookRejectsBadConfig(t *testing.T) {
	t.Parallel()
	s := emulator.New(emulator.Config{})
	defer s.Close()
	for _, w := range []emulator.Webhook{
		{URL: "http://192.0.2.1/hook"},
		{URL: "ftp://127.0.0.1/hook"},
		{URL: "http://127.0.0.1:9/hook", Mode: "huge"},
		{URL: "http://127.0.0.1:9/hook", Events: []string{"deleted"}},
	} {
		if _, err := s.AddWebhook(w); err == nil {
			t.Errorf("AddWebhook(%+v) succeeded", w)
		}
	}
}

// TestCloseCancelsPendingDeliveries checks that Close returns promptly
// while a receiver hangs, leaving no goroutine behind (goleak runs in
// TestMain).
func TestCloseCancelsPendingDeliveries(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)

	s, err := emulator.Listen("127.0.0.1:0", emulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddWebhook(emulator.Webhook{URL: hang.URL}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, map[string]any{"summary": "pending"})
	time.Sleep(50 * time.Millisecond) // let the delivery start
	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return while a delivery hung")
	}
}
