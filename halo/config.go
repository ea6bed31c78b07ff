package halo

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultScope            = "all"
	DefaultRequestTimeout   = 30 * time.Second
	DefaultMaxRetryElapsed  = 2 * time.Minute
	DefaultRateLimit        = 300
	DefaultRateWindow       = 5 * time.Minute
	DefaultIdempotencyField = "rapid7_ticketrrn"
	DefaultUserAgent        = "haloconnect-halo-go/3"
)

// Config configures a Client. AuthURL, ResourceURL, ClientID and
// ClientSecret are required; every other field has a default.
type Config struct {
	// AuthURL is the authorization server, as shown under Configuration >
	// Integrations > Halo API ("https://<tenant>.haloitsm.com/auth").
	// Tokens are requested from AuthURL + "/token".
	AuthURL string

	// ResourceURL is the resource server and must end in /api
	// ("https://<tenant>.haloitsm.com/api").
	ResourceURL string

	// ClientID and ClientSecret identify the API application
	// ("Client ID and Secret (Services)").
	ClientID     string
	ClientSecret Secret

	// Tenant is sent as the tenant query parameter of token requests
	// when set; hosted instances that share an authorization server need
	// it.
	Tenant string

	// Scope is the space-separated OAuth2 scope; default "all".
	Scope string

	// HTTPClient sends every request. Its Timeout should be zero: the
	// client applies RequestTimeout to each attempt itself. Nil means a
	// client built from http.DefaultTransport's settings. When CACertPEM
	// or InsecureSkipVerify is set, HTTPClient's Transport must be nil or
	// an *http.Transport; it is cloned, never modified.
	HTTPClient *http.Client

	// CACertPEM holds extra PEM-encoded CA certificates trusted in
	// addition to the system roots (for self-hosted Halo behind a private
	// CA).
	CACertPEM []byte

	// InsecureSkipVerify turns off TLS certificate verification. It
	// exists for test systems only and is logged at Warn level when the
	// client is built.
	InsecureSkipVerify bool

	// RequestTimeout bounds each attempt (not the whole call, which the
	// caller's context and MaxRetryElapsed bound); default 30s.
	RequestTimeout time.Duration

	// MaxRetryElapsed bounds the total time spent retrying one call,
	// counted from its first attempt; default 2m. A wait that would end
	// past the bound is not started: the last error is returned instead.
	// It bounds retry waits and waits for the tenant's pause after a 429
	// (a pause that would end past the bound fails the call at once with
	// an error matching ErrRateLimited), not waits for the rolling rate
	// budget (see RateLimit).
	MaxRetryElapsed time.Duration

	// RateLimit and RateWindow set the client-side budget: at most
	// RateLimit API requests in any rolling RateWindow; defaults 300 and
	// 5m, Halo's hosted limit. Token requests are not counted. Clients
	// for the same ResourceURL and Tenant in one process share one
	// budget; the first client built for that pair fixes its size.
	//
	// A request that finds the budget spent waits, before it is sent,
	// until enough earlier requests have left the window: up to a whole
	// RateWindow. Only the caller's context bounds that wait
	// (MaxRetryElapsed does not); when the context ends, the call returns
	// the context's error without having sent the request. Callers that
	// need a shorter bound give the call a context with a deadline. A 429
	// pause of the tenant is different: MaxRetryElapsed bounds waits for
	// it too.
	RateLimit  int
	RateWindow time.Duration

	// Logger receives operational logs (requests, retries, waits, token
	// fetches); nil means silent. Bodies, tokens and secrets are never
	// logged.
	Logger *slog.Logger

	// Observer receives request metrics; nil means none.
	Observer Observer

	// Clock replaces the real clock for tests; nil means real time.
	Clock Clock

	// IdempotencyField is the ticket field that carries the idempotency
	// key of a created ticket; default "rapid7_ticketrrn". See
	// TicketsService.Create.
	IdempotencyField string

	// UserAgent is sent on every request; default DefaultUserAgent.
	UserAgent string
}

// ErrInvalidConfig is matched (errors.Is) by every error New returns for
// a bad Config.
var ErrInvalidConfig = errors.New("invalid config")

func configError(field, format string, args ...any) error {
	return fmt.Errorf("halo: config: %s: %s: %w", field, fmt.Sprintf(format, args...),
		ErrInvalidConfig)
}

