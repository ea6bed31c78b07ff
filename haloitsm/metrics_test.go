package haloitsm

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/haloconnect/icon-haloitsm/emulator"
	"github.com/haloconnect/icon-haloitsm/halo"
	"github.com/haloconnect/icon-haloitsm/icon/runtime"
)

// front is an emulator behind a handler that can answer the next /api
// or token requests with a chosen status instead, so that a test reaches
// every HaloITSM failure the plugin handles.
type front struct {
	emu    *emulator.Server
	url    string
	tenant string

	mu    sync.Mutex
	api   []int // statuses for the next /api requests; 0 passes through
	token int   // status for every token request; 0 passes through
}

// newFront starts a front for an emulator whose application has client
// secret secret and which requires tenant (any tenant when empty).
func newFront(t *testing.T, secret, tenant string) *front {
	t.Helper()
	emu := emulator.New(emulator.Config{ClientID: "icon-test", ClientSecret: secret,
		Tenant: tenant})
	f := &front{emu: emu, tenant: tenant}
	hs := httptest.NewServer(f)
	t.Cleanup(func() {
		hs.Close()
		_ = emu.Close()
	})
	emu.SetBaseURL(hs.URL)
	f.url = hs.URL
	return f
}

// script makes the next len(statuses) /api requests answer those
// statuses (0 lets one through).
func (f *front) script(statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.api = statuses
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.ToLower(r.URL.Path)
	f.mu.Lock()
	status := 0
	switch {
	case strings.HasPrefix(path, "/auth/token"):
		status = f.token
	case strings.HasPrefix(path, "/api/") && len(f.api) > 0:
		status, f.api = f.api[0], f.api[1:]
	}
	f.mu.Unlock()
	if status == 0 {
		f.emu.Handler().ServeHTTP(w, r)
		return
	}
	if status == http.StatusTooManyRequests {
		// Without Retry-After the client pauses the tenant for 20s.
		w.Header().Set("Retry-After", "1")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"error":"scripted","error_description":"scripted failure"}`)
}

// conn returns connection parameters for f with client secret secret.
func (f *front) conn(secret string) map[string]any {
	return map[string]any{
		"client_id":            "icon-test",
		"client_secret":        map[string]any{"secretKey": secret},
		"authorization_server": f.url + "/auth",
		"resource_server":      f.url + "/api",
		"tenant":               f.tenant,
	}
}

// postStep sends one start message to the HTTP mode handler h and
// returns the answer's status and body.
func postStep(t *testing.T, h http.Handler, route, typ, key, name string,
	conn, input map[string]any) (int, string) {
	t.Helper()
	msg, err := json.Marshal(map[string]any{"version": "v1", "type": typ,
		"body": map[string]any{key: name, "meta": map[string]any{"jobId": "m1"},
			"connection": conn, "input": input}})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequestWithContext(t.Context(), "POST", route, bytes.NewReader(msg))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// scrape GETs /metrics from h and returns every sample, keyed by its
// series as exposed: name{label="value",...}.
func scrape(t *testing.T, h http.Handler) map[string]float64 {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), "GET", "/metrics", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("GET /metrics = %d: %s", rec.Code, rec.Body.String())
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad sample line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

func TestMetricsThroughHTTPMode(t *testing.T) {
	t.Parallel()
	const secret = "metrics-test-secret"
	f := newFront(t, secret, "acme")
	id := f.emu.CreateTicket(map[string]any{"summary": "watched"})
	h, err := runtime.Handler(newPlugin(Options{MaxRetryElapsed: 5 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	conn := f.conn(secret)

	before := scrape(t, h)
	// One 503 that the client retries, then a good answer.
	f.script(503)
	if code, body := postStep(t, h, "/api/v1/actions/get_ticket", "action_start", "action",
		"get_ticket", conn, map[string]any{"ticket_id": id}); code != 200 {
		t.Fatalf("get_ticket = %d: %s", code, body)
	}
	// A missing ticket: one 404, which get_ticket reports as found false.
	if code, body := postStep(t, h, "/api/v1/actions/get_ticket", "action_start", "action",
		"get_ticket", conn, map[string]any{"ticket_id": 999999}); code != 200 {
		t.Fatalf("get_ticket of a missing ticket = %d: %s", code, body)
	}
	// A 400, which is not retried and fails the step.
	f.script(400)
	if code, body := postStep(t, h, "/api/v1/actions/get_ticket", "action_start", "action",
		"get_ticket", conn, map[string]any{"ticket_id": id}); code == 200 {
		t.Fatalf("get_ticket answered 400 = %d: %s", code, body)
	}
	after := scrape(t, h)

	moved := func(series string) float64 { return after[series] - before[series] }
	got := map[string]float64{}
	for _, s := range []string{
		`icon_plugin_runs_total{kind="action",name="get_ticket",outcome="ok"}`,
		`icon_plugin_runs_total{kind="action",name="get_ticket",outcome="error"}`,
		`haloitsm_halo_requests_total{class="5xx",endpoint="/Tickets/{id}",method="GET"}`,
		`haloitsm_halo_requests_total{class="4xx",endpoint="/Tickets/{id}",method="GET"}`,
		`haloitsm_halo_retries_total{reason="503"}`,
		`haloitsm_halo_retries_total{reason="429"}`,
		`haloitsm_halo_token_fetches_total{outcome="ok"}`,
	} {
		got[s] = moved(s)
	}
	want := map[string]float64{
		`icon_plugin_runs_total{kind="action",name="get_ticket",outcome="ok"}`:            2,
		`icon_plugin_runs_total{kind="action",name="get_ticket",outcome="error"}`:         1,
		`haloitsm_halo_requests_total{class="5xx",endpoint="/Tickets/{id}",method="GET"}`: 1,
		`haloitsm_halo_requests_total{class="4xx",endpoint="/Tickets/{id}",method="GET"}`: 2,
		`haloitsm_halo_retries_total{reason="503"}`:                                       1,
		`haloitsm_halo_retries_total{reason="429"}`:                                       0,
		`haloitsm_halo_token_fetches_total{outcome="ok"}`:                                 1,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("metric changes (-want +got):\n%s", diff)
	}
	// 503, 200, 404 and 400: at least four attempts were timed.
	if n := moved(`haloitsm_halo_request_duration_seconds_count{method="GET"}`); n < 4 {
		t.Errorf("GET attempts timed = %v, want at least 4", n)
	}
	for s := range after {
		if strings.Contains(s, strconv.Itoa(id)) || strings.Contains(s, "999999") {
			t.Errorf("a ticket id became a label value: %s", s)
		}
	}
}

func TestMetricsCountTokenFailuresAndWebhooks(t *testing.T) {
	t.Parallel()
	reg, m, err := newRegistry()
	if err != nil {
		t.Fatal(err)
	}
	f := newFront(t, "right-secret", "acme")
	c, err := NewConnection(Params{ClientID: "icon-test", ClientSecret: SecretKey{halo.Secret("wrong-secret")},
		AuthorizationServer: f.url + "/auth", ResourceServer: f.url + "/api",
		Tenant: "acme"},
		Options{metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Client().Authenticate(t.Context()); err == nil {
		t.Fatal("Authenticate with a wrong secret succeeded")
	}

	wr := newWebhookReceiver(webhookConfig{Username: "u", Password: "p"}, nil)
	wr.metrics = m
	deliver := func(method, user, body string) {
		req := httptest.NewRequestWithContext(t.Context(), method, "/", strings.NewReader(body))
		if user != "" {
			req.SetBasicAuth(user, "p")
		}
		wr.ServeHTTP(httptest.NewRecorder(), req)
	}
	deliver("POST", "", "{}")        // unauthorized
	deliver("POST", "u", "not json") // bad body
	deliver("GET", "u", "")          // bad method
	m.triggerEvent(triggerCreated, eventDispatched)

	want := map[string]float64{
		`haloitsm_halo_token_fetches_total{outcome="refused"}`:                         1,
		`haloitsm_halo_token_fetches_total{outcome="ok"}`:                              0,
		`haloitsm_webhook_deliveries_total{outcome="unauthorized"}`:                    1,
		`haloitsm_webhook_deliveries_total{outcome="bad_body"}`:                        1,
		`haloitsm_webhook_deliveries_total{outcome="bad_method"}`:                      1,
		`haloitsm_webhook_deliveries_total{outcome="accepted"}`:                        0,
		`haloitsm_trigger_events_total{outcome="dispatched",trigger="ticket_created"}`: 1,
		`haloitsm_trigger_events_total{outcome="failed",trigger="ticket_created"}`:     0,
	}
	h := promHandler(reg)
	got := scrape(t, h)
	for s := range got {
		if _, ok := want[s]; !ok {
			delete(got, s)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
}

func TestEndpointOf(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"/api/Tickets", "/Tickets"},
		{"/api/Tickets/42", "/Tickets/{id}"},
		{"/halo/api/Tickets/42/extra", "/Tickets/{id}"},
		{"/api/Agent/me", "/Agent/me"},
		{"/api/Agent/Me", "/Agent/me"},
		{"/api/Users/abc", "/Users/{other}"},
		{"/api/Tick3ts", "/{other}"},
		{"/api/", "/"},
		{"", "/"},
		{"/Status", "/Status"},
	}
	for _, tt := range tests {
		if got := endpointOf(tt.in); got != tt.want {
			t.Errorf("endpointOf(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStatusClass(t *testing.T) {
	t.Parallel()
	tests := map[int]string{0: "error", 200: "2xx", 204: "2xx", 302: "3xx", 404: "4xx",
		503: "5xx", 600: "error", -1: "error"}
	for in, want := range tests {
		if got := statusClass(in); got != want {
			t.Errorf("statusClass(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestNilMetricsRecordNothing(t *testing.T) {
	t.Parallel()
	var m *metrics
	m.OnRequest("GET", "/api/Tickets", 200, time.Second)
	m.OnRetry("429", time.Second)
	m.OnTokenFetch(nil)
	m.OnRateLimitWait(time.Second)
	m.webhookDelivery(deliveryAccepted)
	m.triggerEvent(triggerCreated, eventDispatched)
}

// promHandler serves reg as HTTP mode's /metrics does.
func promHandler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}
