package halo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func validConfig() Config {
	return Config{
		AuthURL:      "https://acme.haloitsm.example/auth",
		ResourceURL:  "https://acme.haloitsm.example/api",
		ClientID:     "id",
		ClientSecret: testSecret,
	}
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		mod       func(*Config)
		wantField string
	}{
		{"missing auth url", func(c *Config) { c.AuthURL = "" }, "AuthURL"},
		{"auth url not http", func(c *Config) { c.AuthURL = "ftp://x/auth" }, "AuthURL"},
		{"auth url with userinfo", func(c *Config) { c.AuthURL = "https://u:p@x/auth" },
			"AuthURL"},
		{"auth url with query", func(c *Config) { c.AuthURL = "https://x/auth?tenant=a" },
			"AuthURL"},
		{"missing resource url", func(c *Config) { c.ResourceURL = "" }, "ResourceURL"},
		{"resource url without api", func(c *Config) { c.ResourceURL = "https://x/" },
			"ResourceURL"},
		{"resource url without host", func(c *Config) { c.ResourceURL = "https:///api" },
			"ResourceURL"},
		{"missing client id", func(c *Config) { c.ClientID = " " }, "ClientID"},
		{"missing secret", func(c *Config) { c.ClientSecret = "" }, "ClientSecret"},
		{"tenant with slash", func(c *Config) { c.Tenant = "a/b" }, "Tenant"},
		{"negative timeout", func(c *Config) { c.RequestTimeout = -1 }, "RequestTimeout"},
		{"negative retry bound", func(c *Config) { c.MaxRetryElapsed = -1 }, "MaxRetryElapsed"},
		{"negative rate limit", func(c *Config) { c.RateLimit = -1 }, "RateLimit"},
		{"negative window", func(c *Config) { c.RateWindow = -1 }, "RateWindow"},
		{"bad idempotency field", func(c *Config) { c.IdempotencyField = "a b" },
			"IdempotencyField"},
		{"bad ca pem", func(c *Config) { c.CACertPEM = []byte("not a cert") }, "CACertPEM"},
		{"tls option with custom transport", func(c *Config) {
			c.InsecureSkipVerify = true
			c.HTTPClient = &http.Client{Transport: roundTripFunc(nil)}
		}, "HTTPClient"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := validConfig()
			tt.mod(&cfg)
			_, err := New(cfg)
			if err == nil {
				t.Fatalf("New succeeded, want an error naming %s", tt.wantField)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("error %v does not match ErrInvalidConfig", err)
			}
			if !strings.HasPrefix(err.Error(), "halo: config: "+tt.wantField+": ") {
				t.Errorf("error = %q, want it to name %s", err, tt.wantField)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error shows the secret: %q", err)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestNewAppliesDefaults(t *testing.T) {
	t.Parallel()
	cfg := validConfig()
	cfg.AuthURL += "/"
	cfg.ResourceURL += "/"
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	got := c.cfg
	want := []any{"https://acme.haloitsm.example/auth", "https://acme.haloitsm.example/api",
		"all", DefaultRequestTimeout, DefaultMaxRetryElapsed, 300, DefaultRateWindow,
		"rapid7_ticketrrn", DefaultUserAgent}
	have := []any{got.AuthURL, got.ResourceURL, got.Scope, got.RequestTimeout,
		got.MaxRetryElapsed, got.RateLimit, got.RateWindow, got.IdempotencyField, got.UserAgent}
	for i := range want {
		if want[i] != have[i] {
			t.Errorf("default %d = %v, want %v", i, have[i], want[i])
		}
	}
	if c.tokens.conf.TokenURL != "https://acme.haloitsm.example/auth/token" {
		t.Errorf("token URL = %q", c.tokens.conf.TokenURL)
	}
	tr, ok := c.hc.Transport.(*http.Transport)
	if !ok || tr.TLSClientConfig == nil || tr.TLSClientConfig.InsecureSkipVerify ||
		tr.TLSClientConfig.RootCAs != nil {
		t.Errorf("TLS must verify against the system roots by default")
	}
}

func TestInsecureSkipVerifyIsLoggedLoudly(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	cfg := validConfig()
	cfg.InsecureSkipVerify = true
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, nil))
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if !strings.Contains(buf.String(), "level=WARN") ||
		!strings.Contains(buf.String(), "TLS CERTIFICATE VERIFICATION IS OFF") {
		t.Errorf("log = %q, want a warning", buf.String())
	}
	tr, ok := c.hc.Transport.(*http.Transport)
	if !ok || !tr.TLSClientConfig.InsecureSkipVerify {
		t.Errorf("transport does not skip verification")
	}
	if http.DefaultTransport.(*http.Transport).TLSClientConfig != nil &&
		http.DefaultTransport.(*http.Transport).TLSClientConfig.InsecureSkipVerify {
		t.Errorf("http.DefaultTransport was modified")
	}
}

func TestSecretNeverRenders(t *testing.T) {
	t.Parallel()
	cfg := validConfig()
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("cfg", "secret", cfg.ClientSecret,
		"config", cfg)
	// Config itself cannot be JSON-encoded (its *http.Client has func
	// fields), so encode the secret as a caller's own struct would.
	jsonOut, err := json.Marshal(struct {
		ClientID     string
		ClientSecret Secret
	}{cfg.ClientID, cfg.ClientSecret})
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	outputs := map[string]string{
		"%v": fmt.Sprintf("%v", cfg), "%+v": fmt.Sprintf("%+v", cfg),
		"%#v": fmt.Sprintf("%#v", cfg), "%s": fmt.Sprintf("%s", cfg.ClientSecret),
		"%q": fmt.Sprintf("%q", cfg.ClientSecret), "%x": fmt.Sprintf("%x", cfg.ClientSecret),
		"slog": logBuf.String(), "json": string(jsonOut),
	}
	for name, out := range outputs {
		if strings.Contains(out, testSecret) || strings.Contains(out, fmt.Sprintf("%x", testSecret)) {
			t.Errorf("%s shows the secret: %s", name, out)
		}
		if !strings.Contains(out, "REDACTED") {
			t.Errorf("%s lacks REDACTED: %s", name, out)
		}
	}
	if cfg.ClientSecret.Reveal() != testSecret {
		t.Errorf("Reveal() lost the value")
	}
}
