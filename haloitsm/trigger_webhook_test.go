package haloitsm

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/emulator"
	"github.com/haloconnect/icon-haloitsm/halo"
)

// post sends body to the receiver and returns the status and answer.
func post(t *testing.T, url, user, pass, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url,
		strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func event(id string, ticket int) string {
	return fmt.Sprintf(`{"id": %q, "event": "ticket updated", "object_id": %d}`, id, ticket)
}

func TestWebhookReceiverAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		method     string
		path       string
		user, pass string
		body       string
		want       int
		queued     int
	}{
		{"accepted", "POST", "/halo", "halo", "pw", event("a", 1), 200, 1},
		{"batch", "POST", "/halo", "halo", "pw",
			"[" + event("a", 1) + "," + event("b", 2) + "," + event("c", 3) + "]", 200, 3},
		{"no credentials", "POST", "/halo", "", "", event("a", 1), 401, 0},
		{"wrong password", "POST", "/halo", "halo", "pW", event("a", 1), 401, 0},
		{"wrong user", "POST", "/halo", "Halo", "pw", event("a", 1), 401, 0},
		{"other path", "POST", "/other", "halo", "pw", event("a", 1), 404, 0},
		{"GET", "GET", "/halo", "halo", "pw", "", 405, 0},
		{"too large", "POST", "/halo", "halo", "pw",
			`{"id": "a", "pad": "` + strings.Repeat("x", 2048) + `"}`, 413, 0},
		{"not JSON", "POST", "/halo", "halo", "pw", "id=1", 400, 0},
		{"not an object", "POST", "/halo", "halo", "pw", "[1, 2]", 400, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wr := newWebhookReceiver(webhookConfig{Path: "/halo", Username: "halo",
				Password: "pw", MaxBody: 1024}, nil)
			srv := httptest.NewServer(wr)
			defer srv.Close()
			req, _ := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+tt.path,
				strings.NewReader(tt.body))
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d (%s), want %d", resp.StatusCode, b, tt.want)
			}
			if resp.StatusCode == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if strings.Contains(string(b), "pw") {
				t.Errorf("answer %q contains the password", b)
			}
			if got := wr.pending(); got != tt.queued {
				t.Errorf("queued %d events, want %d", got, tt.queued)
			}
		})
	}
}

func TestWebhookReceiverWithoutAuthAcceptsAnyPath(t *testing.T) {
	t.Parallel()
	wr := newWebhookReceiver(webhookConfig{}, nil)
	srv := httptest.NewServer(wr)
	defer srv.Close()
	if code, _ := post(t, srv.URL+"/any/where", "", "", event("a", 1)); code != 200 {
		t.Errorf("status = %d, want 200", code)
	}
}

func TestWebhookReceiverDropsResentDeliveries(t *testing.T) {
	t.Parallel()
	wr := newWebhookReceiver(webhookConfig{}, nil)
	srv := httptest.NewServer(wr)
	defer srv.Close()

	for range 3 {
		if code, _ := post(t, srv.URL, "", "", event("same", 1)); code != 200 {
			t.Fatalf("status = %d, want 200 also for a resend", code)
		}
	}
	// A batch repeating an id, and one already seen.
	_, answer := post(t, srv.URL, "", "",
		"["+event("same", 1)+","+event("new", 2)+","+event("new", 2)+"]")
	if want := `{"accepted":1,"duplicates":2}`; strings.TrimSpace(answer) != want {
		t.Errorf("answer = %s, want %s", answer, want)
	}
	if got := wr.pending(); got != 2 {
		t.Errorf("queued %d events, want 2", got)
	}
}

func TestWebhookReceiverFullQueueAsksForResend(t *testing.T) {
	t.Parallel()
	wr := newWebhookReceiver(webhookConfig{QueueCap: 3}, nil)
	srv := httptest.NewServer(wr)
	defer srv.Close()

	post(t, srv.URL, "", "", "["+event("a", 1)+","+event("b", 2)+"]")
	code, _ := post(t, srv.URL, "", "", "["+event("c", 3)+","+event("d", 4)+"]")
	if code != http.StatusServiceUnavailable || wr.pending() != 2 {
		t.Fatalf("status %d with %d queued, want 503 and nothing of the batch queued",
			code, wr.pending())
	}
	// Refused deliveries are not remembered: the resend is accepted once
	// there is room.
	if _, err := wr.next(t.Context()); err != nil {
		t.Fatal(err)
	}
	wr.done()
	if code, _ := post(t, srv.URL, "", "", "["+event("c", 3)+","+event("d", 4)+"]"); code != 200 {
		t.Errorf("resend status = %d, want 200", code)
	}
}

