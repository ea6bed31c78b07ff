package emulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Defaults used when the corresponding Config field is zero.
const (
	DefaultTokenTTL   = time.Hour
	DefaultRateWindow = 5 * time.Minute
	// DefaultClientID and DefaultClientSecret are the credentials a zero
	// Config accepts.
	DefaultClientID     = "emulator-client"
	DefaultClientSecret = "emulator-secret"
	// DefaultLoginAgentID is the agent an API application logs in as
	// (GET /api/Agent/me).
	DefaultLoginAgentID = 3
	// DefaultUIAgentID is the agent credited with changes made through
	// the Server's direct methods ("in Halo's UI").
	DefaultUIAgentID = 4
)

// Config configures a Server. The zero value is usable: it accepts
// DefaultClientID/DefaultClientSecret, issues one-hour tokens and applies
// no rate limit.
type Config struct {
	ClientID, ClientSecret string

	// Username and Password, when both set, enable the password grant
	// for "Username & Password" applications.
	Username, Password string

	// Tenant, when set, must be named by every token request (query
	// ?tenant= or form field tenant). A missing or wrong tenant is
	// answered with a large HTML 500 page, as hosted Halo does.
	Tenant string

	TokenTTL time.Duration // default DefaultTokenTTL

	// RateLimit is the number of requests allowed per rolling
	// RateWindow on /api (the token endpoint is not limited); 0 means
	// unlimited. Hosted Halo allows 300 per 5 minutes.
	RateLimit  int
	RateWindow time.Duration // default DefaultRateWindow

	// RetryAfter, when positive, adds a Retry-After header (whole
	// seconds) to 429 answers. Halo has never been seen sending one.
	RetryAfter time.Duration

	Faults Faults

	// LooseIDs renders ids in ticket lists sometimes as strings ("7")
	// and sometimes as floats (7.0), as Halo's loose typing allows, so a
	// client that decodes ids strictly fails.
	LooseIDs bool

	// IgnoreScopes turns off scope enforcement: every valid token may
	// call every endpoint.
	IgnoreScopes bool

	// LoginAgentID is the agent the API application logs in as; default
	// DefaultLoginAgentID.
	LoginAgentID int

	Now    func() time.Time // clock; nil means time.Now
	Logger *slog.Logger     // nil means silent
}

// Faults selects injected failures. Fault choice is pseudo-random from
// Seed, so a run is repeatable for a given request order.
type Faults struct {
	// Latency is added to every response.
	Latency time.Duration
	// ErrorRatio is the fraction of /api requests answered 500, 502 or
	// 503 without being processed.
	ErrorRatio float64
	// DropRatio is the fraction of /api requests whose connection is
	// closed with no answer, without being processed.
	DropRatio float64
	// CommitThenFail is the fraction of POST writes under /api that are
	// applied and then answered 502 or dropped: the ambiguous failure a
	// client must not blindly retry.
	CommitThenFail float64
	// TokenHTML500 makes the token endpoint answer a large HTML 500
	// page.
	TokenHTML500 bool
	// Seed seeds the fault choice.
	Seed int64
}

// Server is an emulated HaloITSM instance. Create one with New,
// NewTestServer or Listen; Close it when done. Its methods are safe for
// concurrent use.
type Server struct {
	cfg    Config
	now    func() time.Time
	logger *slog.Logger

	// ctx is cancelled by Close; it stops injected latency, webhook
	// deliveries and their retries.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // webhook workers

	mu     sync.Mutex
	faults Faults
	rng    *rand.Rand
	limit  rateLimiter
	closed bool

	tokens       map[string]*token
	refresh      map[string]string // refresh token -> scope
	tokensIssued int

	store  store
	hooks  []*hookWorker
	reqlog requestLog

	deliveries []Delivery
	delivered  chan struct{} // closed and replaced on every new delivery

	handler http.Handler
	httpSrv *http.Server
	ln      net.Listener
	baseURL string
}

