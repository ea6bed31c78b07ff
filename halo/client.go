package halo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// maxBody bounds a successful response body; a page of 100 tickets with
// every column is far smaller.
const maxBody = 32 << 20

// Client talks to one HaloITSM instance. Build it with New. It is safe
// for concurrent use; its services share one token and one rate budget.
type Client struct {
	// Tickets reaches /api/Tickets.
	Tickets *TicketsService
	// Actions reaches /api/Actions (notes, emails, status moves).
	Actions *ActionsService
	// Lookups reaches the reference lists: statuses, types, priorities,
	// teams, agents, categories, users, clients, sites, custom fields
	// and outcomes.
	Lookups *LookupsService

	cfg    Config
	base   *url.URL
	hc     *http.Client
	tokens *tokenCache
	budget *budget
	log    *slog.Logger
	obs    Observer
	clock  Clock
	jitter jitterFunc
}

// New validates cfg and returns a Client. A configuration error names
// the offending field and matches ErrInvalidConfig. New makes no network
// call; use Authenticate to check the credentials.
func New(cfg Config) (*Client, error) {
	cfg, base, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	hc, err := cfg.httpClient()
	if err != nil {
		return nil, err
	}

	c := &Client{
		cfg:    cfg,
		base:   base,
		hc:     hc,
		tokens: newTokenCache(cfg, hc),
		budget: sharedBudget(cfg.ResourceURL, cfg.Tenant, cfg.RateLimit, cfg.RateWindow),
		log:    cfg.Logger,
		obs:    cfg.Observer,
		clock:  cfg.Clock,
		jitter: randomJitter,
	}
	c.Tickets = &TicketsService{c: c}
	c.Actions = &ActionsService{c: c}
	c.Lookups = &LookupsService{c: c}

	if cfg.InsecureSkipVerify {
		c.log.Warn("halo: TLS CERTIFICATE VERIFICATION IS OFF: connections to Halo can be "+
			"intercepted; use only against test systems",
			"auth_url", sanitizeURL(cfg.AuthURL), "resource_url", sanitizeURL(cfg.ResourceURL))
	}
	return c, nil
}

// Authenticate makes sure the client holds a valid access token,
// fetching one if needed. It returns nil or a *TokenError (or ctx's
// error). Use it to check a connection's credentials.
func (c *Client) Authenticate(ctx context.Context) error {
	_, err := c.tokens.get(ctx)
	if err != nil {
		return fmt.Errorf("halo: authenticate: %w", err)
	}
	return nil
}

// callKind decides what may be retried.
type callKind int

const (
	// kindRead is a GET or DELETE: safe to repeat.
	kindRead callKind = iota
	// kindUpdate is a POST carrying an id: repeating it applies the same
	// fields again, so it is retried exactly like a read.
	kindUpdate
	// kindCreate is a POST without an id: it is resent only when the
	// first attempt provably did not reach Halo or was refused with 429
	// or 401. Any other failure returns an *ambiguousError.
	kindCreate
)

// call is one logical API call, possibly made in several attempts.
type call struct {
	method   string
	path     string // below the resource URL, e.g. "/Tickets/42"
	query    url.Values
	body     []byte // JSON; nil for none
	kind     callKind
	ticketID ID // for logs; 0 for none
}

// ambiguousError is a create that reached Halo without a usable answer.
type ambiguousError struct{ cause error }

func (e *ambiguousError) Error() string { return ErrAmbiguous.Error() + ": " + e.cause.Error() }
func (e *ambiguousError) Unwrap() error { return e.cause }
func (e *ambiguousError) Is(target error) bool {
	return target == ErrAmbiguous
}

// transportError is a request that got no HTTP answer.
type transportError struct {
	method, url string
	err         error
}

func (e *transportError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.method, e.url, e.err)
}
func (e *transportError) Unwrap() error { return e.err }

// Is matches ErrUnavailable: the API could not be reached.
func (e *transportError) Is(target error) bool { return target == ErrUnavailable }