func TestDeliverySetForgetsOldAndExcessIDs(t *testing.T) {
	t.Parallel()
	s := newDeliverySet(time.Hour, 3)
	for i, id := range []string{"a", "b", "c"} {
		s.add(id, t0.Add(time.Duration(i)*time.Minute))
	}
	if !s.has("a", t0.Add(5*time.Minute)) {
		t.Error("a forgotten too early")
	}
	s.add("d", t0.Add(6*time.Minute))
	if s.has("a", t0.Add(6*time.Minute)) || !s.has("b", t0.Add(6*time.Minute)) {
		t.Error("the oldest id must go first when the set is full")
	}
	if s.has("b", t0.Add(61*time.Minute)) || !s.has("c", t0.Add(61*time.Minute)) {
		t.Error("ids older than an hour must go, newer ones stay")
	}
	if s.Len() != 2 {
		t.Errorf("Len = %d, want 2 (c and d)", s.Len())
	}
}

// emulatorConn returns a connection to a new emulator.
func emulatorConn(t testing.TB, cfg emulator.Config) (*emulator.Server, *Connection) {
	t.Helper()
	srv := emulator.NewTestServer(t, cfg)
	c, err := NewConnection(Params{
		ClientID: emulator.DefaultClientID, ClientSecret: SecretKey{halo.Secret(
			emulator.DefaultClientSecret)},
		AuthorizationServer: srv.AuthURL(), ResourceServer: srv.APIURL(),
	}, Options{MaxRetryElapsed: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// collector gathers emitted events; safe for concurrent use.
type collector struct {
	mu  sync.Mutex
	got []ticketEvent
	ch  chan struct{}
}

func newCollector() *collector { return &collector{ch: make(chan struct{}, 1000)} }

func (c *collector) emit(_ context.Context, ev ticketEvent) error {
	c.mu.Lock()
	c.got = append(c.got, ev)
	c.mu.Unlock()
	c.ch <- struct{}{}
	return nil
}

// wait returns the first n events, failing the test after 10 seconds.
func (c *collector) wait(t *testing.T, n int) []ticketEvent {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		c.mu.Lock()
		if len(c.got) >= n {
			out := append([]ticketEvent(nil), c.got...)
			c.mu.Unlock()
			return out
		}
		c.mu.Unlock()
		select {
		case <-c.ch:
		case <-deadline:
			t.Fatalf("got %d events, want %d", len(c.got), n)
		}
	}
}

// The three payload modes and batching all give the same events; the
// event-only mode costs one GET of the ticket per event.
func TestWebhookModesGiveTheSameEvents(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{emulator.ModeFull, emulator.ModeSmall, emulator.ModeEventOnly} {
		for _, batch := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s batch=%v", mode, batch), func(t *testing.T) {
				t.Parallel()
				srv, c := emulatorConn(t, emulator.Config{})
				wr := newWebhookReceiver(webhookConfig{Username: "u", Password: "p"}, nil)
				hook := httptest.NewServer(wr)
				defer hook.Close()
				if _, err := srv.AddWebhook(emulator.Webhook{URL: hook.URL, Mode: mode,
					Batch: batch, Username: "u", Password: "p"}); err != nil {
					t.Fatal(err)
				}
				col := newCollector()
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan error, 1)
				go func() {
					done <- processWebhooks(ctx, wr, newTracker(0), c.webhookObservation,
						col.emit, nil)
				}()
				defer func() {
					cancel()
					if err := <-done; err != nil {
						t.Errorf("processWebhooks: %v", err)
					}
				}()

				id := srv.CreateTicket(map[string]any{"summary": "Phish", "details": "d"})
				col.wait(t, 1)
				if err := srv.ChangeStatus(id, 2, "working"); err != nil {
					t.Fatal(err)
				}
				col.wait(t, 2)
				if err := srv.UpdateTicket(id, map[string]any{"agent_id": 5}); err != nil {
					t.Fatal(err)
				}
				evs := col.wait(t, 3)

				type short struct {
					Created, StatusChanged bool
					Prev, New              int
					Fields                 []string
				}
				var got []short
				for _, ev := range evs {
					s := short{ev.created, ev.statusChanged, ev.prevStatus, ev.newStatus, nil}
					for _, ch := range ev.changes {
						s.Fields = append(s.Fields, ch.Field)
					}
					got = append(got, s)
					if ev.ticket["summary"] != "Phish" || ev.deliveryID == "" {
						t.Errorf("event ticket %v delivery %q: want the ticket and an id",
							ev.ticket, ev.deliveryID)
					}
				}
				want := []short{
					{Created: true, New: 1},
					{StatusChanged: true, Prev: 1, New: 2, Fields: []string{"status_id"}},
					{New: 2, Fields: []string{"agent_id"}},
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("events (-want +got):\n%s", d)
				}

				gets := 0
				for _, r := range srv.Requests() {
					if r.Method == "GET" && strings.HasPrefix(r.Path, "/api/Tickets/") {
						gets++
					}
				}
				if wantGets := map[bool]int{true: 3, false: 0}[mode == emulator.ModeEventOnly]; gets != wantGets {
					t.Errorf("ticket GETs = %d, want %d", gets, wantGets)
				}
			})
		}
	}
}

