package runtime

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// logFormat is how log records are written: logText (slog's text
// handler, logfmt: time=... level=INFO msg=... key=value) or logJSON
// (slog's JSON handler, one object per line with the keys time, level,
// msg and the record's attributes).
type logFormat string

const (
	logText logFormat = "text"
	logJSON logFormat = "json"
)

// parseLogFormat reads a format name, case-insensitively; empty means
// text.
func parseLogFormat(s string) (logFormat, error) {
	switch f := logFormat(strings.ToLower(strings.TrimSpace(s))); f {
	case "", logText:
		return logText, nil
	case logJSON:
		return logJSON, nil
	}
	return "", fmt.Errorf("%q is not a log format; use text or json", s)
}

// newLogHandler returns the handler of format writing to w at level. In
// JSON a duration is written as the text format writes it ("1.5s"), not
// as slog's default integer of nanoseconds, so that a wait reads the
// same in both formats.
func newLogHandler(w io.Writer, format logFormat, level slog.Level) slog.Handler {
	opts := &slog.HandlerOptions{Level: level}
	if format == logJSON {
		opts.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
			if a.Value.Kind() == slog.KindDuration {
				a.Value = slog.StringValue(a.Value.Duration().String())
			}
			return a
		}
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}

// Mask is what secrets are replaced with.
const Mask = "********"

// minSecretLen is the shortest secret masked. Masking a one- or
// two-character value would rewrite every occurrence of those characters
// in all output; such a value is no real secret.
const minSecretLen = 4

// masker replaces connection secrets in strings. The secrets are learnt
// once the connection has been read, after logging has started, so they
// can be set later. It is safe for concurrent use.
type masker struct {
	mu      sync.RWMutex
	secrets []string
	repl    *strings.Replacer
}

