package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the runtime's Prometheus collectors. A nil *metrics records
// nothing.
type metrics struct {
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	requests *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "icon_plugin_runs_total",
			Help: "Step invocations by kind (action, task, action_test, ...), name and outcome (ok, error).",
		}, []string{"kind", "name", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "icon_plugin_run_duration_seconds",
			Help:    "Duration of step invocations.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}, []string{"kind", "name"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "icon_plugin_http_requests_total",
			Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
	}
	var err error
	if m.runs, err = register(reg, m.runs); err != nil {
		return nil, err
	}
	if m.duration, err = register(reg, m.duration); err != nil {
		return nil, err
	}
	if m.requests, err = register(reg, m.requests); err != nil {
		return nil, err
	}
	return m, nil
}

// register adds c to reg, reusing an identical collector already there
// (a registry shared by several Run calls, as in tests).
func register[C prometheus.Collector](reg *prometheus.Registry, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

func (m *metrics) observeRun(kind, name, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.runs.WithLabelValues(kind, name, outcome).Inc()
	m.duration.WithLabelValues(kind, name).Observe(d.Seconds())
}

func (m *metrics) observeRequest(route string, code int) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
}

// Limits of the metrics listener of a trigger process. A scrape is
// small and quick; anything slower is a stuck client.
const (
	metricsReadTimeout  = 10 * time.Second
	metricsWriteTimeout = 30 * time.Second
	metricsIdleTimeout  = 2 * time.Minute
	metricsShutdown     = 5 * time.Second
)

// serveMetrics serves GET /metrics from reg on addr until ctx ends, for a
// trigger's run process (see EnvMetricsAddr). It listens before it
// returns and reports the address it listens on. The returned stop
// function shuts the server down, waits for it and is safe to call more
// than once. A listen failure is returned; the caller decides whether
// the trigger runs on without metrics.
func serveMetrics(ctx context.Context, addr string, reg *prometheus.Registry,
	log *slog.Logger) (bound string, stop func(), err error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("runtime: metrics listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: metricsReadTimeout,
		ReadTimeout:       metricsReadTimeout,
		WriteTimeout:      metricsWriteTimeout,
		IdleTimeout:       metricsIdleTimeout,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "error", err.Error())
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), metricsShutdown)
			defer cancel()
			if srv.Shutdown(sctx) != nil {
				_ = srv.Close() // scrapes still running after the grace period are cut
			}
			<-done
		})
	}
	return ln.Addr().String(), stop, nil
}
