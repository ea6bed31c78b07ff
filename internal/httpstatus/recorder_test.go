package httpstatus_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/haloconnect/icon-haloitsm/internal/httpstatus"
)

func TestRecorderStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler func(w http.ResponseWriter)
		want    int
	}{
		{"nothing written", func(http.ResponseWriter) {}, 0},
		{"header", func(w http.ResponseWriter) { w.WriteHeader(http.StatusTeapot) }, 418},
		{"body first", func(w http.ResponseWriter) { _, _ = io.WriteString(w, "x") }, 200},
		{"first header wins", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusAccepted)
			w.WriteHeader(http.StatusInternalServerError)
		}, 202},
		{"header then body", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, "gone")
		}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inner := httptest.NewRecorder()
			rec := &httpstatus.Recorder{ResponseWriter: inner}
			tt.handler(rec)
			if rec.Status != tt.want {
				t.Errorf("Status = %d, want %d", rec.Status, tt.want)
			}
			// The wrapped writer saw the same answer.
			if tt.want != 0 && inner.Code != tt.want {
				t.Errorf("wrapped writer's code = %d, want %d", inner.Code, tt.want)
			}
		})
	}
}

// TestRecorderHijackLeavesZero checks that a handler can hijack the
// connection through the Recorder (http.ResponseController finds it via
// Unwrap) and that closing it without an answer leaves the status 0.
func TestRecorderHijackLeavesZero(t *testing.T) {
	t.Parallel()
	got := make(chan int, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &httpstatus.Recorder{ResponseWriter: w}
		conn, _, err := http.NewResponseController(rec).Hijack()
		if err != nil {
			t.Errorf("Hijack through the Recorder: %v", err)
			got <- -1
			return
		}
		_ = conn.Close()
		got <- rec.Status
	}))
	defer srv.Close()

	req, err := http.NewRequestWithContext(t.Context(), "GET", srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err == nil {
		_ = resp.Body.Close()
		t.Fatalf("request answered %s; want the connection closed", resp.Status)
	}
	if s := <-got; s != 0 {
		t.Errorf("Status after hijack and close = %d, want 0", s)
	}
}
