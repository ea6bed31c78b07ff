package runtime

import (
	"errors"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
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
