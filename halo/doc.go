// Package halo is a client for the HaloITSM REST API (shared with HaloPSA
// and HaloCRM).
//
// A Client authenticates with OAuth2 client credentials, keeps one access
// token per client, paces requests to stay inside Halo's rolling rate
// window, retries what is safe to retry, and turns every failure into a
// typed error:
//
//	c, err := halo.New(halo.Config{
//		AuthURL:      "https://example.haloitsm.com/auth",
//		ResourceURL:  "https://example.haloitsm.com/api",
//		ClientID:     "…",
//		ClientSecret: halo.Secret("…"),
//	})
//	if err != nil { … }
//	t, err := c.Tickets.Get(ctx, 42, false)
//
// # Errors
//
// Error strings start with "halo: " and name the operation. A non-2xx
// answer from the API is an *APIError; a failure to obtain a token is a
// *TokenError. Both match the sentinels ErrNotFound, ErrUnauthorized,
// ErrForbidden, ErrRateLimited and ErrUnavailable through errors.Is where
// apt. A write whose outcome cannot be known (the request reached Halo but
// no answer came back) matches ErrAmbiguous.
//
// # Retries
//
// Reads (GET), deletes and updates (a POST that carries an id, which
// applies the same fields again when repeated) are retried on 429, 500,
// 502, 503, 504 and transport errors; a 500 is retried at most twice
// because Halo answers 500 for persistent faults as well as transient ones.
// Creates are never resent blindly: after a failure whose outcome is
// unknown they look for what the first attempt may have written, and
// resend only when it is not there (see TicketsService.Create and
// ActionsService.Create). Other 4xx answers are never retried. All retry
// waits use capped exponential backoff with jitter, honour Retry-After
// (capped), and stop once Config.MaxRetryElapsed has passed.
//
// Waits for the client-side rate budget (Config.RateLimit) are not retry
// waits: MaxRetryElapsed does not bound them. A request that finds the
// budget spent waits until enough earlier requests have left the rolling
// window, which can take up to a whole Config.RateWindow; the caller's
// context is the only bound, and cancelling it ends the wait at once with
// the context's error.
//
// Halo answers 429 without Retry-After for a rolling five-minute window.
// After such a 429 every request of the tenant pauses (not just the one
// that was refused), on a schedule that starts at 20 seconds and grows to a
// minute, or for the Retry-After of the answer. Waits for that pause are
// bounded by each call's own MaxRetryElapsed: a call whose bound would
// pass before the pause ends does not wait, and fails at once with an
// error matching ErrRateLimited that says how long the pause lasts.
//
// # Concurrency
//
// A Client is safe for concurrent use by multiple goroutines. Clients built
// for the same resource URL and tenant in one process share one rate
// budget.
package halo
