package haloitsm

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/haloconnect/icon-haloitsm/halo"
)

// Params are the connection parameters of plugin.spec.yaml, by spec id.
// The zero value of an optional field means "not set".
type Params struct {
	ClientID            string    `json:"client_id"`
	ClientSecret        SecretKey `json:"client_secret"`
	AuthorizationServer string    `json:"authorization_server"`
	ResourceServer      string    `json:"resource_server"`
	Tenant              string    `json:"tenant"`
	SSLVerify           *bool     `json:"ssl_verify,omitempty"`
	DefaultTicketTypeID int       `json:"default_ticket_type_id,omitempty"`
	DefaultPriorityID   int       `json:"default_priority_id,omitempty"`
	DefaultTeamID       int       `json:"default_team_id,omitempty"`
	DefaultAgentID      int       `json:"default_agent_id,omitempty"`
	DefaultCategoryID   int       `json:"default_category_id,omitempty"`
	DefaultClientID     int       `json:"default_client_id,omitempty"`
	DefaultSiteID       int       `json:"default_site_id,omitempty"`
	Scope               string    `json:"scope,omitempty"`
	RequestTimeout      int       `json:"request_timeout,omitempty"`
	CACertificate       string    `json:"ca_certificate,omitempty"`
	RequestsPer5Minutes int       `json:"requests_per_5_minutes,omitempty"`
	// RateLimitWindowSeconds is the window RequestsPer5Minutes counts
	// over; not set means 300, Halo's.
	RateLimitWindowSeconds int    `json:"rate_limit_window_seconds,omitempty"`
	NoteOutcome            string `json:"note_outcome,omitempty"`
	ClosedStatus           string `json:"closed_status,omitempty"`
}

// SecretKey is the client secret as the platform sends it,
// {"secretKey": "..."}. A bare JSON string is accepted too, as the
// predecessor plugin did. It never encodes or prints its value.
type SecretKey struct{ halo.Secret }

// UnmarshalJSON implements json.Unmarshaler.
func (s *SecretKey) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		s.Secret = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("client_secret: not a string")
		}
		s.Secret = halo.Secret(v)
		return nil
	}
	var obj struct {
		SecretKey *string `json:"secretKey"`
	}
	if err := json.Unmarshal(b, &obj); err != nil || obj.SecretKey == nil {
		return fmt.Errorf(`client_secret: want {"secretKey": "..."}`)
	}
	s.Secret = halo.Secret(*obj.SecretKey)
	return nil
}

// MarshalJSON encodes the secret in the platform's shape with the value
// redacted.
func (s SecretKey) MarshalJSON() ([]byte, error) {
	return []byte(`{"secretKey":"REDACTED"}`), nil
}

// maxRateWindowSeconds bounds rate_limit_window_seconds (one day).
const maxRateWindowSeconds = 86400

// settingsError is a connection parameter that cannot work, found before
// any request is made.
type settingsError struct {
	Field string
	msg   string
}

func (e *settingsError) Error() string { return "connection: " + e.Field + ": " + e.msg }

// haloConfig checks p and returns the halo client configuration it
// describes. Errors name the connection field (its spec id) and never
// quote the secret.
func (p Params) haloConfig() (halo.Config, error) {
	bad := func(field, format string, args ...any) (halo.Config, error) {
		return halo.Config{}, &settingsError{Field: field, msg: fmt.Sprintf(format, args...)}
	}
	if strings.TrimSpace(p.ClientID) == "" {
		return bad("client_id", "is required")
	}
	if p.ClientSecret.Reveal() == "" {
		return bad("client_secret", "is required")
	}
	if err := checkServerURL(p.AuthorizationServer); err != nil {
		return bad("authorization_server", "%v", err)
	}
	if err := checkServerURL(p.ResourceServer); err != nil {
		return bad("resource_server", "%v", err)
	}
	if !strings.HasSuffix(strings.ToLower(strings.TrimRight(p.ResourceServer, "/ ")), "/api") {
		return bad("resource_server", "must end in /api, e.g. https://example.haloitsm.com/api")
	}
	if strings.ContainsAny(strings.TrimSpace(p.Tenant), "/?#&= \t") {
		return bad("tenant", "must be the plain tenant name shown in HaloITSM, e.g. example")
	}
	if p.RequestTimeout < 0 || p.RequestTimeout > 600 {
		return bad("request_timeout", "must be between 1 and 600 seconds (got %d)", p.RequestTimeout)
	}
	if p.RequestsPer5Minutes < 0 || p.RequestsPer5Minutes > 100000 {
		return bad("requests_per_5_minutes", "must be between 1 and 100000 (got %d)",
			p.RequestsPer5Minutes)
	}
	if p.RateLimitWindowSeconds < 0 || p.RateLimitWindowSeconds > maxRateWindowSeconds {
		return bad("rate_limit_window_seconds", "must be between 1 and %d seconds (got %d)",
			maxRateWindowSeconds, p.RateLimitWindowSeconds)
	}
	window := 5 * time.Minute
	if p.RateLimitWindowSeconds > 0 {
		window = time.Duration(p.RateLimitWindowSeconds) * time.Second
	}
	var caPEM []byte
	if ca := strings.TrimSpace(p.CACertificate); ca != "" {
		// The platform's text fields sometimes carry literal \n.
		ca = strings.ReplaceAll(ca, `\n`, "\n")
		if blk, _ := pem.Decode([]byte(ca)); blk == nil || blk.Type != "CERTIFICATE" {
			return bad("ca_certificate", "is not a PEM encoded certificate "+
				"(-----BEGIN CERTIFICATE----- ...)")
		}
		caPEM = []byte(ca)
	}

	cfg := halo.Config{
		AuthURL:            strings.TrimSpace(p.AuthorizationServer),
		ResourceURL:        strings.TrimRight(strings.TrimSpace(p.ResourceServer), "/"),
		ClientID:           strings.TrimSpace(p.ClientID),
		ClientSecret:       p.ClientSecret.Secret,
		Tenant:             strings.TrimSpace(p.Tenant),
		Scope:              p.Scope,
		CACertPEM:          caPEM,
		InsecureSkipVerify: p.SSLVerify != nil && !*p.SSLVerify,
		RequestTimeout:     time.Duration(p.RequestTimeout) * time.Second,
		RateLimit:          p.RequestsPer5Minutes,
		RateWindow:         window,
	}
	return cfg, nil
}

func checkServerURL(raw string) error {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return fmt.Errorf("is required")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("is not a valid URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("must start with https://")
	case u.Host == "":
		return fmt.Errorf("has no host name")
	case u.User != nil:
		return fmt.Errorf("must not contain a user name or password")
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("must not contain a query (?...) or fragment (#...)")
	}
	return nil
}

// agentBaseURL is the agent web interface's base: the resource server
// without its /api suffix.
func agentBaseURL(resource string) string {
	r := strings.TrimRight(strings.TrimSpace(resource), "/")
	if strings.HasSuffix(strings.ToLower(r), "/api") {
		r = r[:len(r)-len("/api")]
	}
	return r
}
