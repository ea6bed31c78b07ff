package haloitsm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

// End-to-end trigger tests: the plugin binary runs as the platform runs
// it (`icon_haloitsm run` with a trigger_start message on stdin), changes
// are made "in HaloITSM" through the emulator, and a fake dispatcher
// records every event the trigger posts.

// e2eSecret is the emulator's client secret in these tests; it must never
// appear in anything the plugin writes or posts.
const e2eSecret = "e2e-secret-never-shown"

// buildTriggerPlugin builds cmd/icon_haloitsm into dir.
func buildTriggerPlugin(t testing.TB, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "icon_haloitsm")
	out, err := exec.CommandContext(t.Context(), "go", "build", "-o", bin,
		"../cmd/icon_haloitsm").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// dispatcher is a fake InsightConnect dispatcher. While down it answers
// 503 to every event.
type dispatcher struct {
	srv      *httptest.Server
	down     atomic.Bool
	refused  atomic.Int64
	mu       sync.Mutex
	events   []map[string]any
	raw      []string
	arrivals []time.Time
	notify   chan struct{}
}

func newDispatcher(t testing.TB) *dispatcher {
	d := &dispatcher{notify: make(chan struct{}, 1)}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(r.Body); err != nil {
			t.Errorf("dispatcher: read event: %v", err)
		}
		if d.down.Load() {
			d.refused.Add(1)
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var env struct {
			Type string `json:"type"`
			Body struct {
				Output map[string]any `json:"output"`
			} `json:"body"`
		}
		if err := json.Unmarshal(buf.Bytes(), &env); err != nil || env.Type != "trigger_event" {
			t.Errorf("dispatcher got %q (%v), want a trigger_event", buf.String(), err)
		}
		d.mu.Lock()
		d.events = append(d.events, env.Body.Output)
		d.raw = append(d.raw, buf.String())
		d.arrivals = append(d.arrivals, time.Now())
		d.mu.Unlock()
		select {
		case d.notify <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(func() {
		d.srv.Close()
		if t.Failed() {
			d.mu.Lock()
			defer d.mu.Unlock()
			t.Logf("dispatcher events:\n%s\nlast raw: %s", strings.Join(summaries(d.events), "\n"),
				strings.Join(d.raw[max(0, len(d.raw)-1):], ""))
		}
	})
	return d
}

// wait returns the events once there are at least n, failing the test at
// the deadline.
func (d *dispatcher) wait(t testing.TB, n int, within time.Duration) []map[string]any {
	t.Helper()
	deadline := time.After(within)
	for {
		d.mu.Lock()
		if len(d.events) >= n {
			out := append([]map[string]any(nil), d.events...)
			d.mu.Unlock()
			return out
		}
		got := len(d.events)
		d.mu.Unlock()
		select {
		case <-d.notify:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("dispatcher has %d events after %v, want %d", got, within, n)
		}
	}
}

func (d *dispatcher) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.events)
}

// lockedBuffer is a bytes.Buffer safe for the process's writes and the
// test's reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// triggerProc is a running trigger process.
type triggerProc struct {
	cmd            *exec.Cmd
	stdout, stderr *lockedBuffer
	done           chan error
}

// startTrigger runs trigger name with input, posting to d. The process is
// stopped with SIGTERM when the test ends and must exit 0 without having
// written the client secret anywhere.
func startTrigger(t testing.TB, bin string, srv *emulator.Server, d *dispatcher, name string,
	input map[string]any) *triggerProc {
	t.Helper()
	msg, err := json.Marshal(map[string]any{"version": "v1", "type": "trigger_start",
		"body": map[string]any{"trigger": name, "meta": map[string]any{"jobId": "e2e"},
			"connection": map[string]any{
				"client_id":              "e2e",
				"client_secret":          map[string]any{"secretKey": e2eSecret},
				"authorization_server":   srv.AuthURL(),
				"resource_server":        srv.APIURL(),
				"tenant":                 "",
				"requests_per_5_minutes": 300,
			},
			"dispatcher": map[string]any{"url": d.srv.URL}, "input": input}})
	if err != nil {
		t.Fatal(err)
	}
	p := &triggerProc{
		// The process outlives t.Context(), which ends before the cleanup
		// that stops it with SIGTERM.
		cmd: exec.CommandContext(context.WithoutCancel(t.Context()), bin, "run"), stdout: &lockedBuffer{},
		stderr: &lockedBuffer{}, done: make(chan error, 1)}
	p.cmd.Stdin = bytes.NewReader(msg)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Errorf("%s: SIGTERM: %v", name, err)
		}
		select {
		case err := <-p.done:
			if err != nil {
				t.Errorf("%s exited with %v\nstderr:\n%s", name, err, p.stderr.String())
			}
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			t.Errorf("%s did not stop within 10s of SIGTERM", name)
		}
		all := p.stdout.String() + p.stderr.String() + strings.Join(d.raw, "")
		if strings.Contains(all, e2eSecret) || strings.Contains(all, "hook-pass") {
			t.Errorf("%s: a secret appears in the plugin's output", name)
		}
		if t.Failed() {
			t.Logf("%s stdout:\n%s\nstderr:\n%s", name, p.stdout.String(), p.stderr.String())
		}
	})
	return p
}