// While HaloITSM cannot be reached, an event-only delivery stays queued
// and is reported once HaloITSM answers again.
func TestWebhookEventWaitsForHalo(t *testing.T) {
	t.Parallel()
	srv, c := emulatorConn(t, emulator.Config{})
	id := srv.CreateTicket(map[string]any{"summary": "Phish"})
	wr := newWebhookReceiver(webhookConfig{}, nil)
	hook := httptest.NewServer(wr)
	defer hook.Close()

	srv.SetFaults(emulator.Faults{ErrorRatio: 1})
	if code, _ := post(t, hook.URL, "", "", fmt.Sprintf(
		`{"id": "d1", "event": "ticket status changed", "object_id": %d}`, id)); code != 200 {
		t.Fatalf("status = %d, want 200 while HaloITSM is down", code)
	}
	col := newCollector()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- processWebhooks(ctx, wr, newTracker(0), c.webhookObservation, col.emit, nil)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("processWebhooks: %v", err)
		}
	}()

	time.Sleep(3 * time.Second) // one failed attempt of the client's 2s budget
	if wr.pending() != 1 || len(col.got) != 0 {
		t.Fatalf("while down: %d queued, %d reported; want 1 and 0", wr.pending(), len(col.got))
	}
	srv.SetFaults(emulator.Faults{})
	evs := col.wait(t, 1)
	if evs[0].id != id || !evs[0].statusChanged {
		t.Errorf("event %+v, want the status change of ticket %d", evs[0], id)
	}
}

// An event-only delivery is completed from HaloITSM when it is processed,
// which after an outage is later than the change it reports. The ticket's
// "created" delivery then fetches the ticket already moved to its next
// status, and the status change's own delivery finds nothing new; the
// status change must still be reported, once.
func TestWebhookStatusChangeFetchedLateIsReported(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// outage makes HaloITSM fail every API call while the changes
		// are made and the worker already runs; without it the worker
		// starts only once both deliveries are queued.
		outage bool
	}{
		{name: "worker starts after both changes"},
		{name: "HaloITSM down during both changes", outage: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := emulatorConn(t, emulator.Config{})
			wr := newWebhookReceiver(webhookConfig{}, nil)
			hook := httptest.NewServer(wr)
			defer hook.Close()
			if _, err := srv.AddWebhook(emulator.Webhook{URL: hook.URL,
				Mode: emulator.ModeEventOnly}); err != nil {
				t.Fatal(err)
			}
			col := newCollector()
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			start := func() {
				go func() {
					done <- processWebhooks(ctx, wr, newTracker(0), c.webhookObservation,
						col.emit, nil)
				}()
			}
			defer func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("processWebhooks: %v", err)
				}
			}()

			if tt.outage {
				srv.SetFaults(emulator.Faults{ErrorRatio: 1})
				start()
			}
			id := srv.CreateTicket(map[string]any{"summary": "Phish"})
			if err := srv.ChangeStatus(id, 9, "done"); err != nil {
				t.Fatal(err)
			}
			waitDelivered(t, srv, 2)
			if tt.outage {
				srv.SetFaults(emulator.Faults{})
			} else {
				start()
			}
			evs := col.wait(t, 2)

			// A second status delivery of the same change (Halo can fire
			// "status changed" and "closed" for one move) is not reported
			// again.
			if code, _ := post(t, hook.URL, "", "", fmt.Sprintf(
				`{"id": "again", "event": "ticket closed", "object_id": %d}`, id)); code != 200 {
				t.Fatalf("second delivery answered %d, want 200", code)
			}
			waitIdle(t, wr)

			type short struct {
				Created, StatusChanged, Closed bool
				Prev, New                      int
				Fields                         []string
			}
			var got []short
			col.mu.Lock()
			evs = append(evs[:0:0], col.got...)
			col.mu.Unlock()
			for _, ev := range evs {
				s := short{ev.created, ev.statusChanged, ev.closedNow, ev.prevStatus,
					ev.newStatus, nil}
				for _, ch := range ev.changes {
					s.Fields = append(s.Fields, ch.Field)
				}
				got = append(got, s)
			}
			want := []short{
				{Created: true, New: 9},
				{StatusChanged: true, Closed: true, Prev: 1, New: 9,
					Fields: []string{"status_id", "hasbeenclosed"}},
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("events (-want +got):\n%s", d)
			}

			// What the status trigger sends for it.
			out, ok := c.eventOutput(t.Context(), triggerStatusChanged, eventFilter{}, &evs[1])
			if !ok || out["old_status_id"] != 1 || out["new_status_id"] != 9 {
				t.Errorf("ticket_status_changed output %v (sent %v), want old 1 new 9", out, ok)
			}
		})
	}
}

// waitDelivered waits until the emulator logged n webhook deliveries that
// the receiver accepted.
func waitDelivered(t *testing.T, srv *emulator.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok := 0
		for _, d := range srv.WebhookDeliveries() {
			if d.Status == http.StatusOK {
				ok++
			}
		}
		if ok >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d webhook deliveries accepted within 10s, want %d", ok, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitIdle waits until the receiver's queue is empty.
func waitIdle(t *testing.T, wr *webhookReceiver) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for wr.pending() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still queued after 10s", wr.pending())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
