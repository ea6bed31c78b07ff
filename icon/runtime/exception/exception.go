// Package exception holds the InsightConnect plugin exceptions: the error
// values a plugin returns so that the platform shows a cause, an assistance
// text and the offending data, exactly as Rapid7's Python runtime does.
//
// A handler returns a *PluginException (or, from a connection test, a
// *ConnectionTestException). The runtime turns any other error into the
// Unknown preset (or, for tests, the generic test failure) in one place,
// From and FromTest.
package exception

import (
	"errors"
	"fmt"
)

// Preset names one of the platform's canned cause/assistance pairs.
type Preset string

// The presets of the current Python runtime, with its exact texts.
const (
	APIKey             Preset = "api_key"
	Unauthorized       Preset = "unauthorized"
	RateLimit          Preset = "rate_limit"
	UsernamePassword   Preset = "username_password"
	NotFound           Preset = "not_found"
	ServerError        Preset = "server_error"
	ServiceUnavailable Preset = "service_unavailable"
	InvalidJSON        Preset = "invalid_json"
	Unknown            Preset = "unknown"
	Base64Encode       Preset = "base64_encode"
	Base64Decode       Preset = "base64_decode"
	Timeout            Preset = "timeout"
	BadRequest         Preset = "bad_request"
	InvalidCredentials Preset = "invalid_credentials" //nolint:gosec // G101: a preset name, not a credential
	MethodNotAllowed   Preset = "method_not_allowed"
	Conflict           Preset = "conflict"
	ConnectionError    Preset = "connection_error"
	RedirectError      Preset = "redirect_error"
)

const base64Assistance = "This is likely a programming error, if the issue persists please contact support."

var presets = map[Preset][2]string{
	APIKey: {"Invalid API key provided.",
		"Verify your API key configured in your connection is correct."},
	Unauthorized: {"The account configured in your connection is unauthorized to access this service.",
		"Verify the permissions for your account and try again."},
	RateLimit: {"The account configured in your plugin connection is currently rate-limited.",
		"Adjust the time between requests if possible."},
	UsernamePassword: {"Invalid username or password provided.",
		"Verify your username and password are correct."},
	NotFound: {"Invalid or unreachable endpoint provided.",
		"Verify the URLs or endpoints in your configuration are correct."},
	ServerError: {"Server error occurred",
		"Verify your plugin connection inputs are correct and not malformed and try again. " +
			"If the issue persists, please contact support."},
	ServiceUnavailable: {"The service is currently unavailable.",
		"Try again later. If the issue persists, please contact support."},
	InvalidJSON: {"Received an unexpected response from the server.",
		"(non-JSON or no response was received)."},
	Unknown: {"Something unexpected occurred.",
		"Check the logs and if the issue persists please contact support."},
	Base64Encode: {"Unable to base64 encode content due to incorrect padding length.", base64Assistance},
	Base64Decode: {"Unable to base64 decode content due to incorrect padding length.", base64Assistance},
	Timeout: {"The connection timed out.",
		"This is likely a network error. Verify the network activity. " +
			"If the issue persists, please contact support."},
	BadRequest: {"The server is unable to process the request.",
		"Verify your plugin input is correct and not malformed and try again. " +
			"If the issue persists, please contact support."},
	InvalidCredentials: {"Authentication failed: invalid credentials.",
		"Please verify the credentials for your account and try again."},
	MethodNotAllowed: {"The request method is not allowed for this resource.",
		"Please try a supported method for this resource."},
	Conflict: {"Request cannot be completed due to a conflict with the current state of the resource.",
		"Please check your request, and try again."},
	ConnectionError: {"Failed to connect to the server.",
		"Please check your network connection and try again."},
	RedirectError: {"Request redirected more than the set limit for the server.",
		"Please check your request and try again."},
}

// Presets returns every preset, in the order of the platform's table.
func Presets() []Preset {
	return []Preset{APIKey, Unauthorized, RateLimit, UsernamePassword, NotFound,
		ServerError, ServiceUnavailable, InvalidJSON, Unknown, Base64Encode,
		Base64Decode, Timeout, BadRequest, InvalidCredentials, MethodNotAllowed,
		Conflict, ConnectionError, RedirectError}
}

// Cause returns the preset's cause text, or "" for an unknown preset.
func (p Preset) Cause() string { return presets[p][0] }

