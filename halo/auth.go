package halo

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/singleflight"
)

// Token lifetime handling.
const (
	// assumedTokenLifetime is used when the token answer has no
	// expires_in; Halo's tokens usually last an hour.
	assumedTokenLifetime = time.Hour
	// maxTokenSkew is how long before expiry a token is renewed; short
	// tokens are renewed when a fifth of their life remains instead.
	maxTokenSkew = time.Minute
)

// TokenError is a failure to obtain an access token from the
// authorization server. It never contains the client secret.
type TokenError struct {
	// URL is the token endpoint, sanitised.
	URL string
	// StatusCode is the HTTP status of the answer, or 0 when none came.
	StatusCode int
	// Code is the OAuth2 error code (invalid_client, invalid_scope, …)
	// when the server sent one.
	Code string
	// Suspect names the setting most likely wrong, in words meant for a
	// user: "client id or client secret", "scope", "tenant or the API
	// application's login agent", "authorization URL", …
	Suspect string
	// Err is the underlying error; its text may come from the server.
	Err error

	transient bool
}

// Error implements error.
func (e *TokenError) Error() string {
	var b strings.Builder
	b.WriteString("get access token from ")
	b.WriteString(e.URL)
	b.WriteString(": ")
	switch {
	case e.Code != "":
		b.WriteString(e.Code)
	case e.StatusCode != 0:
		fmt.Fprintf(&b, "%d %s", e.StatusCode, strings.ToLower(http.StatusText(e.StatusCode)))
	default:
		b.WriteString(e.Err.Error())
	}
	if e.Suspect != "" {
		b.WriteString(" (check the ")
		b.WriteString(e.Suspect)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *TokenError) Unwrap() error { return e.Err }

// Is matches ErrUnauthorized when the credentials were refused,
// ErrForbidden on a 403, ErrRateLimited on a 429 and ErrUnavailable when
// the server failed or could not be reached.
func (e *TokenError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		switch e.Code {
		case "invalid_client", "unauthorized_client", "invalid_grant":
			return true
		}
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrUnavailable:
		return e.transient || e.StatusCode >= 500
	}
	return false
}

// accessToken is one cached token.
type accessToken struct {
	value     string
	refreshAt time.Time
}

// tokenCache holds the client's single access token. Concurrent callers
// share one fetch; each leaves on its own context while the fetch goes on
// for the others.
type tokenCache struct {
	conf     clientcredentials.Config
	hc       *http.Client
	clock    Clock
	timeout  time.Duration
	obs      Observer
	log      *slog.Logger
	secret   string
	tokenURL string // sanitised, for errors and logs

	group singleflight.Group

	mu  sync.Mutex
	cur *accessToken
}

func newTokenCache(cfg Config, hc *http.Client) *tokenCache {
	tokenURL := cfg.AuthURL + "/token"
	if cfg.Tenant != "" {
		tokenURL += "?" + url.Values{"tenant": {cfg.Tenant}}.Encode()
	}
	return &tokenCache{
		conf: clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret.Reveal(),
			TokenURL:     tokenURL,
			Scopes:       strings.Fields(cfg.Scope),
			AuthStyle:    oauth2.AuthStyleInParams,
		},
		hc:       hc,
		clock:    cfg.Clock,
		timeout:  cfg.RequestTimeout,
		obs:      cfg.Observer,
		log:      cfg.Logger,
		secret:   cfg.ClientSecret.Reveal(),
		tokenURL: sanitizeURL(tokenURL),
	}
}

// get returns a token that is not due for renewal, fetching one when
// needed. The error is a *TokenError or ctx's error.
func (tc *tokenCache) get(ctx context.Context) (*accessToken, error) {
	if t := tc.valid(); t != nil {
		return t, nil
	}

	// The fetch logs to the caller that started it; the others get its
	// result or error.
	log := loggerFrom(ctx, tc.log)
	ch := tc.group.DoChan("token", func() (any, error) {
		if t := tc.valid(); t != nil {
			return t, nil
		}
		return tc.fetch(log)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*accessToken), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (tc *tokenCache) valid() *accessToken {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.cur != nil && tc.clock.Now().Before(tc.cur.refreshAt) {
		return tc.cur
	}
	return nil
}

// invalidate drops t if it is still the current token, so that a 401
// seen by one request does not discard a token another request has just
// fetched.
func (tc *tokenCache) invalidate(t *accessToken) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.cur == t {
		tc.cur = nil
	}
}

// fetch runs one token request, logging to log. It is detached from any
// caller's context (it serves every waiting caller) and bounded by the
// request timeout.
func (tc *tokenCache) fetch(log *slog.Logger) (*accessToken, error) {
	ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
	defer cancel()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, tc.hc)

	start := tc.clock.Now()
	tok, err := tc.conf.Token(ctx)
	if err == nil && tok.AccessToken == "" {
		err = errors.New("answer carried no access token")
	}
	if err != nil {
		terr := tc.classify(err)
		tc.obs.OnTokenFetch(terr)
		log.Warn("halo: access token request failed",
			"path", pathOf(tc.conf.TokenURL), "status", terr.StatusCode,
			"error", terr.Error())
		return nil, terr
	}

	life := tokenLifetime(tok)
	skew := min(maxTokenSkew, life/5)
	t := &accessToken{value: tok.AccessToken, refreshAt: start.Add(life - skew)}

	tc.mu.Lock()
	tc.cur = t
	tc.mu.Unlock()
	tc.obs.OnTokenFetch(nil)
	log.Debug("halo: fetched access token", "path", pathOf(tc.conf.TokenURL),
		"expires_in", life, "renew_in", life-skew)
	return t, nil
}

