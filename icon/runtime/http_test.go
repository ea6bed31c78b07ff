package runtime_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/haloconnect/icon-haloitsm/icon/runtime"
	"github.com/haloconnect/icon-haloitsm/icon/runtime/testdata/testplugin"
)

func newServer(t testing.TB, p runtime.Plugin) *httptest.Server {
	t.Helper()
	h, err := runtime.Handler(p)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPRoutes(t *testing.T) {
	t.Parallel()
	p := testplugin.Plugin()
	p.Metrics = prometheus.NewRegistry()
	srv := newServer(t, p)

	action := func(name, input string) string {
		return `{"version":"v1","type":"action_start","body":{"action":"` + name +
			`","meta":{"jobId":"j"},` + conn + `,"input":` + input + `}}`
	}
	failConn := `"connection":{"base_url":"http://fail","api_key":{"secretKey":"k-123456"}}`
	requests := []struct {
		method, path, body string
	}{
		{"POST", "/actions/echo", action("echo", `{"message":"a"}`)},
		{"POST", "/api/v1/actions/echo", action("echo", `{"message":"a","count":3}`)},
		{"POST", "/api/v1/actions/echo", action("echo", `{}`)},
		{"POST", "/api/v1/actions/fail", action("fail", `{"preset":"bad_request"}`)},
		{"POST", "/api/v1/actions/fail", action("fail", `{"preset":"server_error"}`)},
		{"POST", "/api/v1/actions/other", action("echo", `{"message":"a"}`)},
		{"POST", "/api/v1/actions/echo/test", action("echo", `{}`)},
		{"POST", "/actions/echo/test", `{"version":"v1","type":"action_start","body":{"action":"echo",` + failConn + `}}`},
		{"POST", "/api/v1/triggers/tick", `{"version":"v1","type":"trigger_start","body":{"trigger":"tick",` + conn + `}}`},
		{"POST", "/api/v1/triggers/tick/test", `{"version":"v1","type":"trigger_start","body":{"trigger":"tick",` + conn + `}}`},
		{"POST", "/api/v1/tasks/pages", `{"version":"v1","type":"task_start","body":{"task":"pages",` + conn + `}}`},
		{"POST", "/tasks/pages/test", `{"version":"v1","type":"task_start","body":{"task":"pages",` + conn + `}}`},
		{"POST", "/api/v1/connection/test", `{"version":"v1","type":"connection_test","body":{` + conn + `}}`},
		{"POST", "/api/v1/connection/test", `{"version":"v1","type":"connection_test","body":{` + failConn + `}}`},
		{"POST", "/api/v1/connection/test_task", `{"version":"v1","type":"connection_test","body":{` + conn + `}}`},
		{"POST", "/api/v1/connection/test_task", `{"version":"v1","type":"connection_test","body":{` + failConn + `}}`},
		{"POST", "/api/v1/connection/other", `{}`},
		{"POST", "/api/v1/actions/echo", `{"version":"v1"`},
		{"GET", "/api/v1/info", ""},
		{"GET", "/api/v1/status", ""},
		{"GET", "/api/v1/actions", ""},
		{"GET", "/api/v1/triggers", ""},
		{"GET", "/api/v1/tasks", ""},
		{"GET", "/api/v1/actions/echo", ""},
		{"GET", "/api/v1/actions/nope", ""},
		{"GET", "/api/v1/triggers/tick", ""},
		{"GET", "/api/v1/tasks/pages", ""},
		{"GET", "/api/v1/spec?format=json", ""},
		{"GET", "/api/v1/spec?format=xml", ""},
		{"GET", "/api/v1/connection", ""},
		{"GET", "/api/v1/definitions/actions", ""},
		{"GET", "/health", ""},
	}
	var transcript strings.Builder
	for _, r := range requests {
		code, body := do(t, srv, r.method, r.path, r.body)
		fmt.Fprintf(&transcript, "=== %s %s\n%d\n%s\n", r.method, r.path, code, strings.TrimSpace(body))
	}
	checkGolden(t, "http_routes.txt", normalise(transcript.String()))

	// The yaml spec is the embedded file, byte for byte.
	if code, body := do(t, srv, "GET", "/api/v1/spec?format=yaml", ""); code != 200 || body != string(testplugin.Spec) {
		t.Errorf("GET spec yaml = %d, body equal %v", code, body == string(testplugin.Spec))
	}
	// Swagger is at least a 2.0 document with paths.
	if code, body := do(t, srv, "GET", "/api/v1/api", ""); code != 200 ||
		!strings.Contains(body, `"swagger":"2.0"`) || !strings.Contains(body, `"/api/v1/actions/echo"`) {
		t.Errorf("GET api = %d %s", code, body)
	}
	// Metrics count the runs above.
	_, metrics := do(t, srv, "GET", "/metrics", "")
	for _, want := range []string{
		`icon_plugin_runs_total{kind="action",name="echo",outcome="ok"} 2`,
		`icon_plugin_http_requests_total{code="400",route="POST /api/v1/actions/{name}"}`,
		`icon_plugin_run_duration_seconds_bucket{kind="action",name="echo"`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func do(t testing.TB, srv *httptest.Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestHTTPBodyLimit(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testplugin.Plugin())
	big := `{"version":"v1","type":"action_start","body":{"action":"echo","input":{"message":"` +
		strings.Repeat("x", 11<<20) + `"}}}`
	code, body := do(t, srv, "POST", "/api/v1/actions/echo", big)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, `"code":413`) {
		t.Errorf("got %d %.200s, want 413 framework error", code, body)
	}
}

// TestHTTPConnectionCache checks that concurrent requests with the same
// connection share one Connect, and a different connection gets its own.
func TestHTTPConnectionCache(t *testing.T) {
	// Not parallel: it reads the package-wide Connects counter.
	srv := newServer(t, testplugin.Plugin())
	before := testplugin.Connects.Load()
	body := func(url string) string {
		return `{"version":"v1","type":"action_start","body":{"action":"echo","connection":{"base_url":"` +
			url + `","api_key":{"secretKey":"k-123456"}},"input":{"message":"a"}}}`
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			url := "http://127.0.0.1:1"
			if i%2 == 1 {
				url = "http://127.0.0.1:2"
			}
			if code, b := do(t, srv, "POST", "/api/v1/actions/echo", body(url)); code != 200 {
				t.Errorf("request %d: %d %s", i, code, b)
			}
		}()
	}
	wg.Wait()
	if got := testplugin.Connects.Load() - before; got != 2 {
		t.Errorf("Connect called %d times for 2 distinct connections, want 2", got)
	}
}
