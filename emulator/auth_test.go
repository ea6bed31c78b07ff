package emulator_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{Username: "agent", Password: "pw"})
	good := func(mod func(url.Values)) url.Values {
		v := url.Values{"grant_type": {"client_credentials"},
			"client_id": {emulator.DefaultClientID}, "client_secret": {emulator.DefaultClientSecret},
			"scope": {"all"}}
		if mod != nil {
			mod(v)
		}
		return v
	}
	tests := []struct {
		name      string
		form      url.Values
		wantCode  int
		wantError string // OAuth error code; empty for success
		wantScope string
	}{
		{"client credentials", good(nil), 200, "", "all"},
		{"narrow scopes", good(func(v url.Values) { v.Set("scope", "read:tickets edit:tickets") }),
			200, "", "read:tickets edit:tickets"},
		{"wrong secret", good(func(v url.Values) { v.Set("client_secret", "nope") }),
			400, "invalid_client", ""},
		{"wrong client", good(func(v url.Values) { v.Set("client_id", "nope") }),
			400, "invalid_client", ""},
		{"read:users does not exist", good(func(v url.Values) { v.Set("scope", "all read:users") }),
			400, "invalid_scope", ""},
		{"read:agents does not exist", good(func(v url.Values) { v.Set("scope", "read:agents") }),
			400, "invalid_scope", ""},
		{"missing scope", good(func(v url.Values) { v.Del("scope") }), 400, "invalid_scope", ""},
		{"unsupported grant", good(func(v url.Values) { v.Set("grant_type", "authorization_code") }),
			400, "unsupported_grant_type", ""},
		{"password grant", url.Values{"grant_type": {"password"}, "client_id": {emulator.DefaultClientID},
			"username": {"agent"}, "password": {"pw"}, "scope": {"all"}}, 200, "", "all"},
		{"password grant wrong password", url.Values{"grant_type": {"password"},
			"client_id": {emulator.DefaultClientID}, "username": {"agent"}, "password": {"x"},
			"scope": {"all"}}, 400, "invalid_grant", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, s)
			code, body := c.tokenRequest(tt.form, "")
			if code != tt.wantCode {
				t.Fatalf("status %d, want %d: %s", code, tt.wantCode, body)
			}
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("body %q is not JSON: %v", body, err)
			}
			if tt.wantError != "" {
				if got["error"] != tt.wantError || got["error_description"] == "" {
					t.Errorf("body = %v, want error %q with a description", got, tt.wantError)
				}
				return
			}
			for _, k := range []string{"access_token", "refresh_token", "id_token"} {
				if s, _ := got[k].(string); s == "" {
					t.Errorf("%s missing in %v", k, got)
				}
			}
			want := map[string]any{"token_type": "Bearer", "expires_in": 3600.0,
				"scope": tt.wantScope, "resource": ""}
			for k, v := range want {
				if diff := cmp.Diff(v, got[k]); diff != "" {
					t.Errorf("%s (-want +got):\n%s", k, diff)
				}
			}
		})
	}
}

func TestTokenRequestShape(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{})
	hc := newClient(t, s).hc
	form := "grant_type=client_credentials&client_id=" + emulator.DefaultClientID +
		"&client_secret=" + emulator.DefaultClientSecret + "&scope=all"

	req, err := http.NewRequestWithContext(t.Context(), "POST", s.AuthURL()+"/token",
		strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("JSON content type: status %d, want 400", resp.StatusCode)
	}
	req, err = http.NewRequestWithContext(t.Context(), "GET", s.AuthURL()+"/token", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d, want 405", resp.StatusCode)
	}
	if n := s.TokensIssued(); n != 0 {
		t.Errorf("TokensIssued = %d, want 0", n)
	}
}

func TestTokenTenant(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{Tenant: "acme"})
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {emulator.DefaultClientID},
		"client_secret": {emulator.DefaultClientSecret}, "scope": {"all"}}
	withTenant := url.Values{}
	for k, v := range form {
		withTenant[k] = v
	}
	withTenant.Set("tenant", "acme")
	wrongTenant := url.Values{}
	for k, v := range form {
		wrongTenant[k] = v
	}
	wrongTenant.Set("tenant", "other")

	tests := []struct {
		name     string
		form     url.Values
		query    string
		wantCode int
	}{
		{"tenant in query", form, "tenant=acme", 200},
		{"tenant in form", withTenant, "", 200},
		{"no tenant", form, "", 500},
		{"wrong tenant in query", form, "tenant=other", 500},
		{"wrong tenant in form", wrongTenant, "", 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, body := newClient(t, s).tokenRequest(tt.form, tt.query)
			if code != tt.wantCode {
				t.Fatalf("status %d, want %d", code, tt.wantCode)
			}
			if code == 500 && (!strings.HasPrefix(string(body), "<!DOCTYPE html>") || len(body) < 10000) {
				t.Errorf("500 body is not a large HTML page (%d bytes)", len(body))
			}
		})
	}
}