// do runs cl with token handling, rate budgeting and retries, and
// returns the body of its 2xx answer. Errors are *APIError,
// *TokenError, *transportError (matching ErrUnavailable),
// *ambiguousError (creates only), *pauseError (matching ErrRateLimited:
// the tenant's 429 pause lasts beyond the retry bound, counted from the
// first attempt), or the caller's context error, all without the
// "halo: op" prefix that the caller adds.
func (c *Client) do(ctx context.Context, cl call) ([]byte, error) {
	start := c.clock.Now()
	var (
		authRetried bool
		n429, n500  int
		nTransient  int
	)

	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}

		res, err := c.attempt(ctx, cl, attempt, start.Add(c.cfg.MaxRetryElapsed))
		if err == nil && res.status/100 == 2 {
			return res.body, nil
		}
		if ctx.Err() != nil {
			// The caller gave up; whatever happened, stop here.
			return nil, errors.Join(ctx.Err(), err)
		}
		var pe *pauseError
		if errors.As(err, &pe) {
			// Nothing was sent: the tenant's 429 pause outlasts this
			// call's retry bound.
			c.logger(ctx).Warn("halo: giving up", "method", cl.method, "path", res.path,
				"attempt", attempt, "wait", pe.remaining, "elapsed", c.clock.Now().Sub(start),
				"reason", "429 pause", "ticket_id", cl.ticketID)
			return nil, err
		}

		var (
			wait   time.Duration
			reason string
			final  error
		)
		switch {
		case err != nil && res.tokenErr:
			var te *TokenError
			if !errors.As(err, &te) || !te.transient {
				return nil, err
			}
			wait, reason, final = transientDelay(nTransient, c.jitter), "token", err
			nTransient++

		case err != nil:
			terr := &transportError{cl.method, sanitizeURL(res.url), err}
			if cl.kind == kindCreate && res.wrote {
				return nil, &ambiguousError{terr}
			}
			wait, reason, final = transientDelay(nTransient, c.jitter), "transport", terr
			nTransient++

		case res.status == http.StatusUnauthorized && !authRetried:
			// The token was revoked or expired early: get a new one and
			// try once more, without waiting.
			authRetried = true
			c.tokens.invalidate(res.token)
			c.logger(ctx).Info("halo: token refused, fetching a new one", "method", cl.method,
				"path", res.path, "status", res.status, "attempt", attempt)
			continue

		case res.status == http.StatusTooManyRequests:
			final = newAPIError(cl.method, res.url, res.status, res.body)
			var ok bool
			if wait, ok = parseRetryAfter(res.header, c.clock.Now()); !ok {
				wait = rateLimitDelay(n429, c.jitter)
			}
			n429++
			reason = "429"
			// Halo's limit is per tenant: hold back every request, not
			// just this one.
			c.budget.pause(c.clock.Now().Add(wait))

		case isRetryable5xx(res.status) || res.status == http.StatusInternalServerError:
			final = newAPIError(cl.method, res.url, res.status, res.body)
			switch {
			case cl.kind == kindCreate:
				return nil, &ambiguousError{final}
			case res.status == http.StatusInternalServerError && n500 >= max500Retries:
				return nil, final
			case res.status == http.StatusInternalServerError:
				n500++
			}
			if d, ok := parseRetryAfter(res.header, c.clock.Now()); ok {
				wait = d
			} else {
				wait = transientDelay(nTransient, c.jitter)
			}
			nTransient++
			reason = strconv.Itoa(res.status)

		default:
			return nil, newAPIError(cl.method, res.url, res.status, res.body)
		}

		elapsed := c.clock.Now().Sub(start)
		if elapsed+wait > c.cfg.MaxRetryElapsed {
			c.logger(ctx).Warn("halo: giving up", "method", cl.method, "path", res.path,
				"status", res.status, "attempt", attempt, "wait", wait,
				"elapsed", elapsed, "reason", reason, "ticket_id", cl.ticketID)
			return nil, final
		}
		c.obs.OnRetry(reason, wait)
		c.logger(ctx).Warn("halo: request failed, retrying", "method", cl.method, "path", res.path,
			"status", res.status, "attempt", attempt, "wait", wait, "reason", reason,
			"ticket_id", cl.ticketID)
		if err := c.clock.Sleep(ctx, wait); err != nil {
			return nil, errors.Join(err, final)
		}
	}
}

