package runtime_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/haloconnect/icon-haloitsm/icon/runtime"
	"github.com/haloconnect/icon-haloitsm/icon/runtime/testdata/testplugin"
)

// freeLoopbackAddr returns a loopback address with a port that was free
// a moment ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	var lc net.ListenConfig
	ln, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// get fetches url, returning the status and body, or the error.
func get(ctx context.Context, method, url string) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// metricsPlugin is the test plugin with a registry holding one counter
// of its own, which its tick trigger increments before its event.
func metricsPlugin(addr string) runtime.Plugin {
	p := testplugin.Plugin()
	p.Metrics = prometheus.NewRegistry()
	ticks := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "testplugin_ticks_total", Help: "Ticks.",
	})
	p.Metrics.MustRegister(ticks)
	p.Getenv = env(map[string]string{runtime.EnvMetricsAddr: addr})
	p.Triggers["tick"] = func(ctx context.Context, r *runtime.Request, send runtime.SendFunc) error {
		ticks.Inc()
		if err := send(ctx, map[string]any{"n": 1}); err != nil {
			return err
		}
		<-ctx.Done()
		return ctx.Err()
	}
	return p
}

func TestTriggerServesMetricsWhileRunning(t *testing.T) {
	t.Parallel()
	addr := freeLoopbackAddr(t)
	p := metricsPlugin(addr)
	msg := `{"version":"v1","type":"trigger_start","body":{"trigger":"tick",` + conn + `}}`

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr bytes.Buffer // written by Run only, read after it returns
	done := make(chan int, 1)
	go func() {
		done <- runtime.Run(ctx, p, []string{"run"}, strings.NewReader(msg), &stdout, &stderr)
	}()

	// The trigger's own and the runtime's metrics are served once the
	// event went out.
	url := "http://" + addr + "/metrics"
	want := []string{
		"testplugin_ticks_total 1",
		`icon_plugin_runs_total{kind="trigger_event",name="tick",outcome="ok"} 1`,
	}
	var body string
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, b, err := get(t.Context(), http.MethodGet, url)
		body = b
		if err == nil && code == http.StatusOK && containsAll(body, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: code %d, error %v, body:\n%s", url, code, err, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, _, err := get(t.Context(), http.MethodGet, "http://"+addr+"/other"); err != nil ||
		code != http.StatusNotFound {
		t.Errorf("GET /other = %d, %v; want 404", code, err)
	}
	if code, _, err := get(t.Context(), http.MethodPost, url); err != nil ||
		code != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics = %d, %v; want 405", code, err)
	}

	// Stopping the trigger closes the listener.
	cancel()
	select {
	case code := <-done:
		if code != runtime.ExitOK {
			t.Errorf("exit = %d, want 0; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the trigger did not stop")
	}
	if _, _, err := get(t.Context(), http.MethodGet, url); err == nil {
		t.Errorf("GET %s after the trigger stopped succeeded; want the listener closed", url)
	}
	if !strings.Contains(stderr.String(), `address=`+addr+` path=/metrics`) {
		t.Errorf("stderr does not log the metrics address:\n%s", stderr.String())
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// TestMetricsAddrOnlyForTriggers checks that a malformed metrics address
// stops a trigger before it starts, that an action's run ignores the
// variable, and that an address in use is logged while the trigger runs
// on.
func TestMetricsAddrOnlyForTriggers(t *testing.T) {
	t.Parallel()
	t.Run("malformed address, trigger", func(t *testing.T) {
		t.Parallel()
		p := metricsPlugin("9102")
		msg := `{"version":"v1","type":"trigger_start","body":{"trigger":"tick",` + conn + `}}`
		var stdout, stderr bytes.Buffer
		code := runtime.Run(t.Context(), p, []string{"run"}, strings.NewReader(msg), &stdout, &stderr)
		if code != runtime.ExitUsage || stdout.Len() != 0 {
			t.Errorf("exit = %d, stdout %q; want %d and nothing", code, stdout.String(),
				runtime.ExitUsage)
		}
		want := `ICON_METRICS_ADDR: "9102" is not an address; give host:port or :port`
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr = %q, want %q", stderr.String(), want)
		}
	})
	t.Run("malformed address, action", func(t *testing.T) {
		t.Parallel()
		p := metricsPlugin("9102")
		msg := `{"version":"v1","type":"action_start","body":{"action":"echo",` + conn +
			`,"input":{"message":"m"}}}`
		var stdout, stderr bytes.Buffer
		code := runtime.Run(t.Context(), p, []string{"--debug", "run"}, strings.NewReader(msg),
			&stdout, &stderr)
		if code != runtime.ExitOK || strings.Contains(stdout.String()+stderr.String(), "metrics") {
			t.Errorf("exit = %d; stdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
		}
	})
	t.Run("address in use, trigger", func(t *testing.T) {
		t.Parallel()
		var lc net.ListenConfig
		taken, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer taken.Close()
		p := metricsPlugin(taken.Addr().String())
		p.Triggers["tick"] = func(ctx context.Context, r *runtime.Request, send runtime.SendFunc) error {
			return send(ctx, map[string]any{"n": 1})
		}
		msg := `{"version":"v1","type":"trigger_start","body":{"trigger":"tick",` + conn + `}}`
		var stdout, stderr bytes.Buffer
		code := runtime.Run(t.Context(), p, []string{"run"}, strings.NewReader(msg), &stdout, &stderr)
		if code != runtime.ExitOK || !strings.Contains(stdout.String(), `"n":1`) {
			t.Errorf("exit = %d, stdout %q; want 0 and the event", code, stdout.String())
		}
		if !strings.Contains(stderr.String(), "cannot serve metrics; the trigger runs without them") {
			t.Errorf("stderr does not report the listen failure:\n%s", stderr.String())
		}
	})
}
