package haloitsm

import (
	"errors"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/haloconnect/icon-haloitsm/halo"
)

// The plugin's own Prometheus metrics sit beside the runtime's
// icon_plugin_* metrics on one private registry, served at /metrics in
// HTTP mode. Every label takes values from a small fixed set: no ticket
// id, user text or raw URL path ever becomes a label value.

// Webhook delivery outcomes, the values of haloitsm_webhook_deliveries_total's
// outcome label.
const (
	deliveryAccepted     = "accepted"
	deliveryDuplicate    = "duplicate"
	deliveryUnauthorized = "unauthorized"
	deliveryTooLarge     = "too_large"
	deliveryBadBody      = "bad_body"
	deliveryQueueFull    = "queue_full"
	deliveryNotFound     = "not_found"
	deliveryBadMethod    = "bad_method"
)

// Trigger event outcomes, the values of haloitsm_trigger_events_total's
// outcome label: an event the dispatcher accepted, or one dropped because
// its output did not pass the spec.
const (
	eventDispatched = "dispatched"
	eventFailed     = "failed"
)

// retryReasons are the retry reasons the halo client reports; any other
// is counted as "other".
var retryReasons = []string{"429", "500", "502", "503", "504", "transport", "token", "ambiguous"}

// metrics holds the plugin's collectors. It implements halo.Observer. A
// nil *metrics records nothing, so code paths without a registry (tools,
// tests) need no checks. It is safe for concurrent use.
type metrics struct {
	haloRequests      *prometheus.CounterVec
	haloDuration      *prometheus.HistogramVec
	haloRetries       *prometheus.CounterVec
	tokenFetches      *prometheus.CounterVec
	rateLimitWait     prometheus.Counter
	webhookDeliveries *prometheus.CounterVec
	triggerEvents     *prometheus.CounterVec
}

var _ halo.Observer = (*metrics)(nil)

// newRegistry returns a private registry holding the Go runtime and
// process collectors and the plugin's metrics.
func newRegistry() (*prometheus.Registry, *metrics, error) {
	reg := prometheus.NewRegistry()
	err := reg.Register(collectors.NewGoCollector())
	if err == nil {
		err = reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if err != nil {
		return nil, nil, err
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, nil, err
	}
	return reg, m, nil
}

// newMetrics registers the plugin's collectors on reg. Label values known
// in advance start at zero, so that rate() sees a series before the first
// event.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		haloRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "haloitsm_halo_requests_total",
			Help: "HTTP attempts against the HaloITSM API by method, endpoint " +
				"(ids replaced by {id}) and status class (2xx, 3xx, 4xx, 5xx, or " +
				"error when no answer came).",
		}, []string{"method", "endpoint", "class"}),
		haloDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "haloitsm_halo_request_duration_seconds",
			Help:    "Duration of HTTP attempts against the HaloITSM API.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}, []string{"method"}),
		haloRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "haloitsm_halo_retries_total",
			Help: "HaloITSM API attempts retried, by reason (429, 5xx status, " +
				"transport, token, ambiguous create).",
		}, []string{"reason"}),
		tokenFetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "haloitsm_halo_token_fetches_total",
			Help: "Access token requests by outcome (ok, refused, server_error, " +
				"unreachable, error).",
		}, []string{"outcome"}),
		rateLimitWait: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "haloitsm_halo_rate_limit_wait_seconds_total",
			Help: "Time requests spent held back by the client-side rate budget " +
				"or the pause after a 429.",
		}),
		webhookDeliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "haloitsm_webhook_deliveries_total",
			Help: "HaloITSM webhook deliveries received by trigger webhook " +
				"receivers, by outcome.",
		}, []string{"outcome"}),
		triggerEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "haloitsm_trigger_events_total",
			Help: "Trigger events by trigger and outcome (dispatched, or failed " +
				"when the output did not pass the spec).",
		}, []string{"trigger", "outcome"}),
	}
	for _, c := range []prometheus.Collector{m.haloRequests, m.haloDuration, m.haloRetries,
		m.tokenFetches, m.rateLimitWait, m.webhookDeliveries, m.triggerEvents} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}

	for _, o := range []string{"ok", "refused", "server_error", "unreachable", "error"} {
		m.tokenFetches.WithLabelValues(o)
	}
	for _, r := range retryReasons {
		m.haloRetries.WithLabelValues(r)
	}
	for _, o := range []string{deliveryAccepted, deliveryDuplicate, deliveryUnauthorized,
		deliveryTooLarge, deliveryBadBody, deliveryQueueFull, deliveryNotFound,
		deliveryBadMethod} {
		m.webhookDeliveries.WithLabelValues(o)
	}
	for _, id := range []string{triggerCreated, triggerUpdated, triggerStatusChanged} {
		m.triggerEvents.WithLabelValues(id, eventDispatched)
		m.triggerEvents.WithLabelValues(id, eventFailed)
	}
	return m, nil
}

