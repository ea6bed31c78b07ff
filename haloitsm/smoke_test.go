package haloitsm

import (
	"bytes"
	"strings"
	"testing"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

func TestSmoke(t *testing.T) {
	t.Parallel()
	for _, env := range []string{"staging", "production"} {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			srv := emulator.NewTestServer(t, emulator.Config{ClientID: "smoke",
				ClientSecret: testSecret, Tenant: "acme"})
			vars := map[string]string{EnvClientID: "smoke", EnvClientSecret: testSecret,
				EnvAuthServer: srv.AuthURL(), EnvResourceServer: srv.APIURL(), EnvTenant: "acme"}
			live := func() int {
				n := 0
				for _, tk := range srv.Tickets() {
					if tk["deleted"] != true {
						n++
					}
				}
				return n
			}
			before := live()
			var out bytes.Buffer
			err := RunSmoke(t.Context(), &out, func(k string) string { return vars[k] }, env)
			if err != nil {
				t.Fatalf("RunSmoke: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "VERDICT: PASS") {
				t.Errorf("no PASS verdict:\n%s", out.String())
			}
			if env == "staging" && len(srv.Tickets()) != 1 {
				t.Errorf("staging smoke created %d tickets, want 1", len(srv.Tickets()))
			}
			if strings.Contains(out.String(), testSecret) {
				t.Errorf("the secret appears in the smoke output")
			}
			for _, r := range srv.Requests() {
				write := r.Method != "GET" && !strings.HasPrefix(r.Path, "/auth")
				if env == "production" && write {
					t.Errorf("production smoke sent %s %s", r.Method, r.Path)
				}
			}
			if n := live(); n != before {
				t.Errorf("tickets before %d, after %d: the smoke ticket was left behind", before, n)
			}
		})
	}
}

func TestSmokeFailsOnBadCredentials(t *testing.T) {
	t.Parallel()
	srv := emulator.NewTestServer(t, emulator.Config{})
	vars := map[string]string{EnvClientID: "x", EnvClientSecret: "wrong",
		EnvAuthServer: srv.AuthURL(), EnvResourceServer: srv.APIURL()}
	var out bytes.Buffer
	err := RunSmoke(t.Context(), &out, func(k string) string { return vars[k] }, "staging")
	if err == nil || !strings.Contains(out.String(), "VERDICT: FAIL") {
		t.Errorf("RunSmoke err = %v, output:\n%s", err, out.String())
	}
	if err := RunSmoke(t.Context(), &out, func(string) string { return "" }, "staging"); err == nil ||
		!strings.Contains(err.Error(), "set HALO_AUTH_SERVER, HALO_CLIENT_ID") {
		t.Errorf("missing variables error = %v", err)
	}
}
