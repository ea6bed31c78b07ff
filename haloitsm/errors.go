package haloitsm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/haloconnect/icon-haloitsm/halo"
	"github.com/haloconnect/icon-haloitsm/icon/runtime/exception"
)

// inputError is bad workflow input found by the plugin itself: a name
// that matches no lookup entry, a missing, conflicting or out-of-range
// input. It is never a Halo failure.
type inputError struct {
	// Field is the input at fault ("status_name").
	Field string
	msg   string
	// assist is the exception's assistance; "" means the generic
	// "Correct the <field> input."
	assist string
}

func (e *inputError) Error() string { return e.msg }

// assistance tells the workflow author how to fix the input.
func (e *inputError) assistance() string {
	if e.assist != "" {
		return e.assist
	}
	return "Correct the " + e.Field + " input."
}

// badInput returns an *inputError for a value of field the plugin cannot
// use; its message says what is wrong.
func badInput(field, format string, args ...any) error {
	return &inputError{Field: field, msg: fmt.Sprintf(format, args...)}
}

// outOfRange returns an *inputError for a number of field outside lo to
// hi; the assistance gives the range.
func outOfRange(field string, lo, hi int, format string, args ...any) error {
	return &inputError{Field: field, msg: fmt.Sprintf(format, args...),
		assist: fmt.Sprintf("Give %s a whole number from %d to %d.", field, lo, hi)}
}

// unknownInput returns an *inputError for a name or ID of field that
// HaloITSM does not know (or does not know uniquely). kind is the
// lookup's noun ("status"); the assistance points at its List action.
func unknownInput(field, kind, format string, args ...any) error {
	return &inputError{Field: field, msg: fmt.Sprintf(format, args...),
		assist: lookupAssistance(field, kind)}
}

// listActions names the action that lists each kind of lookup, by the
// kind's noun.
var listActions = map[string]string{
	"status": "List Statuses", "ticket type": "List Ticket Types",
	"priority": "List Priorities", "team": "List Teams", "agent": "List Agents",
	"category": "List Categories", "custom field": "List Custom Fields",
}

// lookupAssistance is the assistance for a name or ID of kind, given in
// field, that HaloITSM does not know.
func lookupAssistance(field, kind string) string {
	if list, ok := listActions[kind]; ok {
		return "Correct the " + field + " input; " + list + " shows the " + plural(kind) +
			" HaloITSM knows, with their IDs."
	}
	return "Correct the " + field + " input with the name or ID of " + article(kind) +
		" " + kind + " HaloITSM has."
}

// article is "a" or "an" for noun.
func article(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an"
	}
	return "a"
}

// maxDataLen bounds the Halo text copied into an exception's data.
const maxDataLen = 300

