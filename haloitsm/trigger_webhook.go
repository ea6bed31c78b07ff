package haloitsm

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/haloconnect/icon-haloitsm/halo"
)

// The webhook receiver answers HaloITSM quickly: it checks the request,
// parses the body (no HaloITSM call), queues the events and answers 200;
// a worker then completes each event from HaloITSM where the payload
// lacks the ticket, and reports it. A full queue answers 503 so that
// HaloITSM resends the delivery later instead of it being lost. A
// delivery HaloITSM resends (same delivery id) is reported once.

// Webhook receiver limits.
const (
	// webhookQueueCap bounds the events waiting to be processed.
	webhookQueueCap = 1024
	// deliveryMemory is how long a delivery id is remembered, and
	// maxDeliveryIDs how many at most.
	deliveryMemory = 24 * time.Hour
	maxDeliveryIDs = 100_000
)

// webhookConfig configures a webhookReceiver.
type webhookConfig struct {
	// Path, when not empty, is the only URL path accepted.
	Path string
	// Username and Password, when Username is not empty, are the Basic
	// credentials every request must carry.
	Username, Password string
	// TLS, when set, makes the receiver serve HTTPS with it (see
	// webhookTLS); nil means plain HTTP.
	TLS *tls.Config
	// MaxBody bounds the request body; 0 means maxWebhookBody.
	MaxBody int64
	// QueueCap bounds the queued events; 0 means webhookQueueCap.
	QueueCap int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// webhookReceiver is the http.Handler receiving HaloITSM webhooks and the
// queue between it and the worker. It is safe for concurrent use.
type webhookReceiver struct {
	cfg      webhookConfig
	userHash [32]byte
	passHash [32]byte
	log      *slog.Logger
	metrics  *metrics // nil records nothing

	mu    sync.Mutex
	queue []WebhookDelivery
	ids   *deliverySet
	wake  chan struct{}
}

func newWebhookReceiver(cfg webhookConfig, log *slog.Logger) *webhookReceiver {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = maxWebhookBody
	}
	if cfg.QueueCap <= 0 {
		cfg.QueueCap = webhookQueueCap
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &webhookReceiver{
		cfg: cfg, log: log,
		// Comparing fixed-size hashes keeps the comparison's time
		// independent of the secret's length.
		userHash: sha256.Sum256([]byte(cfg.Username)),
		passHash: sha256.Sum256([]byte(cfg.Password)),
		ids:      newDeliverySet(deliveryMemory, maxDeliveryIDs),
		wake:     make(chan struct{}, 1),
	}
}

// ServeHTTP answers one webhook delivery: 405 for a method other than
// POST, 404 for another path, 401 without the configured credentials,
// 413 for a body over the limit, 400 for a body that is not a HaloITSM
// webhook, 503 when the queue is full, else 200.
func (wr *webhookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		wr.metrics.webhookDelivery(deliveryBadMethod)
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if wr.cfg.Path != "" && r.URL.Path != wr.cfg.Path {
		wr.metrics.webhookDelivery(deliveryNotFound)
		http.NotFound(w, r)
		return
	}
	if wr.cfg.Username != "" && !wr.authorised(r) {
		wr.log.Warn("webhook refused: missing or wrong credentials", "remote", r.RemoteAddr)
		wr.metrics.webhookDelivery(deliveryUnauthorized)
		w.Header().Set("WWW-Authenticate", `Basic realm="haloitsm", charset="UTF-8"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, wr.cfg.MaxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		wr.log.Warn("webhook refused: body too large", "limit", wr.cfg.MaxBody)
		wr.metrics.webhookDelivery(deliveryTooLarge)
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		wr.metrics.webhookDelivery(deliveryBadBody)
		http.Error(w, "body could not be read", http.StatusBadRequest)
		return
	}
	ds, err := ParseWebhook(body)
	if err != nil {
		wr.log.Warn("webhook refused: not a HaloITSM webhook body", "error", err.Error())
		wr.metrics.webhookDelivery(deliveryBadBody)
		// The message names a position, never the body's text.
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	queued, dups, ok := wr.enqueue(ds)
	if !ok {
		wr.log.Warn("webhook refused: event queue full; HaloITSM can resend it",
			"events", len(ds))
		wr.metrics.webhookDelivery(deliveryQueueFull)
		w.Header().Set("Retry-After", "30")
		http.Error(w, "busy, resend later", http.StatusServiceUnavailable)
		return
	}
	wr.log.Debug("webhook accepted", "events", queued, "duplicates", dups)
	if queued == 0 && dups > 0 {
		wr.metrics.webhookDelivery(deliveryDuplicate)
	} else {
		wr.metrics.webhookDelivery(deliveryAccepted)
	}
	w.Header().Set("Content-Type", "application/json")
	//nolint:gosec // two integers in a JSON answer, nothing from the request
	fmt.Fprintf(w, `{"accepted":%d,"duplicates":%d}`+"\n", queued, dups)
}

// authorised checks the request's Basic credentials in constant time.
func (wr *webhookReceiver) authorised(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	uh, ph := sha256.Sum256([]byte(u)), sha256.Sum256([]byte(p))
	userOK := subtle.ConstantTimeCompare(uh[:], wr.userHash[:])
	passOK := subtle.ConstantTimeCompare(ph[:], wr.passHash[:])
	return ok && userOK&passOK == 1
}

// enqueue queues the deliveries not seen before, all or none: it reports
// false, queuing nothing, when they do not fit.
func (wr *webhookReceiver) enqueue(ds []WebhookDelivery) (queued, dups int, ok bool) {
	now := wr.cfg.Now()
	wr.mu.Lock()
	defer wr.mu.Unlock()
	fresh := make([]WebhookDelivery, 0, len(ds))
	inBody := map[string]bool{}
	for _, d := range ds {
		if d.DeliveryID != "" && (wr.ids.has(d.DeliveryID, now) || inBody[d.DeliveryID]) {
			dups++
			continue
		}
		inBody[d.DeliveryID] = true
		fresh = append(fresh, d)
	}
	if len(wr.queue)+len(fresh) > wr.cfg.QueueCap {
		return 0, 0, false
	}
	for _, d := range fresh {
		if d.DeliveryID != "" {
			wr.ids.add(d.DeliveryID, now)
		}
	}
	wr.queue = append(wr.queue, fresh...)
	if len(fresh) > 0 {
		select {
		case wr.wake <- struct{}{}:
		default:
		}
	}
	return len(fresh), dups, true
}

// next returns the oldest queued delivery without removing it, waiting
// for one until ctx ends.
func (wr *webhookReceiver) next(ctx context.Context) (WebhookDelivery, error) {
	for {
		wr.mu.Lock()
		if len(wr.queue) > 0 {
			d := wr.queue[0]
			wr.mu.Unlock()
			return d, nil
		}
		wr.mu.Unlock()
		select {
		case <-ctx.Done():
			return WebhookDelivery{}, ctx.Err()
		case <-wr.wake:
		}
	}
}

// done removes the delivery next returned.
func (wr *webhookReceiver) done() {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	wr.queue[0] = WebhookDelivery{}
	wr.queue = wr.queue[1:]
	if len(wr.queue) == 0 {
		wr.queue = nil // let the backing array go
	}
}

// pending returns the number of queued deliveries.
func (wr *webhookReceiver) pending() int {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	return len(wr.queue)
}

// deliverySet remembers delivery ids for a while, oldest first, within a
// count limit. It is not safe for concurrent use.
type deliverySet struct {
	keep  time.Duration
	limit int
	at    map[string]time.Time
	order []string // ids in the order added; the head is the oldest
}

func newDeliverySet(keep time.Duration, limit int) *deliverySet {
	return &deliverySet{keep: keep, limit: limit, at: map[string]time.Time{}}
}

func (s *deliverySet) has(id string, now time.Time) bool {
	s.prune(now)
	_, ok := s.at[id]
	return ok
}

func (s *deliverySet) add(id string, now time.Time) {
	if _, ok := s.at[id]; ok {
		return
	}
	s.at[id] = now
	s.order = append(s.order, id)
	s.prune(now)
}

// prune forgets ids older than keep, and the oldest beyond limit.
func (s *deliverySet) prune(now time.Time) {
	n := 0
	for n < len(s.order) {
		id := s.order[n]
		if len(s.order)-n <= s.limit && now.Sub(s.at[id]) < s.keep {
			break
		}
		delete(s.at, id)
		n++
	}
	if n > 0 {
		s.order = append(s.order[:0:0], s.order[n:]...)
	}
}

// Len returns the number of ids remembered.
func (s *deliverySet) Len() int { return len(s.order) }

// webhookObservation completes a delivery from HaloITSM (see
// NormaliseWebhook) and turns it into an observation. ok is false for an
// event without a ticket (a deleted ticket, or a body naming none).
func (c *Connection) webhookObservation(ctx context.Context,
	d WebhookDelivery) (o observation, ok bool, err error) {
	ev, err := c.normaliseDelivery(ctx, d, true)
	if err != nil {
		return o, false, err
	}
	if ev.Ticket == nil || ev.TicketID == 0 || ev.Kind == EventDeleted {
		return o, false, nil
	}
	o = observation{
		ticket:         ev.Ticket,
		id:             ev.TicketID,
		created:        ev.Kind == EventCreated,
		statusHint:     ev.Kind == EventStatusChanged || ev.Kind == EventClosed,
		prevStatusHint: ev.PreviousStatusID,
		deliveryID:     ev.DeliveryID,
		kind:           ev.Kind,
	}
	// The ticket output keeps seconds only; the body has Halo's full
	// precision, which tells apart two changes within one second.
	var raw map[string]json.RawMessage
	if len(d.Ticket) > 0 && json.Unmarshal(d.Ticket, &raw) == nil {
		if s := rawString(field(raw, "last_update")); s != "" {
			if t, err := halo.ParseTime(s); err == nil {
				o.updated = t.Time
			}
		}
		// A body with the ticket's summary was used as it is (nothing
		// fetched), so only the fields it carried are known.
		if rawString(field(raw, "summary")) != "" {
			o.present = presentFields(raw)
		}
	}
	if o.updated.IsZero() {
		if s, _ := ev.Ticket["last_update"].(string); s != "" {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				o.updated = t
			}
		}
	}
	return o, true, nil
}

// presentFields reports which ticket output fields a webhook's ticket
// object carried.
func presentFields(raw map[string]json.RawMessage) func(string) bool {
	has := func(keys ...string) bool {
		for _, k := range keys {
			if field(raw, k) != nil {
				return true
			}
		}
		return false
	}
	return func(f string) bool {
		switch f {
		case "category_id":
			return has("categoryid_1", "category_1")
		case "team_id":
			return has("team_id", "team")
		case "details":
			return has("details", "details_html")
		}
		return has(f)
	}
}

// listenWebhooks listens on addr, retrying with backoff while the address
// is taken or not available, until ctx ends.
func listenWebhooks(ctx context.Context, addr string, log *slog.Logger) (net.Listener, error) {
	var lc net.ListenConfig
	for attempt := 1; ; attempt++ {
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err == nil {
			return ln, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		wait := retryWait(attempt, time.Second, time.Minute)
		log.Error("cannot listen for HaloITSM webhooks; trying again", "address", addr,
			"attempt", attempt, "wait", wait.String(), "error", err.Error())
		if !sleepCtx(ctx, wait) {
			return nil, ctx.Err()
		}
	}
}

// serveWebhooks serves wr on ln until ctx ends, then shuts the server
// down, giving requests in flight a few seconds. It serves HTTPS when the
// receiver has a TLS configuration, and warns when Basic credentials are
// to cross the network in clear text.
func serveWebhooks(ctx context.Context, ln net.Listener, wr *webhookReceiver,
	log *slog.Logger) error {
	if wr.cfg.Username != "" && wr.cfg.TLS == nil {
		log.Warn("webhook Basic credentials travel in clear text: the receiver serves plain " +
			"HTTP; give webhook_tls_certificate and webhook_tls_key, or put a TLS-terminating " +
			"proxy in front of it")
	}
	srv := &http.Server{
		TLSConfig:         wr.cfg.TLS,
		Handler:           wr,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() {
		if srv.TLSConfig != nil {
			// The certificate is in TLSConfig, so no files are named.
			errc <- srv.ServeTLS(ln, "", "")
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close() // requests still running after the grace period are cut
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// webhookAddr joins the listen host and port.
func webhookAddr(host string, port int) string {
	return net.JoinHostPort(strings.TrimSpace(host), fmt.Sprint(port))
}

// webhookTLS builds the webhook receiver's TLS configuration from the
// trigger inputs webhook_tls_certificate (the PEM certificate, followed
// by any intermediate certificates) and webhook_tls_key (its PEM private
// key: PKCS #8, PKCS #1 or SEC 1). Both empty means plain HTTP and a nil
// configuration. Giving one without the other, a value that is not PEM
// of the right kind, or a key that does not belong to the certificate is
// an *inputError naming the field; no message ever quotes the key.
// Clients must speak TLS 1.2 or later.
func webhookTLS(certPEM, keyPEM string) (*tls.Config, error) {
	certPEM, keyPEM = strings.TrimSpace(certPEM), strings.TrimSpace(keyPEM)
	switch {
	case certPEM == "" && keyPEM == "":
		return nil, nil
	case keyPEM == "":
		return nil, badInput("webhook_tls_key", "webhook_tls_key: give the private key of "+
			"webhook_tls_certificate to serve HTTPS, or neither for plain HTTP")
	case certPEM == "":
		return nil, badInput("webhook_tls_certificate", "webhook_tls_certificate: give the "+
			"certificate of webhook_tls_key to serve HTTPS, or neither for plain HTTP")
	}
	if err := checkCertificatePEM(certPEM); err != nil {
		return nil, badInput("webhook_tls_certificate", "webhook_tls_certificate: %v", err)
	}
	if !isPrivateKeyPEM(keyPEM) {
		return nil, badInput("webhook_tls_key", "webhook_tls_key: is not a PEM encoded "+
			"private key (-----BEGIN PRIVATE KEY----- ...)")
	}
	pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		// The library's message is not shown: it could say more about
		// the key than an error should.
		return nil, badInput("webhook_tls_key", "webhook_tls_key: does not belong to the "+
			"certificate in webhook_tls_certificate")
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{pair}}, nil
}

// checkCertificatePEM reports whether s holds PEM certificates only, at
// least one, each of which parses.
func checkCertificatePEM(s string) error {
	rest := []byte(s)
	n := 0
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return fmt.Errorf("holds a %q PEM block; give certificates only "+
				"(-----BEGIN CERTIFICATE----- ...)", b.Type)
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return fmt.Errorf("certificate %d does not parse: %w", n+1, err)
		}
		n++
	}
	if n == 0 || strings.TrimSpace(string(rest)) != "" {
		return errors.New("is not a PEM encoded certificate (-----BEGIN CERTIFICATE----- ...)")
	}
	return nil
}

// isPrivateKeyPEM reports whether s holds a PEM private key that parses,
// after any other blocks (such as EC PARAMETERS).
func isPrivateKeyPEM(s string) bool {
	rest := []byte(s)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return false
		}
		if !strings.HasSuffix(b.Type, "PRIVATE KEY") {
			continue
		}
		if _, err := x509.ParsePKCS8PrivateKey(b.Bytes); err == nil {
			return true
		}
		if _, err := x509.ParsePKCS1PrivateKey(b.Bytes); err == nil {
			return true
		}
		_, err := x509.ParseECPrivateKey(b.Bytes)
		return err == nil
	}
}
