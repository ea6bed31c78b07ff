// Package httpstatus records the status code an http.Handler answered
// with, for servers that log or count their answers.
package httpstatus

import "net/http"

// Recorder is an http.ResponseWriter that passes everything through to
// the writer it wraps and remembers the first status code written. It is
// used by one handler goroutine at a time, like any ResponseWriter.
type Recorder struct {
	http.ResponseWriter

	// Status is the first status code written: the code given to
	// WriteHeader, or 200 when the handler wrote a body first. It stays
	// 0 while nothing was written, so a handler that hijacked the
	// connection and closed it without an answer leaves 0. A caller may
	// set it back to 0 to record that no answer went out.
	Status int
}

// WriteHeader records code if no status was recorded yet and passes it
// on.
func (r *Recorder) WriteHeader(code int) {
	if r.Status == 0 {
		r.Status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

// Write records 200 if no status was recorded yet, as net/http sends it
// before the first body bytes, and passes b on.
func (r *Recorder) Write(b []byte) (int, error) {
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap returns the wrapped writer, so http.ResponseController can
// reach the connection through a Recorder (to hijack or flush it).
func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