// failure turns err, from an action working on subject ("Ticket 42",
// "the ticket list"), into the exception a workflow author sees. It is the
// one place where plugin and HaloITSM errors become runtime exceptions;
// handlers return its result unchanged. Causes and assistance never carry
// secrets: Halo's text is only ever taken from halo.APIError.Message,
// which the client bounds and strips of credentials.
func failure(err error, subject string) error {
	if err == nil {
		return nil
	}
	var pe *exception.PluginException
	if errors.As(err, &pe) {
		return pe
	}

	var ie *inputError
	var se *settingsError
	var apiErr *halo.APIError
	var tokErr *halo.TokenError
	switch {
	case errors.As(err, &se):
		cause, assist := settingsAdvice(se)
		return &exception.PluginException{Cause: cause, Assistance: assist,
			Preset: exception.BadRequest, Err: err}

	case errors.As(err, &ie):
		return &exception.PluginException{Cause: sentence(ie.msg),
			Assistance: ie.assistance(), Preset: exception.BadRequest, Err: err}

	case errors.Is(err, halo.ErrAmbiguous):
		return &exception.PluginException{
			Cause: fmt.Sprintf("The change to %s reached HaloITSM but no answer came back, "+
				"so it may or may not have been recorded.", subject),
			Assistance: "Check the ticket (and its notes, with List Ticket Notes) in HaloITSM " +
				"before running this step again, or the change may be recorded twice.",
			Preset: exception.ServerError, Err: err,
		}

	case errors.As(err, &tokErr):
		return tokenFailure(tokErr, err)

	case errors.Is(err, halo.ErrNotFound):
		return &exception.PluginException{
			Cause: sentence(subject + " was not found in HaloITSM"),
			Assistance: "Check the ID; the record may have been deleted, or the API " +
				"application's login agent may not be allowed to see it.",
			Preset: exception.NotFound, Err: err,
		}

	case errors.Is(err, halo.ErrForbidden):
		return &exception.PluginException{
			Cause: fmt.Sprintf("HaloITSM refused access to %s (403 Forbidden).",
				subject),
			Assistance: "Give the API application's login agent permission for " +
				resourceOf(apiErr, err) + " in HaloITSM, and make sure the connection's " +
				"Scope covers it (all covers everything).",
			Data: haloMessage(err), Preset: exception.Unauthorized, Err: err,
		}

	case errors.Is(err, halo.ErrUnauthorized):
		return &exception.PluginException{
			Cause: "HaloITSM rejected the plugin's access token (401 Unauthorized).",
			Assistance: "Check that the API application and its login agent are enabled " +
				"in HaloITSM and that the agent may use the API, then run the connection test.",
			Preset: exception.Unauthorized, Err: err,
		}

	case errors.Is(err, halo.ErrRateLimited):
		return &exception.PluginException{
			Cause: "HaloITSM's rate limit was reached and retries within the time " +
				"allowed did not get through.",
			Assistance: "HaloITSM allows 300 requests per rolling 5 minutes. Lower " +
				"Requests Per Five Minutes in the connection if other tools share the " +
				"tenant, or run fewer workflows at once.",
			Preset: exception.RateLimit, Err: err,
		}

	case errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500:
		msg := haloMessage(err)
		cause := fmt.Sprintf("HaloITSM rejected the request for %s (%d %s).",
			subject, apiErr.StatusCode, http.StatusText(apiErr.StatusCode))
		if msg != "" {
			cause = fmt.Sprintf("HaloITSM rejected the request for %s: %s",
				subject, sentence(msg))
		}
		return &exception.PluginException{
			Cause: cause,
			Assistance: "Check the inputs against HaloITSM's rules for this ticket type " +
				"(mandatory fields, allowed values, approval requirements).",
			Data: msg, Preset: exception.BadRequest, Err: err,
		}

	case errors.Is(err, halo.ErrUnavailable):
		return &exception.PluginException{
			Cause: "HaloITSM is unavailable: it answered with a server error or could " +
				"not be reached, and retries did not succeed.",
			Assistance: "Try again later. If it persists, check the Resource Server " +
				"setting and that the orchestrator can reach HaloITSM.",
			Data: haloMessage(err), Preset: exception.ServiceUnavailable, Err: err,
		}

	case errors.Is(err, context.DeadlineExceeded):
		return &exception.PluginException{
			Cause: "HaloITSM did not answer in time.",
			Assistance: "Raise Request Timeout in the connection, or try again when " +
				"HaloITSM is less busy.",
			Preset: exception.Timeout, Err: err,
		}

	case errors.Is(err, context.Canceled):
		return &exception.PluginException{
			Cause:      "The step was cancelled before HaloITSM answered.",
			Assistance: "Run the step again.",
			Preset:     exception.Unknown, Err: err,
		}
	}
	return &exception.PluginException{
		Cause:      fmt.Sprintf("Working on %s failed unexpectedly.", subject),
		Assistance: "Check the step's log; if the issue persists, please contact support.",
		Data:       clipText(err.Error(), maxDataLen),
		Preset:     exception.Unknown, Err: err,
	}
}

// settingsAdvice returns the cause and assistance for a connection
// setting that cannot work. Actions, the connection test and the
// building of the connection all use these words: the reason is quoted
// as written (lower case, like every settingsError message) and ends
// with exactly one full stop, question or exclamation mark.
func settingsAdvice(se *settingsError) (cause, assistance string) {
	return "The connection setting " + se.Field + " is not usable: " + endSentence(se.msg),
		"Correct " + se.Field + " in the connection."
}