// normalize validates c and returns a copy with defaults filled in, plus
// the parsed resource URL.
func (c Config) normalize() (Config, *url.URL, error) {
	authURL, err := parseBaseURL("AuthURL", c.AuthURL)
	if err != nil {
		return c, nil, err
	}
	c.AuthURL = authURL.String()

	resURL, err := parseBaseURL("ResourceURL", c.ResourceURL)
	if err != nil {
		return c, nil, err
	}
	if !strings.HasSuffix(strings.ToLower(resURL.Path), "/api") {
		return c, nil, configError("ResourceURL", "must end in /api (got %q)",
			sanitizeURL(resURL.String()))
	}
	c.ResourceURL = resURL.String()

	switch {
	case strings.TrimSpace(c.ClientID) == "":
		return c, nil, configError("ClientID", "is required")
	case c.ClientSecret.Reveal() == "":
		return c, nil, configError("ClientSecret", "is required")
	case strings.ContainsAny(c.Tenant, "/?#&= \t\r\n"):
		return c, nil, configError("Tenant", "must be a plain tenant name (got %q)", c.Tenant)
	case c.RequestTimeout < 0:
		return c, nil, configError("RequestTimeout", "must not be negative")
	case c.MaxRetryElapsed < 0:
		return c, nil, configError("MaxRetryElapsed", "must not be negative")
	case c.RateLimit < 0:
		return c, nil, configError("RateLimit", "must not be negative")
	case c.RateWindow < 0:
		return c, nil, configError("RateWindow", "must not be negative")
	}
	c.ClientID = strings.TrimSpace(c.ClientID)
	c.Tenant = strings.TrimSpace(c.Tenant)

	c.Scope = strings.Join(strings.Fields(c.Scope), " ")
	if c.Scope == "" {
		c.Scope = DefaultScope
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.MaxRetryElapsed == 0 {
		c.MaxRetryElapsed = DefaultMaxRetryElapsed
	}
	if c.RateLimit == 0 {
		c.RateLimit = DefaultRateLimit
	}
	if c.RateWindow == 0 {
		c.RateWindow = DefaultRateWindow
	}
	if c.IdempotencyField == "" {
		c.IdempotencyField = DefaultIdempotencyField
	}
	if !isFieldName(c.IdempotencyField) {
		return c, nil, configError("IdempotencyField",
			"must be a Halo field name of letters, digits and underscores (got %q)",
			c.IdempotencyField)
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.Clock == nil {
		c.Clock = realClock{}
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, resURL, nil
}

func parseBaseURL(field, raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, configError(field, "is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, configError(field, "is not a valid URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, configError(field, "must be an http or https URL (got %q)", sanitizeURL(raw))
	case u.Host == "":
		return nil, configError(field, "has no host (got %q)", sanitizeURL(raw))
	case u.User != nil:
		return nil, configError(field, "must not contain user information")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, configError(field, "must not have a query or fragment (got %q)",
			sanitizeURL(raw))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func isFieldName(s string) bool {
	for _, r := range s {
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !ok {
			return false
		}
	}
	return s != ""
}

// httpClient returns the *http.Client to use, applying the TLS settings.
func (c Config) httpClient() (*http.Client, error) {
	tlsWanted := len(c.CACertPEM) > 0 || c.InsecureSkipVerify
	if c.HTTPClient != nil && !tlsWanted {
		return c.HTTPClient, nil
	}

	var base *http.Transport
	hc := &http.Client{}
	if c.HTTPClient != nil {
		*hc = *c.HTTPClient
		switch t := c.HTTPClient.Transport.(type) {
		case nil:
		case *http.Transport:
			base = t
		default:
			return nil, configError("HTTPClient",
				"Transport must be nil or *http.Transport when CACertPEM or "+
					"InsecureSkipVerify is set (got %T)", t)
		}
	}
	if base == nil {
		base = http.DefaultTransport.(*http.Transport)
	}
	tr := base.Clone()
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}

	if len(c.CACertPEM) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(c.CACertPEM) {
			return nil, configError("CACertPEM", "holds no PEM-encoded certificate")
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	if c.InsecureSkipVerify {
		tr.TLSClientConfig.InsecureSkipVerify = true
	}
	hc.Transport = tr
	return hc, nil
}