func isRetryable5xx(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusServiceUnavailable ||
		status == http.StatusGatewayTimeout
}

// result is the outcome of one attempt.
type result struct {
	status   int
	header   http.Header
	body     []byte
	url      string
	path     string
	token    *accessToken
	wrote    bool // the request was fully written to the connection
	tokenErr bool // err came from the token fetch
}

// attempt makes one HTTP exchange: it waits for the rate budget, gets a
// token and sends the request under the per-attempt timeout. It does not
// wait for a 429 pause that ends after deadline (see budget.acquire). A
// non-nil error means no HTTP answer was read.
func (c *Client) attempt(ctx context.Context, cl call, n int, deadline time.Time) (result,
	error) {
	u := *c.base
	u.Path = c.base.Path + cl.path
	if len(cl.query) > 0 {
		u.RawQuery = cl.query.Encode()
	}
	res := result{url: u.String(), path: u.Path}

	release, waited, err := c.budget.acquire(ctx, c.clock, deadline)
	if waited > 0 {
		c.obs.OnRateLimitWait(waited)
		c.logger(ctx).Debug("halo: waited for rate budget", "method", cl.method, "path", res.path,
			"wait", waited)
	}
	if err != nil {
		return res, err
	}
	defer release()

	tok, err := c.tokens.get(ctx)
	if err != nil {
		res.tokenErr = true
		return res, err
	}
	res.token = tok

	actx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	var wrote atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Store(true)
			}
		},
	})

	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(actx, cl.method, res.url, body)
	if err != nil {
		return res, err
	}
	req.Header.Set("Authorization", "Bearer "+tok.value)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	began := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		res.wrote = wrote.Load()
		c.obs.OnRequest(cl.method, res.path, 0, time.Since(began))
		c.logger(ctx).Debug("halo: request got no answer", "method", cl.method, "path", res.path,
			"attempt", n, "error", sanitizeErr(err))
		return res, sanitizeErr(err)
	}
	defer resp.Body.Close()

	limit := int64(maxBody)
	if resp.StatusCode/100 != 2 {
		limit = maxErrorBody
	}
	res.body, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	res.wrote = true
	c.obs.OnRequest(cl.method, res.path, resp.StatusCode, time.Since(began))
	if err != nil {
		c.logger(ctx).Debug("halo: answer cut short", "method", cl.method, "path", res.path,
			"status", resp.StatusCode, "attempt", n)
		return res, fmt.Errorf("read answer: %w", sanitizeErr(err))
	}
	if int64(len(res.body)) > limit {
		if resp.StatusCode/100 == 2 {
			return res, fmt.Errorf("answer larger than %d bytes", maxBody)
		}
		res.body = res.body[:limit]
	}
	res.status, res.header = resp.StatusCode, resp.Header
	c.logger(ctx).Debug("halo: request done", "method", cl.method, "path", res.path,
		"status", res.status, "attempt", n, "ticket_id", cl.ticketID)
	return res, nil
}

// sanitizeErr strips the query and user information from the URL inside
// a *url.Error.
func sanitizeErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: sanitizeURL(ue.URL), Err: ue.Err}
	}
	return err
}

// pathOf returns the path of a URL, for logs.
func pathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Path
}

// idPath formats an id for a URL path.
func idPath(prefix string, id ID) string {
	return prefix + "/" + strconv.FormatInt(int64(id), 10)
}

// boolParam sets a lower-case boolean query parameter when v is true.
func boolParam(q url.Values, name string, v bool) {
	if v {
		q.Set(name, "true")
	}
}

// idsParam sets a comma-separated id list when ids is not empty.
func idsParam(q url.Values, name string, ids []ID) {
	if len(ids) == 0 {
		return
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(int64(id), 10)
	}
	q.Set(name, strings.Join(s, ","))
}

// idParam sets an id when it is not 0.
func idParam(q url.Values, name string, id ID) {
	if id != 0 {
		q.Set(name, strconv.FormatInt(int64(id), 10))
	}
}
