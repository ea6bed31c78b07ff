package loadtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// scriptedHandler answers each request with the next status of its
// script; 0 closes the connection without an answer.
type scriptedHandler struct {
	mu     sync.Mutex
	script []int
}

func (h *scriptedHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	code := h.script[0]
	h.script = h.script[1:]
	h.mu.Unlock()
	if code == 0 {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic("scriptedHandler: cannot hijack: " + err.Error())
		}
		conn.Close()
		return
	}
	w.WriteHeader(code)
	_, _ = io.WriteString(w, "answer")
}

func TestRecorder(t *testing.T) {
	t.Parallel()
	type req struct {
		method, path, body string
		status             int // scripted answer
	}
	tests := []struct {
		name string
		reqs []req
		want APICounts
	}{
		{
			name: "a 503 then its resend",
			reqs: []req{
				{"GET", "/api/Tickets/1", "", 503},
				{"GET", "/api/Tickets/1", "", 200},
			},
			want: APICounts{Requests: 2, ByStatus: map[int]int{503: 1, 200: 1}, Retries: 1},
		},
		{
			name: "a different request after a failure is not a retry",
			reqs: []req{
				{"GET", "/api/Tickets/1", "", 502},
				{"GET", "/api/Tickets/2", "", 200},
			},
			want: APICounts{Requests: 2, ByStatus: map[int]int{502: 1, 200: 1}},
		},
		{
			name: "a POST body is part of the identity",
			reqs: []req{
				{"POST", "/api/Tickets", `[{"summary":"a"}]`, 0},
				{"POST", "/api/Tickets", `[{"summary":"b"}]`, 201},
				{"POST", "/api/Tickets", `[{"summary":"a"}]`, 201},
			},
			want: APICounts{Requests: 3, ByStatus: map[int]int{0: 1, 201: 2}, Retries: 1},
		},
		{
			name: "429, 401 and dropped are failures; two failures, two resends",
			reqs: []req{
				{"GET", "/api/Status", "", 429},
				{"GET", "/api/Status", "", 401},
				{"GET", "/api/Status", "", 200},
				{"GET", "/api/Status", "", 200},
			},
			want: APICounts{Requests: 4, ByStatus: map[int]int{429: 1, 401: 1, 200: 2},
				Retries: 2},
		},
		{
			name: "a repeat of a successful request is not a retry",
			reqs: []req{
				{"GET", "/api/Status", "", 200},
				{"GET", "/api/Status", "", 200},
				{"GET", "/api/status", "", 404},
			},
			want: APICounts{Requests: 3, ByStatus: map[int]int{200: 2, 404: 1}},
		},
		{
			name: "token requests are counted apart; other paths not at all",
			reqs: []req{
				{"POST", "/auth/token", "grant_type=client_credentials", 200},
				{"POST", "/auth/token", "grant_type=client_credentials", 500},
				{"GET", "/elsewhere", "", 404},
			},
			want: APICounts{TokenRequests: 2, ByStatus: map[int]int{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := &scriptedHandler{}
			for _, r := range tt.reqs {
				h.script = append(h.script, r.status)
			}
			rec := newRecorder(h)
			srv := httptest.NewServer(rec)
			defer srv.Close()
			client := srv.Client()
			for _, r := range tt.reqs {
				hr, err := http.NewRequestWithContext(t.Context(), r.method, srv.URL+r.path,
					strings.NewReader(r.body))
				if err != nil {
					t.Fatal(err)
				}
				res, err := client.Do(hr)
				if r.status == 0 {
					if err == nil {
						res.Body.Close()
						t.Fatalf("%s %s: got an answer, want a dropped connection",
							r.method, r.path)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s %s: %v", r.method, r.path, err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != r.status {
					t.Fatalf("%s %s: status %d, want %d", r.method, r.path, res.StatusCode,
						r.status)
				}
			}
			if diff := cmp.Diff(tt.want, rec.snapshot()); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAPICountsHelpers(t *testing.T) {
	t.Parallel()
	c := APICounts{ByStatus: map[int]int{0: 3, 200: 50, 429: 4, 500: 1, 502: 2, 503: 5}}
	if got := c.Status5xx(); got != 8 {
		t.Errorf("Status5xx = %d, want 8", got)
	}
	if got := c.Status429(); got != 4 {
		t.Errorf("Status429 = %d, want 4", got)
	}
	if got := c.Dropped(); got != 3 {
		t.Errorf("Dropped = %d, want 3", got)
	}
}