// OnRequest implements halo.Observer.
func (m *metrics) OnRequest(method, path string, status int, dur time.Duration) {
	if m == nil {
		return
	}
	m.haloRequests.WithLabelValues(method, endpointOf(path), statusClass(status)).Inc()
	m.haloDuration.WithLabelValues(method).Observe(dur.Seconds())
}

// OnRetry implements halo.Observer.
func (m *metrics) OnRetry(reason string, _ time.Duration) {
	if m == nil {
		return
	}
	found := false
	for _, r := range retryReasons {
		if r == reason {
			found = true
			break
		}
	}
	if !found {
		reason = "other"
	}
	m.haloRetries.WithLabelValues(reason).Inc()
}

// OnTokenFetch implements halo.Observer.
func (m *metrics) OnTokenFetch(err error) {
	if m == nil {
		return
	}
	m.tokenFetches.WithLabelValues(tokenOutcome(err)).Inc()
}

// OnRateLimitWait implements halo.Observer.
func (m *metrics) OnRateLimitWait(d time.Duration) {
	if m == nil {
		return
	}
	m.rateLimitWait.Add(d.Seconds())
}

// webhookDelivery counts one webhook delivery with one of the delivery*
// outcomes.
func (m *metrics) webhookDelivery(outcome string) {
	if m == nil {
		return
	}
	m.webhookDeliveries.WithLabelValues(outcome).Inc()
}

// triggerEvent counts one event of trigger (a spec trigger id) with
// outcome eventDispatched or eventFailed.
func (m *metrics) triggerEvent(trigger, outcome string) {
	if m == nil {
		return
	}
	m.triggerEvents.WithLabelValues(trigger, outcome).Inc()
}

// statusClass buckets an HTTP status: "2xx" ... "5xx", or "error" for no
// answer (0) or a status outside 100-599.
func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "error"
	}
	return string(rune('0'+status/100)) + "xx"
}

// tokenOutcome classifies a token fetch for haloitsm_halo_token_fetches_total.
func tokenOutcome(err error) string {
	if err == nil {
		return "ok"
	}
	var te *halo.TokenError
	switch {
	case !errors.As(err, &te):
		return "error"
	case te.StatusCode == 0 && te.Code == "":
		return "unreachable"
	case te.StatusCode >= 500:
		return "server_error"
	}
	return "refused"
}

// endpointOf reduces a request path to a label value of bounded
// cardinality: the resource after /api/ and, when there is more, "{id}"
// for a number, "me" for the login agent, or "{other}":
// "/api/Tickets/42" becomes "/Tickets/{id}".
func endpointOf(path string) string {
	if i := strings.LastIndex(strings.ToLower(path), "/api/"); i >= 0 {
		path = path[i+len("/api"):]
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if segs[0] == "" {
		return "/"
	}
	if !isLetters(segs[0]) || len(segs[0]) > 40 {
		return "/{other}"
	}
	out := "/" + segs[0]
	if len(segs) > 1 {
		switch {
		case isDigits(segs[1]):
			out += "/{id}"
		case strings.EqualFold(segs[1], "me"):
			out += "/me"
		default:
			out += "/{other}"
		}
	}
	return out
}

func isLetters(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