// New returns a Server that is not listening; serve its Handler with
// any http.Server or httptest.Server. URL is empty until SetBaseURL is
// called or the Server is created by Listen or NewTestServer.
func New(cfg Config) *Server {
	if cfg.ClientID == "" && cfg.ClientSecret == "" {
		cfg.ClientID, cfg.ClientSecret = DefaultClientID, DefaultClientSecret
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.RateWindow <= 0 {
		cfg.RateWindow = DefaultRateWindow
	}
	if cfg.LoginAgentID == 0 {
		cfg.LoginAgentID = DefaultLoginAgentID
	}
	s := &Server{
		cfg:       cfg,
		now:       cfg.Now,
		logger:    cfg.Logger,
		tokens:    map[string]*token{},
		refresh:   map[string]string{},
		delivered: make(chan struct{}),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.setFaultsLocked(cfg.Faults)
	s.limit = rateLimiter{limit: cfg.RateLimit, window: cfg.RateWindow}
	s.store = newStore()
	s.handler = s.routes()
	return s
}

// Listen starts a Server on addr, which must be a loopback address such
// as 127.0.0.1:8080 (port 0 picks a free port).
func Listen(addr string, cfg Config) (*Server, error) {
	if err := checkLoopbackAddr(addr); err != nil {
		return nil, err
	}
	// Binding a loopback port does not block, so there is nothing for a
	// caller's context to cancel.
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("emulator: listen: %w", err)
	}
	s := New(cfg)
	s.ln = ln
	s.baseURL = "http://" + ln.Addr().String()
	s.httpSrv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelDebug),
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := s.httpSrv.Serve(ln)
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("emulator: serve", "err", err)
		}
	}()
	return s, nil
}

// NewTestServer starts a Server on 127.0.0.1 with a free port and closes
// it when the test ends.
func NewTestServer(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	s, err := Listen("127.0.0.1:0", cfg)
	if err != nil {
		tb.Fatalf("emulator: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("emulator: close: %v", err)
		}
	})
	return s
}

// checkLoopbackAddr accepts host:port where host is a loopback IP or
// "localhost".
func checkLoopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("emulator: address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("emulator: address %q: only loopback addresses are allowed", addr)
	}
	return nil
}

// Handler returns the Server's HTTP handler (token endpoint under /auth,
// API under /api).
func (s *Server) Handler() http.Handler { return s.handler }

// SetBaseURL sets the URL a Server created by New is reachable at, for
// AuthInfo and the URL methods. Listen and NewTestServer set it.
func (s *Server) SetBaseURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.baseURL = u
}

// URL returns the base URL, e.g. http://127.0.0.1:8080.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baseURL
}

// AuthURL returns the authorisation server URL; the token endpoint is
// AuthURL()+"/token".
func (s *Server) AuthURL() string { return s.URL() + "/auth" }

// APIURL returns the resource server URL.
func (s *Server) APIURL() string { return s.URL() + "/api" }

// SetFaults replaces the injected faults and reseeds the fault choice.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setFaultsLocked(f)
}

func (s *Server) setFaultsLocked(f Faults) {
	s.faults = f
	// A negative seed wraps to a large one, which seeds as well as any.
	seed := uint64(f.Seed) //nolint:gosec // G115: the seed's bits are reinterpreted on purpose
	s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// SetRateLimit replaces the rate limit (n requests per rolling window;
// n 0 means unlimited) and forgets earlier requests.
func (s *Server) SetRateLimit(n int, window time.Duration) {
	if window <= 0 {
		window = DefaultRateWindow
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = rateLimiter{limit: n, window: window}
}

// Close stops listening, cancels outstanding webhook deliveries and
// injected delays, and waits for every goroutine the Server started.
// Calling Close again is a no-op.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	hooks := s.hooks
	s.mu.Unlock()

	s.cancel()
	var err error
	if s.httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = s.httpSrv.Shutdown(ctx)
		cancel()
		if err != nil {
			err = s.httpSrv.Close()
		}
	}
	s.wg.Wait()
	for _, h := range hooks {
		h.client.CloseIdleConnections()
	}
	if err != nil {
		return fmt.Errorf("emulator: close: %w", err)
	}
	return nil
}
