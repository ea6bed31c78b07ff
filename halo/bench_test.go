package halo

import (
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

// benchClient returns a real-time client for srv with a budget large
// enough not to throttle.
func benchClient(tb testing.TB, srv *emulator.Server, mod func(*Config)) *Client {
	tb.Helper()
	cfg := Config{AuthURL: srv.AuthURL(), ResourceURL: srv.APIURL(), ClientID: testClientID,
		ClientSecret: testSecret, RateLimit: 1 << 30}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.hc.CloseIdleConnections)
	return c
}

// coldBurst makes n concurrent calls on a new client and returns the
// number of token requests they caused.
func coldBurst(tb testing.TB, srv *emulator.Server, n int) int {
	c := benchClient(tb, srv, nil)
	before := srv.TokensIssued()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range n {
		wg.Go(func() {
			if _, err := c.Lookups.AgentMe(context.Background()); err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if f := failed.Load(); f != 0 {
		tb.Fatalf("%d of %d calls failed", f, n)
	}
	return srv.TokensIssued() - before
}

func TestColdClient500CallsFetchOneToken(t *testing.T) {
	t.Parallel()
	srv := emulator.NewTestServer(t, emulator.Config{ClientID: testClientID,
		ClientSecret: testSecret})
	if got := coldBurst(t, srv, 500); got != 1 {
		t.Errorf("token requests = %d, want 1", got)
	}
}

// BenchmarkColdClient500 makes 500 concurrent calls on a cold client per
// iteration and asserts they share one token request.
func BenchmarkColdClient500(b *testing.B) {
	srv := emulator.NewTestServer(b, emulator.Config{ClientID: testClientID,
		ClientSecret: testSecret})
	total := 0
	for b.Loop() {
		got := coldBurst(b, srv, 500)
		if got != 1 {
			b.Fatalf("token requests = %d, want 1", got)
		}
		total += got
	}
	b.ReportMetric(float64(total)/float64(b.N), "token-requests/op")
}

// BenchmarkRequestOverhead compares one ticket GET through the client
// with the same GET made with bare net/http. Each variant gets its own
// emulator so that none pays for another's request log.
func BenchmarkRequestOverhead(b *testing.B) {
	ctx := context.Background()
	setup := func(b *testing.B) (*Client, ID, string) {
		srv := emulator.NewTestServer(b, emulator.Config{ClientID: testClientID,
			ClientSecret: testSecret})
		id := ID(srv.CreateTicket(map[string]any{"summary": "bench"}))
		c := benchClient(b, srv, nil)
		tok, err := c.tokens.get(ctx)
		if err != nil {
			b.Fatal(err)
		}
		return c, id, tok.value
	}

	b.Run("net-http", func(b *testing.B) {
		c, id, tok := setup(b)
		url := c.cfg.ResourceURL + "/Tickets/" + itoa(id)
		hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		defer hc.CloseIdleConnections()
		for b.Loop() {
			req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Accept", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
	b.Run("client-raw", func(b *testing.B) {
		c, id, _ := setup(b)
		for b.Loop() {
			if _, err := c.do(ctx, call{method: "GET", path: idPath("/Tickets", id),
				kind: kindRead}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("client-decoded", func(b *testing.B) {
		c, id, _ := setup(b)
		for b.Loop() {
			if _, err := c.Tickets.Get(ctx, id, false); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkBurst1000 sends 1,000 concurrent requests at an emulator that
// allows 300 per 2-second rolling window, through a client whose budget
// matches, and reports failures and the elapsed time against the limit's
// own minimum, (ceil(1000/300)-1) windows.
func BenchmarkBurst1000(b *testing.B) {
	const (
		n      = 1000
		limit  = 300
		window = 2 * time.Second
	)
	minimum := time.Duration((n+limit-1)/limit-1) * window
	var elapsed time.Duration
	var failed, got429 int64
	for b.Loop() {
		srv := emulator.NewTestServer(b, emulator.Config{ClientID: testClientID,
			ClientSecret: testSecret, RateLimit: limit, RateWindow: window})
		c := benchClient(b, srv, func(cfg *Config) {
			cfg.RateLimit, cfg.RateWindow = limit, window
		})
		if err := c.Authenticate(context.Background()); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		var wg sync.WaitGroup
		var fails atomic.Int64
		for range n {
			wg.Go(func() {
				if _, err := c.Lookups.Statuses(context.Background()); err != nil {
					fails.Add(1)
				}
			})
		}
		wg.Wait()
		elapsed += time.Since(start)
		failed += fails.Load()
		for _, r := range srv.Requests() {
			if r.Status == http.StatusTooManyRequests {
				got429++
			}
		}
		_ = srv.Close()
	}
	if failed != 0 {
		b.Errorf("%d calls failed", failed)
	}
	per := elapsed / time.Duration(b.N)
	b.ReportMetric(float64(failed)/float64(b.N), "failed/op")
	b.ReportMetric(float64(got429)/float64(b.N), "429s/op")
	b.ReportMetric(per.Seconds(), "elapsed-s/op")
	b.ReportMetric(minimum.Seconds(), "minimum-s")
	b.ReportMetric(per.Seconds()/minimum.Seconds(), "elapsed/minimum")
}