// set records the secrets to mask, longest first so that a secret that
// contains another is masked whole. The escaped forms of each secret are
// masked too: as encoding/json writes it (text that embeds JSON, such as
// an error quoting a body), as slog's JSON handler writes it (which
// leaves <, > and & alone) and as the text handler quotes it.
func (m *masker) set(secrets []string) {
	var all []string
	for _, s := range secrets {
		if len(s) < minSecretLen {
			continue
		}
		all = append(all, s)
		if q, err := json.Marshal(s); err == nil {
			all = append(all, string(q[1:len(q)-1]))
		}
		q := strconv.Quote(s)
		all = append(all, slogJSONEscape(s), q[1:len(q)-1])
	}
	slices.SortFunc(all, func(a, b string) int {
		if d := len(b) - len(a); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	all = slices.Compact(all)
	pairs := make([]string, 0, 2*len(all))
	for _, s := range all {
		pairs = append(pairs, s, Mask)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	m.secrets = all
	m.repl = nil
	if len(pairs) > 0 {
		m.repl = strings.NewReplacer(pairs...)
	}
}

// String returns s with every secret replaced by Mask.
func (m *masker) String(s string) string {
	if m == nil {
		return s
	}
	m.mu.RLock()
	r := m.repl
	m.mu.RUnlock()
	if r == nil {
		return s
	}
	return r.Replace(s)
}

// Value returns a copy of a decoded JSON value with secrets masked out of
// every string, keys included.
func (m *masker) Value(v any) any {
	switch x := v.(type) {
	case string:
		return m.String(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = m.Value(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[m.String(k)] = m.Value(e)
		}
		return out
	}
	return v
}

// slogJSONEscape returns s as slog's JSON handler writes it inside a
// string: quote and backslash escaped, \n, \r and \t, other control bytes
// as \u00XX, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func slogJSONEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		case c == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		case c == '\u2028' || c == '\u2029':
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Map is Value for an object.
func (m *masker) Map(v map[string]any) map[string]any {
	if v == nil {
		return nil
	}
	return m.Value(v).(map[string]any)
}

// capture collects an invocation's log text for the envelope and, when
// stderr is set, copies each record there as it is written. Every record
// passes through the masker first. With a limit, the text kept between
// two Takes is bounded: the oldest records are dropped to make room for
// new ones, and Take reports how many were dropped. It is safe for
// concurrent use.
type capture struct {
	mu     sync.Mutex
	stderr io.Writer // nil: records are kept for the envelope only
	mask   *masker
	// limit bounds the bytes of records kept; 0 means no bound.
	limit int
	// format is the records' format; with logJSON the notes about cut
	// and dropped records are JSON objects too, so every line of the
	// log stays one JSON object.
	format logFormat

	// recs are the records kept, oldest first, and size their length in
	// bytes.
	recs    []string
	size    int
	dropped int
}

// Write takes one formatted record from the slog text handler.
func (c *capture) Write(p []byte) (int, error) {
	line := c.mask.String(string(p))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stderr != nil {
		io.WriteString(c.stderr, line) //nolint:errcheck // stderr is best effort
	}
	c.keep(line)
	return len(p), nil
}

// keep adds a record, dropping the oldest ones when over the limit. A
// single record longer than the limit is cut to it.
func (c *capture) keep(line string) {
	if c.limit > 0 && len(line) > c.limit {
		line = c.cut(line)
	}
	c.recs = append(c.recs, line)
	c.size += len(line)
	if c.limit <= 0 {
		return
	}
	n := 0
	for c.size > c.limit {
		c.size -= len(c.recs[n])
		c.recs[n] = ""
		n++
	}
	if n > 0 {
		c.recs = c.recs[n:]
		c.dropped += n
	}
}

// cutMark ends a record cut to the capture's limit.
const cutMark = "...[cut]\n"

// cut shortens a record longer than the limit. A text record keeps its
// head and ends with cutMark. Half a JSON object is no JSON, so a JSON
// record is replaced by a note saying how long it was.
func (c *capture) cut(line string) string {
	if c.format != logJSON {
		return line[:max(c.limit-len(cutMark), 0)] + cutMark
	}
	// A note longer than a tiny limit is dropped by keep like any record.
	return jsonNote(fmt.Sprintf("a log record of %d bytes was longer than this log's "+
		"limit of %d bytes; the plugin's stderr has it whole", len(line), c.limit))
}

// jsonNote renders a runtime note about the log itself as a JSON record.
func jsonNote(msg string) string {
	b, _ := json.Marshal(map[string]string{"level": "WARN", "msg": msg}) //nolint:errchkjson // strings always encode
	return string(b) + "\n"
}

// text renders the kept records, after a line counting the dropped ones.
// The caller holds mu.
func (c *capture) text() string {
	var b strings.Builder
	if c.dropped > 0 {
		msg := fmt.Sprintf("%d earlier log lines dropped to keep this log under %d "+
			"bytes; the plugin's stderr has them all", c.dropped, c.limit)
		if c.format == logJSON {
			b.WriteString(jsonNote(msg))
		} else {
			b.WriteString("[" + msg + "]\n")
		}
	}
	for _, r := range c.recs {
		b.WriteString(r)
	}
	return b.String()
}

// Text returns everything logged so far (within the limit).
func (c *capture) Text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.text()
}

// Take returns everything logged since the last Take (within the limit)
// and clears it; a trigger sends it with each event.
func (c *capture) Take() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.text()
	c.recs, c.size, c.dropped = nil, 0, 0
	return s
}

// invocation is the per-request logging state: its id, masker and
// captured log.
type invocation struct {
	id   string
	mask *masker
	cap  *capture
	log  *slog.Logger
}

// newInvocation builds the logger of one invocation, writing records in
// format. With debug, records at debug level are kept and also copied to
// stderr.
func newInvocation(id string, debug bool, format logFormat, stderr io.Writer) *invocation {
	inv := &invocation{id: id, mask: &masker{}}
	inv.cap = &capture{mask: inv.mask, format: format}
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
		inv.cap.stderr = stderr
	}
	inv.log = slog.New(newLogHandler(inv.cap, format, level)).With("request_id", id)
	return inv
}

// requestID picks the id of an invocation: the X-REQUEST-ID header when
// given, else jobId (and stepId) from meta, else a random id.
func requestID(header string, meta json.RawMessage) string {
	if header != "" {
		return header
	}
	var m map[string]any
	if json.Unmarshal(meta, &m) == nil {
		job, _ := m["jobId"].(string)
		step, _ := m["stepId"].(string)
		switch {
		case job != "" && step != "":
			return job + "/" + step
		case job != "":
			return job
		case step != "":
			return step
		}
	}
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}
