package halo

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var cmpSorted = cmp.Transformer("sorted", func(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	return out
})

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, want string
	}{
		{"result code", `{"resultCode":"E12","errorMessage":"Bad thing"}`, "E12: Bad thing"},
		{"class name", `{"ClassName":"System.Exception","Message":"Boom"}`,
			"System.Exception: Boom"},
		{"message", `{"message":"Ticket not found"}`, "Ticket not found"},
		{"oauth error", `{"error":"invalid_client","error_description":"no such client"}`,
			"invalid_client: no such client"},
		{"json string", `"An Outcome must be entered for this Action"`,
			"An Outcome must be entered for this Action"},
		{"plain text", "Rate Limit Reached - 300 Requests per rolling 5 minute window",
			"Rate Limit Reached - 300 Requests per rolling 5 minute window"},
		{"html page", "<!DOCTYPE html><html><body>Server Error</body></html>", ""},
		{"unknown json", `{"foo":"bar"}`, ""},
		{"empty", "", ""},
		{"long text clipped", strings.Repeat("x", 1000), strings.Repeat("x", maxMessage) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := errorMessage([]byte(tt.body)); got != tt.want {
				t.Errorf("errorMessage(%.40q) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

func TestSanitizeURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://user:pw@halo.example/api/Tickets?ticket_id=4",
			"https://halo.example/api/Tickets?ticket_id=4"},
		{"https://halo.example/auth/token?tenant=acme&client_secret=abc&access_token=x",
			"https://halo.example/auth/token?access_token=REDACTED&client_secret=REDACTED" +
				"&tenant=acme"},
		{"https://halo.example/api?apiKey=1#frag", "https://halo.example/api?apiKey=REDACTED"},
		{"://bad", "(invalid URL)"},
	}
	for _, tt := range tests {
		if got := sanitizeURL(tt.in); got != tt.want {
			t.Errorf("sanitizeURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAPIErrorSentinels(t *testing.T) {
	t.Parallel()
	all := []error{ErrNotFound, ErrUnauthorized, ErrForbidden, ErrRateLimited, ErrUnavailable}
	tests := []struct {
		status int
		want   error
	}{
		{404, ErrNotFound}, {401, ErrUnauthorized}, {403, ErrForbidden},
		{429, ErrRateLimited}, {500, ErrUnavailable}, {503, ErrUnavailable}, {400, nil},
	}
	for _, tt := range tests {
		err := error(newAPIError("GET", "http://h/api/x", tt.status, nil))
		for _, s := range all {
			want := tt.want != nil && errors.Is(tt.want, s)
			if got := errors.Is(err, s); got != want {
				t.Errorf("status %d: errors.Is(%v) = %v", tt.status, s, got)
			}
		}
	}
}

func TestAPIErrorBodyIsLimited(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("é", 5000) // 10,000 bytes
	e := newAPIError("POST", "http://u:p@h/api/Tickets?x=1", 400, []byte(big))
	if len(e.Body) > maxErrorBody+3 {
		t.Errorf("Body is %d bytes, want at most %d", len(e.Body), maxErrorBody)
	}
	if strings.Contains(e.URL, "u:p") {
		t.Errorf("URL keeps user information: %s", e.URL)
	}
	if got := e.Error(); !strings.HasPrefix(got, "POST http://h/api/Tickets?x=1: 400 bad request") {
		t.Errorf("Error() = %.80q", got)
	}
}
