package haloitsm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	iconhaloitsm "github.com/haloconnect/icon-haloitsm"
	"github.com/haloconnect/icon-haloitsm/emulator"
	"github.com/haloconnect/icon-haloitsm/icon/runtime"
	"github.com/haloconnect/icon-haloitsm/icon/spec"
)

// Canary values: a connection secret and a webhook password that must
// never come out of the plugin, whatever fails.
const (
	canarySecret   = "CANARY-client-secret-5f1e0c7a"
	canaryPassword = "CANARY-webhook-password-9b2d"
)

// bearerRe finds an Authorization header value in any text.
var bearerRe = regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9._~+/=-]{8,}`)

// canaryMode is one way the world can be when a step runs.
type canaryMode struct {
	name string
	// setup prepares the front (and may swap the connection) before each
	// step; nil leaves HaloITSM healthy.
	setup func(f *canaryFront, conn map[string]any)
	// badInput replaces the input with values of the wrong type.
	badInput bool
}

// canaryModes are the success path and every failure the plugin handles.
func canaryModes() []canaryMode {
	api := func(status int) func(*canaryFront, map[string]any) {
		return func(f *canaryFront, _ map[string]any) {
			f.script(repeat(status, 50)...)
		}
	}
	return []canaryMode{
		{name: "ok"},
		{name: "bad_input", badInput: true},
		{name: "api_400", setup: api(400)},
		{name: "api_401", setup: api(401)},
		{name: "api_403", setup: api(403)},
		{name: "api_404", setup: api(404)},
		{name: "api_429", setup: api(429)},
		{name: "api_500", setup: api(500)},
		{name: "api_503", setup: api(503)},
		{name: "token_401", setup: func(f *canaryFront, _ map[string]any) { f.tokenStatus(401) }},
		{name: "token_500", setup: func(f *canaryFront, _ map[string]any) { f.tokenStatus(500) }},
		{name: "wrong_secret", setup: func(_ *canaryFront, conn map[string]any) {
			conn["client_secret"] = map[string]any{"secretKey": canarySecret + "-wrong"}
		}},
		{name: "unreachable", setup: func(f *canaryFront, conn map[string]any) {
			conn["authorization_server"] = f.deadURL + "/auth"
			conn["resource_server"] = f.deadURL + "/api"
		}},
		{name: "tls_untrusted", setup: func(f *canaryFront, conn map[string]any) {
			conn["authorization_server"] = f.tlsURL + "/auth"
			conn["resource_server"] = f.tlsURL + "/api"
		}},
	}
}

func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// canaryFront is a front (see metrics_test.go) that also serves TLS with
// an untrusted certificate, knows a closed port, and records the bearer
// tokens the plugin sent, so that the test can look for them too.
type canaryFront struct {
	*front
	tlsURL  string
	deadURL string

	mu     sync.Mutex
	tokens map[string]bool
}

func newCanaryFront(t *testing.T) *canaryFront {
	t.Helper()
	f := &canaryFront{front: newFront(t, canarySecret, ""), tokens: map[string]bool{}}
	rec := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok &&
			strings.EqualFold(scheme, "Bearer") {
			f.mu.Lock()
			f.tokens[tok] = true
			f.mu.Unlock()
		}
		f.ServeHTTP(w, r)
	})
	hs := httptest.NewServer(rec)
	t.Cleanup(hs.Close)
	f.emu.SetBaseURL(hs.URL)
	f.url = hs.URL
	ts := httptest.NewUnstartedServer(rec)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	ts.StartTLS()
	t.Cleanup(ts.Close)
	f.tlsURL = ts.URL

	var lc net.ListenConfig
	ln, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.deadURL = "http://" + ln.Addr().String()
	ln.Close()
	return f
}

func (f *canaryFront) tokenStatus(status int) {
	f.front.mu.Lock()
	defer f.front.mu.Unlock()
	f.token = status
}

func (f *canaryFront) reset() {
	f.script()
	f.tokenStatus(0)
}

// canaries returns every value that must not appear: the secret, the
// webhook password and every access token the plugin has used so far.
func (f *canaryFront) canaries() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []string{canarySecret, canaryPassword}
	for tok := range f.tokens {
		out = append(out, tok)
	}
	return out
}

// checkLeaks fails the test if text holds a canary or a bearer header.
func checkLeaks(t *testing.T, where string, text string, canaries []string) {
	t.Helper()
	for _, l := range leaks(text, canaries) {
		t.Errorf("%s: %s in:\n%s", where, l, text)
	}
}

// leaks describes each canary, and the first Authorization header value,
// found in text, without repeating the secret in full.
func leaks(text string, canaries []string) []string {
	var out []string
	for _, c := range canaries {
		if strings.Contains(text, c) {
			out = append(out, fmt.Sprintf("secret %.10s... appears", c))
		}
	}
	if m := bearerRe.FindString(text); m != "" {
		out = append(out, fmt.Sprintf("authorization header %.12s... appears", m))
	}
	return out
}

func TestLeaksFindsCanariesAndBearerTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want int
	}{
		{"clean log line", 0},
		{"error: secret=" + canarySecret, 1},
		{`{"input":{"webhook_password":"` + canaryPassword + `"}}`, 1},
		{"tok-abc123456 leaked", 1},
		{"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.x", 1},
		{"token_type Bearer", 0},
	}
	for _, tt := range tests {
		if got := leaks(tt.text, []string{canarySecret, canaryPassword, "tok-abc123456"}); len(got) != tt.want {
			t.Errorf("leaks(%q) = %q, want %d findings", tt.text, got, tt.want)
		}
	}
}

// goodInputs are inputs with which each action succeeds against a
// healthy emulator; ids are filled in per run. An action missing here
// still runs every mode, with its spec sample input.
func goodInputs(f *canaryFront) map[string]map[string]any {
	ticket := func() int { return f.emu.CreateTicket(map[string]any{"summary": "canary"}) }
	closed := ticket()
	if err := f.emu.ChangeStatus(closed, 9, "closed"); err != nil {
		panic(err)
	}
	return map[string]map[string]any{
		"create_ticket":     {"summary": "canary ticket", "details": "d"},
		"update_ticket":     {"ticket_id": ticket(), "summary": "changed"},
		"get_ticket":        {"ticket_id": ticket()},
		"search_tickets":    {"search": "canary"},
		"close_ticket":      {"ticket_id": ticket()},
		"reopen_ticket":     {"ticket_id": closed, "note": "again"},
		"assign_ticket":     {"ticket_id": ticket(), "agent_name": "API Integration"},
		"delete_ticket":     {"ticket_id": ticket()},
		"add_comment":       {"ticket_id": ticket(), "comment": "noted"},
		"list_ticket_notes": {"ticket_id": ticket()},
		"get_user":          {"user_id": -1},
		"get_agent":         {"agent_id": emulator.DefaultLoginAgentID},
		"parse_webhook": {"body": map[string]any{"id": "d-1", "event": "ticket updated",
			"object_id": ticket()}},
	}
}

// wrongTypes returns input with every parameter of c set to a value of
// the wrong type (an object nested in a list), plus the canary password
// where a password parameter is, so that an input error echoing values
// would show it.
func wrongTypes(c spec.Component) map[string]any {
	in := map[string]any{}
	for _, p := range c.Input {
		in[p.ID] = []any{map[string]any{"x": canaryPassword}}
	}
	return in
}

// triggerInput is a trigger input that sets the webhook password.
func canaryTriggerInput(sp *spec.Spec, c spec.Component) map[string]any {
	in := sp.SampleInput(c.Input)
	in["source"] = "webhook"
	in["webhook_username"] = "halo"
	in["webhook_password"] = canaryPassword
	return in
}

// TestNoSecretLeaks runs every action and every trigger's test from
// plugin.spec.yaml, in every mode of canaryModes, through runtime.Run
// with --debug (stdout and stderr) and through the HTTP mode handler,
// and fails if the client secret, the webhook password or an access
// token appears in anything the plugin writes.
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	sp, err := spec.Parse(iconhaloitsm.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(sp.Actions) == 0 || len(sp.Triggers) == 0 {
		t.Fatalf("spec has %d actions and %d triggers", len(sp.Actions), len(sp.Triggers))
	}

	for _, mode := range canaryModes() {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			for _, transport := range []string{"run", "http"} {
				runCanaryMode(t, sp, mode, transport)
			}
		})
	}
}

// runCanaryMode runs every step of sp in one mode over one transport:
// every action, the connection test (the same for every action, so it
// runs once, through the first action's test) and every trigger's test.
func runCanaryMode(t *testing.T, sp *spec.Spec, mode canaryMode, transport string) {
	f := newCanaryFront(t)
	good := goodInputs(f)

	type step struct {
		kind, name string
		test       bool
		input      map[string]any
	}
	var steps []step
	for _, a := range sp.Actions {
		in := sp.SampleInput(a.Input)
		switch {
		case mode.badInput:
			in = wrongTypes(a)
		case good[a.ID] != nil:
			in = good[a.ID]
		}
		steps = append(steps, step{kind: "action", name: a.ID, input: in})
	}
	steps = append(steps, step{kind: "action", name: sp.Actions[0].ID, test: true,
		input: sp.SampleInput(sp.Actions[0].Input)})
	for _, tr := range sp.Triggers {
		in := canaryTriggerInput(sp, tr)
		if mode.badInput {
			in = wrongTypes(tr)
		}
		steps = append(steps, step{kind: "trigger", name: tr.ID, test: true, input: in})
	}

	// HTTP mode serves every step from one handler, as in production;
	// run mode builds the plugin per step, as each process does.
	opts := Options{MaxRetryElapsed: 50 * time.Millisecond}
	h, err := runtime.Handler(newPlugin(opts))
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range steps {
		f.reset()
		conn := f.conn(canarySecret)
		// A 429 pauses every client of that HaloITSM tenant in the
		// process; a tenant per step keeps the steps apart.
		conn["tenant"] = fmt.Sprintf("canary-%d", i)
		if mode.setup != nil {
			mode.setup(f, conn)
		}
		where := fmt.Sprintf("%s %s %s (test %v) in mode %s", transport, st.kind, st.name,
			st.test, mode.name)
		body := map[string]any{st.kind: st.name, "meta": map[string]any{"jobId": "canary"},
			"connection": conn, "input": st.input}
		if st.kind == "trigger" {
			body["dispatcher"] = map[string]any{"url": "", "webhook_url": ""}
		}
		msg, err := json.Marshal(map[string]any{"version": "v1",
			"type": st.kind + "_start", "body": body})
		if err != nil {
			t.Fatal(err)
		}

		var out string
		var env envelopeBody
		switch transport {
		case "run":
			cmd := "run"
			if st.test {
				cmd = "test"
			}
			var stdout, stderr bytes.Buffer
			runtime.Run(t.Context(), newPlugin(opts), []string{"--debug", cmd},
				bytes.NewReader(msg), &stdout, &stderr)
			out = stdout.String() + "\n" + stderr.String()
			env = readEnvelope(stdout.Bytes())
		case "http":
			route := "/api/v1/" + st.kind + "s/" + st.name
			if st.test {
				route += "/test"
			}
			req := httptest.NewRequestWithContext(t.Context(), "POST", route,
				bytes.NewReader(msg))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			out = rec.Body.String()
			env = readEnvelope(rec.Body.Bytes())
		}
		checkLeaks(t, where, out, f.canaries())

		// The test is only as good as the paths it reached: a healthy
		// run of an action with a known-good input must succeed, a
		// failing HaloITSM must fail every step that calls it, and bad
		// input must fail every action that takes input.
		calls := st.test || st.name != "parse_webhook"
		switch {
		case mode.name == "ok":
			if st.kind == "action" && good[st.name] != nil && env.Status != "ok" {
				t.Errorf("%s: status %q, want ok:\n%s", where, env.Status, out)
			}
		case mode.badInput:
			c := sp.Action(st.name)
			if !st.test && c != nil && len(c.Input) > 0 && env.Status != "error" {
				t.Errorf("%s: status %q, want error:\n%s", where, env.Status, out)
			}
		case calls && env.Status != "error" &&
			(mode.name != "api_404" || env.Output["found"] != false):
			// A 404 is an answer, not a failure, for the actions that
			// report found false.
			t.Errorf("%s: status %q, want error:\n%s", where, env.Status, out)
		}
	}
	if mode.name == "ok" {
		canariesIncludeTokens(t, f)
	}
}

// canariesIncludeTokens is checked after the healthy mode: without the
// tokens the plugin used, the test would not be looking for them.
func canariesIncludeTokens(t *testing.T, f *canaryFront) {
	t.Helper()
	if n := len(f.canaries()) - 2; n == 0 {
		t.Error("no access token was recorded; the token canaries are missing")
	}
}

// envelopeBody is the part of a result envelope the test checks.
type envelopeBody struct {
	Status string         `json:"status"`
	Output map[string]any `json:"output"`
}

// readEnvelope decodes a result envelope's body; a zero value when b is
// not one.
func readEnvelope(b []byte) envelopeBody {
	var env struct {
		Body envelopeBody `json:"body"`
	}
	_ = json.Unmarshal(b, &env)
	return env.Body
}