// Assistance returns the preset's assistance text, or "" for an unknown
// preset.
func (p Preset) Assistance() string { return presets[p][1] }

// Valid reports whether p is one of the platform's presets.
func (p Preset) Valid() bool {
	_, ok := presets[p]
	return ok
}

// PluginException is an error a step reports to the platform: a cause, an
// assistance text and optional data (usually the offending response body).
// Err, when set, is the underlying error; it is reachable through
// errors.Is/As but never shown to the user.
type PluginException struct {
	Cause      string
	Assistance string
	Data       string
	// Preset is the preset the texts came from, or "" for custom texts.
	Preset Preset
	Err    error
}

// New returns a PluginException with the preset's texts and data.
func New(p Preset, data string) *PluginException {
	return &PluginException{Cause: p.Cause(), Assistance: p.Assistance(), Data: data, Preset: p}
}

// Wrap is New with an underlying error kept for errors.Is/As.
func Wrap(p Preset, data string, err error) *PluginException {
	e := New(p, data)
	e.Err = err
	return e
}

// Custom returns a PluginException with its own texts.
func Custom(cause, assistance, data string) *PluginException {
	return &PluginException{Cause: cause, Assistance: assistance, Data: data}
}

// Error returns the platform's string form:
// "An error occurred during plugin execution! {cause} {assistance}",
// followed by " Response was {data}" when data is set.
func (e *PluginException) Error() string {
	s := fmt.Sprintf("An error occurred during plugin execution! %s %s", e.Cause, e.Assistance)
	if e.Data != "" {
		s += " Response was " + e.Data
	}
	return s
}

func (e *PluginException) Unwrap() error { return e.Err }

// ConnectionTestException is the error a connection test reports.
type ConnectionTestException struct {
	Cause      string
	Assistance string
	Data       string
	Preset     Preset
	Err        error
}

// NewTest returns a ConnectionTestException with the preset's texts.
func NewTest(p Preset, data string) *ConnectionTestException {
	return &ConnectionTestException{Cause: p.Cause(), Assistance: p.Assistance(), Data: data, Preset: p}
}

// WrapTest is NewTest with an underlying error kept for errors.Is/As.
func WrapTest(p Preset, data string, err error) *ConnectionTestException {
	e := NewTest(p, data)
	e.Err = err
	return e
}

// Error returns the platform's string form:
// "Connection test failed! {cause} {assistance}", followed by
// " Response was: {data}" when data is set.
func (e *ConnectionTestException) Error() string {
	s := fmt.Sprintf("Connection test failed! %s %s", e.Cause, e.Assistance)
	if e.Data != "" {
		s += " Response was: " + e.Data
	}
	return s
}

func (e *ConnectionTestException) Unwrap() error { return e.Err }

// The texts a connection test failing with a plain error reports.
const (
	TestFailedCause      = "Plugin connection test failed."
	TestFailedAssistance = "See error log for more details."
)

// From returns err as a *PluginException: err itself (or the one it wraps),
// a ConnectionTestException's texts, or the Unknown preset with err's text
// as data. It returns nil for a nil err.
func From(err error) *PluginException {
	if err == nil {
		return nil
	}
	var pe *PluginException
	if errors.As(err, &pe) {
		return pe
	}
	var te *ConnectionTestException
	if errors.As(err, &te) {
		return &PluginException{Cause: te.Cause, Assistance: te.Assistance, Data: te.Data,
			Preset: te.Preset, Err: te.Err}
	}
	return Wrap(Unknown, err.Error(), err)
}

// FromTest returns err as a *ConnectionTestException: err itself (or the
// one it wraps), a PluginException's texts, or the generic test failure
// with err's text as data. It returns nil for a nil err.
func FromTest(err error) *ConnectionTestException {
	if err == nil {
		return nil
	}
	var te *ConnectionTestException
	if errors.As(err, &te) {
		return te
	}
	var pe *PluginException
	if errors.As(err, &pe) {
		return &ConnectionTestException{Cause: pe.Cause, Assistance: pe.Assistance, Data: pe.Data,
			Preset: pe.Preset, Err: pe.Err}
	}
	return &ConnectionTestException{Cause: TestFailedCause, Assistance: TestFailedAssistance,
		Data: err.Error(), Err: err}
}
