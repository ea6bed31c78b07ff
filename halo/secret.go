package halo

import (
	"fmt"
	"log/slog"
)

// Secret holds a credential such as a client secret. It renders as
// REDACTED whenever it is formatted (%v, %s, %q, %#v, …), logged through
// log/slog or encoded as JSON, so a Config can be printed or logged safely.
// Reveal returns the real value.
type Secret string

const redacted = "REDACTED"

// Reveal returns the secret's value. Call it only where the value is sent
// to the authorization server.
func (s Secret) Reveal() string { return string(s) }

// String returns "REDACTED".
func (s Secret) String() string { return redacted }

// GoString returns "REDACTED".
func (s Secret) GoString() string { return redacted }

// Format writes "REDACTED" for every verb.
func (s Secret) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue makes log/slog record "REDACTED".
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON encodes the secret as the JSON string "REDACTED".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText encodes the secret as "REDACTED" (used by encoders that
// prefer text, such as map keys and some log handlers).
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