func TestTokenHTML500Fault(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{Faults: emulator.Faults{TokenHTML500: true}})
	c := newClient(t, s)
	code, body := c.tokenRequest(url.Values{"grant_type": {"client_credentials"},
		"client_id": {emulator.DefaultClientID}, "client_secret": {emulator.DefaultClientSecret},
		"scope": {"all"}}, "")
	if code != 500 || !strings.Contains(string(body), "<html") {
		t.Fatalf("status %d, body %.60q; want an HTML 500", code, body)
	}
	s.SetFaults(emulator.Faults{})
	c.login("all")
}

func TestTokenExpiry(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := emulator.NewTestServer(t, emulator.Config{TokenTTL: 10 * time.Minute, Now: clock.Now})
	c := newClient(t, s).login("all")

	c.call("GET", "/Status", "", 200)
	clock.Advance(10*time.Minute - time.Second)
	c.call("GET", "/Status", "", 200)
	clock.Advance(time.Second)
	resp, _ := c.do("GET", "/Status", "")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after TTL: status %d, want 401", resp.StatusCode)
	}

	c.login("all")
	c.call("GET", "/Status", "", 200)
	s.ExpireTokens()
	if resp, _ := c.do("GET", "/Status", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after ExpireTokens: status %d, want 401", resp.StatusCode)
	}
	if n := s.TokensIssued(); n != 2 {
		t.Errorf("TokensIssued = %d, want 2", n)
	}
}

func TestAPIAuthentication(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{Tenant: "acme"})
	c := newClient(t, s)

	for _, tok := range []string{"", "not-a-token"} {
		c.token = tok
		if resp, _ := c.do("GET", "/Tickets", ""); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("token %q: status %d, want 401", tok, resp.StatusCode)
		}
	}
	c.token = ""
	info := obj(t, c.call("GET", "/AuthInfo", "", 200))
	want := map[string]any{"auth_url": s.AuthURL(), "tenant_id": "acme"}
	if diff := cmp.Diff(want, info); diff != "" {
		t.Errorf("AuthInfo (-want +got):\n%s", diff)
	}
}

func TestScopeEnforcement(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{})
	id := mustCreate(t, s, map[string]any{"summary": "scoped"})
	tests := []struct {
		scope        string
		method, path string
		body         string
		want         int
	}{
		{"read:tickets", "GET", "/Tickets", "", 200},
		{"read:tickets", "GET", "/Actions?ticket_id=" + itoa(id), "", 200},
		{"read:tickets", "POST", "/Tickets", `[{"summary":"x"}]`, 403},
		{"edit:tickets", "POST", "/Tickets", `[{"summary":"x"}]`, 201},
		{"read:tickets read:customers", "GET", "/Agent", "", 403},
		{"read:tickets read:customers", "GET", "/Status", "", 403},
		{"read:tickets read:customers", "GET", "/Team", "", 403},
		{"read:tickets read:customers", "GET", "/Client", "", 200},
		{"read:customers", "GET", "/Tickets", "", 403},
		{"admin", "GET", "/Agent", "", 200},
		{"all", "GET", "/Agent/me", "", 200},
		{"all:standard", "GET", "/Status", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.scope+" "+tt.method+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, s).login(tt.scope)
			if resp, b := c.do(tt.method, tt.path, tt.body); resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tt.want, b)
			}
		})
	}
}

func TestRoutesAreCaseInsensitive(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{})
	id := mustCreate(t, s, map[string]any{"summary": "case"})
	c := newClient(t, s).login("all")
	for _, p := range []string{"/Tickets", "/tickets", "/TICKETS", "/tickets/" + itoa(id),
		"/Tickets/" + itoa(id), "/actions?ticket_id=" + itoa(id), "/Actions?TICKET_ID=" + itoa(id),
		"/agent", "/Agent/ME", "/status", "/STATUS", "/tickettype", "/TicketType"} {
		if resp, b := c.do("GET", p, ""); resp.StatusCode != 200 {
			t.Errorf("GET %s: status %d: %s", p, resp.StatusCode, b)
		}
	}
	if resp, _ := c.do("GET", "/NoSuchThing", ""); resp.StatusCode != 404 {
		t.Errorf("unknown route: status %d, want 404", resp.StatusCode)
	}
}

// TestExpireTokensWhileServing expires tokens while requests are being
// authenticated; under the race detector it fails if the expiry is read
// outside the server's lock.
func TestExpireTokensWhileServing(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{})
	c := newClient(t, s).login("all")

	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				s.ExpireTokens()
			}
		}
	}()
	for range 50 {
		resp, _ := c.do("GET", "/Status", "")
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d, want 200 or 401", resp.StatusCode)
		}
	}
	close(stop)
	<-done
	if resp, _ := c.do("GET", "/Status", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after ExpireTokens: status %d, want 401", resp.StatusCode)
	}
}