// tokenFailure explains a failed token request by the connection setting
// most likely wrong.
func tokenFailure(te *halo.TokenError, err error) *exception.PluginException {
	cause, assist := tokenAdvice(te)
	return &exception.PluginException{
		Cause: cause, Assistance: assist, Preset: exception.InvalidCredentials, Err: err,
	}
}

// tokenAdvice returns the cause and assistance for a failed token
// request; the connection test uses the same words.
func tokenAdvice(te *halo.TokenError) (cause, assistance string) {
	switch {
	case te.Code == "invalid_client" || te.Code == "unauthorized_client":
		return "HaloITSM refused the client ID or client secret.",
			"Check Client ID and Client Secret against the API application in HaloITSM " +
				"(Configuration > Integrations > HaloITSM API > View Applications) and " +
				"that the application is active."
	case te.Code == "invalid_scope":
		return "HaloITSM refused the requested scope.",
			"Set Scope in the connection to scopes the API application allows, " +
				"for example all."
	case te.Code != "":
		return fmt.Sprintf("HaloITSM refused the token request (%s).", te.Code),
			"Check Client ID, Client Secret, Tenant and Scope in the connection."
	case te.StatusCode == 0:
		return "The HaloITSM authorization server could not be reached.",
			"Check Authorization Server in the connection, that the orchestrator can " +
				"reach it, and its TLS settings (SSL Verify, CA Certificate)."
	case te.StatusCode >= 500:
		return fmt.Sprintf("The HaloITSM authorization server failed (%d).", te.StatusCode),
			"Check Tenant and Authorization Server in the connection, and that the API " +
				"application has an enabled login agent."
	case te.StatusCode == http.StatusNotFound:
		return "The HaloITSM authorization server has no token endpoint at the " +
				"configured address.",
			"Check Authorization Server in the connection; it usually ends in /auth."
	}
	suspect := te.Suspect
	if suspect == "" {
		suspect = "client ID, client secret, tenant and authorization server"
	}
	return "The plugin could not get an access token from HaloITSM.",
		"Check the connection's " + suspect + "."
}

// haloMessage returns Halo's own error text from err, size-limited, or "".
func haloMessage(err error) string {
	var apiErr *halo.APIError
	if errors.As(err, &apiErr) {
		return clipText(apiErr.Message, maxDataLen)
	}
	return ""
}

// resourceOf names the Halo resource of a failed call for permission
// advice ("tickets", "statuses").
func resourceOf(apiErr *halo.APIError, err error) string {
	if apiErr == nil && !errors.As(err, &apiErr) {
		return "this resource"
	}
	path := strings.ToLower(apiErr.URL)
	if i := strings.Index(path, "/api/"); i >= 0 {
		path = path[i+len("/api/"):]
	}
	path, _, _ = strings.Cut(path, "?")
	path, _, _ = strings.Cut(path, "/")
	switch path {
	case "tickets":
		return "tickets"
	case "actions":
		return "ticket actions (notes)"
	case "status":
		return "statuses"
	case "tickettype":
		return "ticket types"
	case "priority":
		return "priorities"
	case "team":
		return "teams"
	case "agent":
		return "agents"
	case "category":
		return "categories"
	case "users":
		return "users"
	case "client":
		return "clients"
	case "site":
		return "sites"
	case "fieldinfo":
		return "custom fields"
	case "outcome":
		return "outcomes"
	}
	return "this resource"
}

// sentence makes s start upper case and end with a full stop.
func sentence(s string) string {
	s = endSentence(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:]
}

// endSentence trims s and adds a full stop unless it already ends with
// one, or with a question or exclamation mark.
func endSentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") ||
		strings.HasSuffix(s, "!") {
		return s
	}
	return s + "."
}

// clipText cuts s to at most n bytes on a rune boundary, marking the cut.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
