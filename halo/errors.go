package halo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Sentinel errors matched through errors.Is by *APIError, *TokenError and
// the errors the client wraps around them.
var (
	// ErrNotFound: Halo answered 404.
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized: Halo answered 401 (after one token refresh), or the
	// authorization server refused the credentials.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: Halo answered 403; the scope or the login agent's
	// permissions do not cover the resource.
	ErrForbidden = errors.New("forbidden")
	// ErrRateLimited: Halo kept answering 429 until the retry bound, or
	// the tenant's pause after a 429 lasts beyond the call's retry bound.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable: a 5xx answer or a transport failure that retries
	// did not overcome.
	ErrUnavailable = errors.New("unavailable")
	// ErrAmbiguous: a write reached Halo but no usable answer came back,
	// so it may or may not have been applied.
	ErrAmbiguous = errors.New("outcome unknown: the write may or may not have been applied")
)

// maxErrorBody bounds the response body kept in an *APIError.
const maxErrorBody = 4 << 10

// APIError is a non-2xx answer from the HaloITSM API.
type APIError struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Method and URL identify the request. URL has no user information
	// and sensitive query values are replaced by REDACTED.
	Method string
	URL    string
	// Body is the start of the response body (at most 4 KiB).
	Body string
	// Message is Halo's error text parsed from Body on a best-effort
	// basis, or "" when none was recognised.
	Message string
}

// Error describes the answer without the "halo: " prefix; the client
// wraps it with the operation ("halo: get ticket 42: …").
func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s", e.Method, e.URL, e.StatusCode,
		strings.ToLower(http.StatusText(e.StatusCode)))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Is matches the sentinel for the status code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrUnavailable:
		return e.StatusCode >= 500
	}
	return false
}

func newAPIError(method, rawURL string, status int, body []byte) *APIError {
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody]
	}
	return &APIError{
		StatusCode: status,
		Method:     method,
		URL:        sanitizeURL(rawURL),
		Body:       strings.ToValidUTF8(string(body), "\uFFFD"),
		Message:    errorMessage(body),
	}
}

// maxMessage bounds APIError.Message.
const maxMessage = 300

// errorMessage extracts Halo's error text. No error format is documented;
// this tries, in order, resultCode + errorMessage, ClassName + Message,
// Message, error (+ error_description), and finally the raw text when it
// is not an HTML page.
func errorMessage(body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return ""
	}

	var obj map[string]any
	if json.Unmarshal(body, &obj) == nil {
		str := func(k string) string {
			for key, v := range obj {
				if strings.EqualFold(key, k) {
					if s, ok := v.(string); ok {
						return strings.TrimSpace(s)
					}
					if v != nil {
						return strings.TrimSpace(fmt.Sprint(v))
					}
				}
			}
			return ""
		}
		join := func(a, b string) string {
			switch {
			case a == "":
				return b
			case b == "":
				return a
			}
			return a + ": " + b
		}
		switch {
		case str("errorMessage") != "":
			return clip(join(str("resultCode"), str("errorMessage")))
		case str("ClassName") != "" && str("Message") != "":
			return clip(join(str("ClassName"), str("Message")))
		case str("Message") != "":
			return clip(str("Message"))
		case str("error") != "":
			return clip(join(str("error"), str("error_description")))
		}
		return ""
	}

	var s string
	if json.Unmarshal(body, &s) == nil {
		return clip(strings.TrimSpace(s))
	}
	if looksLikeHTML(body) {
		return ""
	}
	return clip(string(body))
}

func looksLikeHTML(body []byte) bool {
	head := strings.ToLower(string(body[:min(len(body), 256)]))
	return strings.HasPrefix(head, "<!doctype html") || strings.Contains(head, "<html")
}

func clip(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// sensitiveParams are query parameters whose values never appear in
// errors or logs.
var sensitiveParams = []string{
	"secret", "password", "token", "key", "code", "auth", "signature", "sig",
	"credential",
}

// sanitizeURL removes user information and replaces the values of
// sensitive query parameters with REDACTED. Unparseable input gives
// "(invalid URL)".
func sanitizeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	u.User = nil
	u.Fragment = ""
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			lk := strings.ToLower(k)
			for _, s := range sensitiveParams {
				if strings.Contains(lk, s) {
					q[k] = []string{redacted}
					break
				}
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}
