package emulator

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
)

// knownScopes are the scope names Halo is known to grant. Anything else
// (read:users, read:agents, ...) is answered invalid_scope.
var knownScopes = func() map[string]bool {
	m := map[string]bool{
		"all": true, "all:standard": true, "admin": true,
		"editMine:timesheets": true, "access:chat": true, "access:adpasswordreset": true,
	}
	for _, area := range []string{"tickets", "calendar", "customers", "crm",
		"timesheets", "contracts", "suppliers", "items", "projects", "sales",
		"quotes", "sos", "pos", "invoices", "reporting", "software",
		"softwarelicensing", "kb", "assets"} {
		m["read:"+area] = true
		m["edit:"+area] = true
	}
	return m
}()

// token is an issued access token.
type token struct {
	expires  time.Time
	scopes   []string
	clientID string
}

// has reports whether the token's scope includes any of names.
func (t *token) has(names ...string) bool {
	for _, n := range names {
		if slices.Contains(t.scopes, n) {
			return true
		}
	}
	return false
}

// oauthError answers an OAuth2 error document with status 400. Only the
// error codes are confirmed for Halo; the body layout is the OAuth
// standard's.
func oauthError(w http.ResponseWriter, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusBadRequest, map[string]string{
		"error": code, "error_description": desc,
	})
}

// serveToken implements POST /auth/token.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if s.currentFaults().TokenHTML500 {
		writeHTML500(w)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeText(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		oauthError(w, "invalid_request",
			"the token request must be application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", "malformed form body")
		return
	}
	if s.cfg.Tenant != "" {
		tenant := r.URL.Query().Get("tenant")
		if tenant == "" {
			tenant = r.PostForm.Get("tenant")
		}
		// A missing tenant on a shared auth server cannot be routed
		// either; treating it like a wrong one is the stricter choice.
		if tenant != s.cfg.Tenant {
			writeHTML500(w)
			return
		}
	}

	form := r.PostForm
	var scope string
	switch form.Get("grant_type") {
	case "client_credentials":
		if !s.clientOK(form.Get("client_id"), form.Get("client_secret")) {
			oauthError(w, "invalid_client", "unknown client or wrong secret")
			return
		}
		scope = form.Get("scope")
	case "password":
		if s.cfg.Username == "" || !s.passwordOK(form) {
			oauthError(w, "invalid_grant", "invalid username or password")
			return
		}
		scope = form.Get("scope")
	case "refresh_token":
		s.mu.Lock()
		prev, ok := s.refresh[form.Get("refresh_token")]
		s.mu.Unlock()
		if !ok || form.Get("client_id") != s.cfg.ClientID {
			oauthError(w, "invalid_grant", "unknown refresh token")
			return
		}
		scope = form.Get("scope")
		if scope == "" {
			scope = prev
		}
	case "":
		oauthError(w, "invalid_request", "grant_type is required")
		return
	default:
		oauthError(w, "unsupported_grant_type",
			fmt.Sprintf("grant_type %q is not supported", form.Get("grant_type")))
		return
	}

	scopes := strings.Fields(scope)
	// What Halo grants for an omitted scope is unknown; refusing makes
	// the omission visible at once instead of as later 403s.
	if len(scopes) == 0 {
		oauthError(w, "invalid_scope", "scope is required")
		return
	}
	for _, sc := range scopes {
		if !knownScopes[sc] {
			oauthError(w, "invalid_scope", fmt.Sprintf("unknown scope %q", sc))
			return
		}
	}

	access := newJWTLike(s.cfg.ClientID)
	refresh := randomHex(32)
	s.mu.Lock()
	s.tokens[access] = &token{
		expires:  s.now().Add(s.cfg.TokenTTL),
		scopes:   scopes,
		clientID: s.cfg.ClientID,
	}
	s.refresh[refresh] = strings.Join(scopes, " ")
	s.tokensIssued++
	s.mu.Unlock()

	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  access,
		"token_type":    "Bearer",
		"expires_in":    int(s.cfg.TokenTTL / time.Second),
		"scope":         strings.Join(scopes, " "),
		"refresh_token": refresh,
		"id_token":      newJWTLike(s.cfg.ClientID),
		"resource":      "",
	})
}

func (s *Server) clientOK(id, secret string) bool {
	idOK := subtle.ConstantTimeCompare([]byte(id), []byte(s.cfg.ClientID)) == 1
	secOK := subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.ClientSecret)) == 1
	return idOK && secOK
}

func (s *Server) passwordOK(form map[string][]string) bool {
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	return get("client_id") == s.cfg.ClientID &&
		subtle.ConstantTimeCompare([]byte(get("username")), []byte(s.cfg.Username)) == 1 &&
		subtle.ConstantTimeCompare([]byte(get("password")), []byte(s.cfg.Password)) == 1
}

// TokensIssued returns how many access tokens the token endpoint has
// issued.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokensIssued
}

// ExpireTokens expires every token issued so far; the API answers 401 to
// them.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := s.now().Add(-time.Second)
	for _, t := range s.tokens {
		t.expires = past
	}
}

// authenticate returns the token of a request, or writes 401 and
// returns nil.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) *token {
	h := r.Header.Get("Authorization")
	scheme, raw, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || raw == "" {
		// Halo's 401 body is undocumented; an empty body with the
		// standard bearer challenge is what its ASP.NET stack sends.
		w.Header().Set("WWW-Authenticate", "Bearer")
		w.WriteHeader(http.StatusUnauthorized)
		return nil
	}
	// The expiry is read under the lock: ExpireTokens changes it.
	s.mu.Lock()
	t, found := s.tokens[strings.TrimSpace(raw)]
	expired := found && !s.now().Before(t.expires)
	s.mu.Unlock()
	if !found {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return nil
	}
	if expired {
		w.Header().Set("WWW-Authenticate",
			`Bearer error="invalid_token", error_description="The token expired"`)
		w.WriteHeader(http.StatusUnauthorized)
		return nil
	}
	return t
}

// writeHTML500 answers the large HTML error page hosted Halo returns
// for a wrong tenant or an application without a login agent.
func writeHTML500(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">" +
		"<title>Error</title><style>\n")
	// Padding the page to tens of kilobytes like the real one makes a
	// client that copies whole bodies into errors or logs noticeable.
	for i := range 400 {
		fmt.Fprintf(&b, ".c%d{margin:0;padding:0;font-family:sans-serif;color:#333}\n", i)
	}
	b.WriteString("</style></head><body><h1>An error occurred while processing " +
		"your request.</h1><p>Request ID: " + randomHex(8) + "</p></body></html>\n")
	_, _ = w.Write([]byte(b.String()))
}

// newJWTLike returns an opaque random token shaped like a JWT. Clients
// must not parse it.
func newJWTLike(clientID string) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]string{"client_id": clientID, "jti": randomHex(16)})
	return header + "." + enc.EncodeToString(claims) + "." + enc.EncodeToString(randomBytes(64))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

// newGUID returns a random version 4 GUID.
func newGUID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