// waitFor polls cond until it holds, failing the test at the deadline or
// when the trigger exits.
func (p *triggerProc) waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		select {
		case err := <-p.done:
			t.Fatalf("trigger exited (%v) before %s:\n%s", err, what, p.stdout.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// listRequests counts the ticket list requests the emulator answered.
func listRequests(srv *emulator.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "GET" && r.Path == "/api/Tickets" && r.Status == 200 {
			n++
		}
	}
	return n
}

// listening reports whether addr accepts TCP connections.
func listening(addr string) bool {
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// summary describes an event for comparison: trigger-specific fields and
// the ticket's id and status.
func summary(ev map[string]any) string {
	t, _ := ev["ticket"].(map[string]any)
	s := fmt.Sprintf("ticket=%d status=%d", num(t["id"]), num(t["status_id"]))
	for _, k := range []string{"event", "old_status_id", "new_status_id", "previous_status_id"} {
		if v, ok := ev[k]; ok {
			s += fmt.Sprintf(" %s=%v", k, v)
		}
	}
	if cs, ok := ev["changes"].([]any); ok {
		var fs []string
		for _, c := range cs {
			m, _ := c.(map[string]any)
			fs = append(fs, fmt.Sprint(m["field"]))
		}
		s += " changes=" + strings.Join(fs, ",")
	}
	return s
}

func summaries(evs []map[string]any) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = summary(ev)
	}
	return out
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	var lc net.ListenConfig
	ln, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// scenario makes the same changes for every end-to-end test, with a
// HaloITSM outage and a dispatcher outage in the middle, and returns the
// ticket ids. settle waits until the triggers have reported everything
// made so far.
func scenario(t *testing.T, srv *emulator.Server, ds []*dispatcher, settle func(n []int)) [2]int {
	t.Helper()
	created, updated, status := ds[0], ds[1], ds[2]

	a := srv.CreateTicket(map[string]any{"summary": "Phishing report", "tickettype_id": 1})
	settle([]int{1, 0, 0})
	if err := srv.ChangeStatus(a, 2, "picked up"); err != nil {
		t.Fatal(err)
	}
	settle([]int{1, 1, 1})

	// HaloITSM answers every API call with an error for a while; changes
	// made meanwhile are reported once it is back.
	srv.SetFaults(emulator.Faults{ErrorRatio: 1})
	b := srv.CreateTicket(map[string]any{"summary": "Second", "tickettype_id": 1})
	if err := srv.UpdateTicket(a, map[string]any{"agent_id": 5}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(6 * time.Second)
	srv.SetFaults(emulator.Faults{})
	settle([]int{2, 2, 1})

	// The dispatcher refuses events for a while; none is lost or doubled.
	for _, d := range ds {
		d.down.Store(true)
	}
	if err := srv.ChangeStatus(b, 9, "done"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for updated.refused.Load() == 0 || status.refused.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no trigger tried the dispatcher while it was down")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, d := range ds {
		d.down.Store(false)
	}
	settle([]int{2, 3, 2})
	_ = created
	return [2]int{a, b}
}

// wantEvents are the events scenario produces, per trigger.
func wantEvents(a, b int) [3][]string {
	return [3][]string{
		{
			fmt.Sprintf("ticket=%d status=1 event=created", a),
			fmt.Sprintf("ticket=%d status=1 event=created", b),
		},
		{
			fmt.Sprintf("ticket=%d status=2 event=status_changed previous_status_id=1 changes=status_id", a),
			fmt.Sprintf("ticket=%d status=2 event=updated changes=agent_id", a),
			fmt.Sprintf("ticket=%d status=9 event=closed previous_status_id=1 changes=status_id,hasbeenclosed", b),
		},
		{
			fmt.Sprintf("ticket=%d status=2 old_status_id=1 new_status_id=2", a),
			fmt.Sprintf("ticket=%d status=9 old_status_id=1 new_status_id=9", b),
		},
	}
}

var triggerNames = [3]string{triggerCreated, triggerUpdated, triggerStatusChanged}

func TestTriggersEndToEndPolling(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three trigger processes through outages for about half a minute")
	}
	t.Parallel()
	bin := buildTriggerPlugin(t, t.TempDir())
	srv := emulator.NewTestServer(t, emulator.Config{ClientID: "e2e", ClientSecret: e2eSecret})
	before := srv.CreateTicket(map[string]any{"summary": "before the start"})

	var ds []*dispatcher
	for _, name := range triggerNames {
		d := newDispatcher(t)
		ds = append(ds, d)
		p := startTrigger(t, bin, srv, d, name, map[string]any{"source": "poll", "interval": 5})
		// Each trigger's first poll records the tickets already there.
		polls := len(ds)
		p.waitFor(t, "first poll", 20*time.Second, func() bool { return listRequests(srv) >= polls })
	}
	if err := srv.UpdateTicket(before, map[string]any{"priority_id": 2}); err != nil {
		t.Fatal(err)
	}
	settle := func(n []int) {
		for i, d := range ds {
			if n[i] > 0 {
				d.wait(t, n[i]+map[bool]int{true: 1}[i == 1], 30*time.Second)
			}
		}
		// Every trigger polls once more before the next change: ticket_updated
		// without status_changed takes a ticket created and changed between
		// two polls as new only.
		time.Sleep(6 * time.Second)
	}
	ids := scenario(t, srv, ds, settle)

	// The last settle let every trigger poll again: nothing further came.
	want := wantEvents(ids[0], ids[1])
	// Polling sees the closing note the emulator's closing action wrote.
	want[1][2] += ",closure_note"
	// The ticket logged just before the start is an update, compared
	// with the state the first poll recorded.
	want[1] = append([]string{fmt.Sprintf("ticket=%d status=1 event=updated changes=priority_id",
		before)}, want[1]...)
	for i, d := range ds {
		d.mu.Lock()
		got := summaries(d.events)
		d.mu.Unlock()
		if diff := cmp.Diff(want[i], got); diff != "" {
			t.Errorf("%s events (-want +got):\n%s", triggerNames[i], diff)
		}
	}
}

func TestTriggersEndToEndWebhooks(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three trigger processes through outages for about fifteen seconds")
	}
	t.Parallel()
	bin := buildTriggerPlugin(t, t.TempDir())
	srv := emulator.NewTestServer(t, emulator.Config{ClientID: "e2e", ClientSecret: e2eSecret})

	modes := [3]struct {
		mode  string
		batch bool
	}{{emulator.ModeFull, true}, {emulator.ModeSmall, false}, {emulator.ModeEventOnly, false}}
	var ds []*dispatcher
	var hookURL string
	for i, name := range triggerNames {
		d := newDispatcher(t)
		ds = append(ds, d)
		port := freePort(t)
		p := startTrigger(t, bin, srv, d, name, map[string]any{"source": "webhook",
			"webhook_host": "127.0.0.1", "webhook_port": port, "webhook_path": "/halo",
			"webhook_username": "halo", "webhook_password": "hook-pass"})
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		p.waitFor(t, "webhook listener", 20*time.Second, func() bool { return listening(addr) })
		url := "http://" + addr + "/halo"
		if _, err := srv.AddWebhook(emulator.Webhook{URL: url, Mode: modes[i].mode,
			Batch: modes[i].batch, Username: "halo", Password: "hook-pass"}); err != nil {
			t.Fatal(err)
		}
		if name == triggerUpdated {
			hookURL = url
		}
	}
	settle := func(n []int) {
		for i, d := range ds {
			if n[i] > 0 {
				d.wait(t, n[i], 20*time.Second)
			}
		}
	}
	ids := scenario(t, srv, ds, settle)

	// HaloITSM resends a delivery from its log: it fires no second time.
	var last emulator.Delivery
	for _, dl := range srv.WebhookDeliveries() {
		if strings.HasSuffix(dl.Event, "status changed") && dl.Status == 200 {
			last = dl
		}
	}
	req, _ := http.NewRequestWithContext(t.Context(), "POST", hookURL, bytes.NewReader(last.Body))
	req.SetBasicAuth("halo", "hook-pass")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("resend answered %d, want 200", resp.StatusCode)
	}

	time.Sleep(2 * time.Second)
	want := wantEvents(ids[0], ids[1])
	for i, d := range ds {
		d.mu.Lock()
		got := summaries(d.events)
		d.mu.Unlock()
		if diff := cmp.Diff(want[i], got); diff != "" {
			t.Errorf("%s (%s) events (-want +got):\n%s", triggerNames[i], modes[i].mode, diff)
		}
	}
}
