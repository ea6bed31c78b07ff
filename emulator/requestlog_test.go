package emulator_test

import (
	"strings"
	"testing"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

func TestRequestLogRedactsSecrets(t *testing.T) {
	t.Parallel()
	s := emulator.NewTestServer(t, emulator.Config{ClientSecret: "super-secret-value",
		ClientID: "cid"})
	c := newClient(t, s)
	c.tokenRequest(map[string][]string{"grant_type": {"client_credentials"}, "client_id": {"cid"},
		"client_secret": {"super-secret-value"}, "scope": {"all"}}, "client_secret=super-secret-value")
	code, body := c.tokenRequest(map[string][]string{"grant_type": {"client_credentials"},
		"client_id": {"cid"}, "client_secret": {"super-secret-value"}, "scope": {"all"}}, "")
	if code != 200 {
		t.Fatalf("token: %d %s", code, body)
	}
	c.token = strings.Split(strings.Split(string(body), `"access_token":"`)[1], `"`)[0]
	c.call("GET", "/Tickets?pageinate=true", "", 200)
	c.do("POST", "/Tickets", `[{"summary":"`+strings.Repeat("x", 10000)+`"}]`)
	c.do("POST", "/Webhook", `[{"name":"w","basic_password":"hook-secret"}]`)

	reqs := s.Requests()
	if len(reqs) != 5 {
		t.Fatalf("%d requests logged, want 5", len(reqs))
	}
	for _, r := range reqs {
		all := r.Method + r.Path + r.Query + r.Body
		for _, secret := range []string{"super-secret-value", "hook-secret", c.token} {
			if strings.Contains(all, secret) {
				t.Errorf("secret %.8q... in log entry %+v", secret, r)
			}
		}
		if len(r.Body) > 4200 {
			t.Errorf("body of %d bytes logged", len(r.Body))
		}
	}
	if !strings.Contains(reqs[0].Body, "client_secret=REDACTED") || reqs[0].Status != 200 {
		t.Errorf("token entry = %+v", reqs[0])
	}
	if reqs[2].Method != "GET" || reqs[2].Path != "/api/Tickets" || reqs[2].Query != "pageinate=true" {
		t.Errorf("list entry = %+v", reqs[2])
	}
	if !strings.HasSuffix(reqs[3].Body, "...(truncated)") || reqs[3].Status != 201 {
		t.Errorf("large body entry: status %d, suffix %q", reqs[3].Status, reqs[3].Body[len(reqs[3].Body)-20:])
	}
	s.ResetRequests()
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d entries after ResetRequests", n)
	}
}