// tokenLifetime reads expires_in from the token answer. The
// clientcredentials package does not copy it into Token.ExpiresIn, so it
// is taken from the raw answer, then from Expiry (set against the real
// clock), and otherwise assumed.
func tokenLifetime(tok *oauth2.Token) time.Duration {
	if tok.ExpiresIn > 0 {
		return time.Duration(tok.ExpiresIn) * time.Second
	}
	switch v := tok.Extra("expires_in").(type) {
	case float64:
		if v > 0 {
			return time.Duration(v * float64(time.Second))
		}
	case string:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
	}
	if !tok.Expiry.IsZero() {
		if d := time.Until(tok.Expiry); d > 0 {
			return d
		}
	}
	return assumedTokenLifetime
}

// classify turns a token fetch failure into a *TokenError naming the
// setting most likely at fault.
func (tc *tokenCache) classify(err error) *TokenError {
	e := &TokenError{URL: tc.tokenURL, Err: scrubbed{err, tc.secret}}

	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.Response != nil {
			e.StatusCode = re.Response.StatusCode
		}
		e.Code = re.ErrorCode
		switch {
		case e.Code == "invalid_client" || e.Code == "unauthorized_client" ||
			e.Code == "invalid_grant" || e.StatusCode == http.StatusUnauthorized:
			e.Suspect = "client id or client secret"
		case e.Code == "invalid_scope":
			e.Suspect = "scope"
		case e.Code == "unsupported_grant_type":
			e.Suspect = `API application's authentication method ("Client ID and Secret (Services)")`
		case e.Code == "invalid_request":
			e.Suspect = "client id, client secret or tenant"
		case e.StatusCode == http.StatusNotFound:
			e.Suspect = "authorization URL"
		case e.StatusCode == http.StatusTooManyRequests ||
			e.StatusCode == http.StatusBadGateway ||
			e.StatusCode == http.StatusServiceUnavailable ||
			e.StatusCode == http.StatusGatewayTimeout:
			e.transient = true
		case e.StatusCode >= 500 && looksLikeHTML(re.Body):
			e.Suspect = "tenant or the API application's login agent " +
				"(or the authorization URL)"
		case e.StatusCode >= 500:
			e.Suspect = "tenant or the authorization URL"
		}
		return e
	}

	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var authErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var netErr net.Error
	switch {
	case errors.As(err, &dnsErr):
		e.Suspect = "authorization URL (host name not found)"
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Suspect = "authorization URL (connection refused)"
	case errors.As(err, &certErr), errors.As(err, &authErr), errors.As(err, &hostErr):
		e.Suspect = "authorization URL's TLS certificate (or the CA certificate setting)"
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Suspect = "authorization URL (no answer in time)"
		e.transient = true
	case isTransport(err):
		e.Suspect = "authorization URL"
		e.transient = true
	default:
		// A 2xx answer that is not a token: the URL points elsewhere.
		e.Suspect = "authorization URL (the answer was not an OAuth2 token)"
	}
	return e
}

// isTransport reports whether err came from the HTTP exchange itself (a
// *url.Error), as opposed to decoding its answer.
func isTransport(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue)
}

// scrubbed wraps an error whose text might echo the client secret (a
// server that quotes the request back) and removes it.
type scrubbed struct {
	err    error
	secret string
}

func (s scrubbed) Error() string {
	msg := s.err.Error()
	if len(s.secret) >= 4 {
		msg = strings.ReplaceAll(msg, s.secret, redacted)
	}
	return msg
}

func (s scrubbed) Unwrap() error { return s.err }
