package haloitsm

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haloconnect/icon-haloitsm/emulator"
	"github.com/haloconnect/icon-haloitsm/halo"
)

// benchLatency makes one change per iteration in the emulator and
// measures how long the running trigger takes to post the event to the
// dispatcher; it reports the p50 and p95.
//
// Changes come at a random point of the trigger's cycle (a pause of up to
// spread before each), as real changes do; without it a polling trigger
// would be measured in phase with its own polls.
func benchLatency(b *testing.B, input map[string]any, spread time.Duration,
	hook func(srv *emulator.Server)) {
	bin := buildTriggerPlugin(b, b.TempDir())
	srv := emulator.NewTestServer(b, emulator.Config{ClientID: "e2e", ClientSecret: e2eSecret})
	d := newDispatcher(b)
	id := srv.CreateTicket(map[string]any{"summary": "bench"})

	p := startTrigger(b, bin, srv, d, triggerUpdated, input)
	if hook != nil {
		hook(srv)
	}
	// Make sure the trigger watches before the clock starts.
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; ; i++ {
		if err := srv.UpdateTicket(id, map[string]any{"summary": fmt.Sprint("warm-up ", i)}); err != nil {
			b.Fatal(err)
		}
		if waitCount(d, 1, 7*time.Second) || time.Now().After(deadline) {
			break
		}
	}
	if d.count() == 0 {
		b.Fatalf("the trigger reported nothing:\n%s", p.stderr.String())
	}

	var took []time.Duration
	rng := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if spread > 0 {
			time.Sleep(time.Duration(rng.Int64N(int64(spread))))
		}
		n := d.count()
		start := time.Now()
		if err := srv.UpdateTicket(id, map[string]any{"summary": fmt.Sprint("change ", i)}); err != nil {
			b.Fatal(err)
		}
		if !waitCount(d, n+1, 30*time.Second) {
			b.Fatalf("no event for change %d", i)
		}
		d.mu.Lock()
		took = append(took, d.arrivals[n].Sub(start))
		d.mu.Unlock()
	}
	b.StopTimer()
	slices.Sort(took)
	pct := func(q float64) float64 {
		return float64(took[int(q*float64(len(took)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(0, "ns/op")
}

// waitCount waits until the dispatcher holds n events.
func waitCount(d *dispatcher, n int, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for d.count() < n {
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-d.notify:
		case <-time.After(time.Millisecond):
		}
	}
	return true
}

// BenchmarkTriggerLatencyWebhook: change in HaloITSM → webhook (full
// payload) → trigger → dispatcher.
func BenchmarkTriggerLatencyWebhook(b *testing.B) {
	port := freePort(b)
	benchLatency(b, map[string]any{"source": "webhook", "webhook_host": "127.0.0.1",
		"webhook_port": port}, 0, func(srv *emulator.Server) {
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		for deadline := time.Now().Add(20 * time.Second); !listening(addr); {
			if time.Now().After(deadline) {
				b.Fatal("webhook listener did not start")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := srv.AddWebhook(emulator.Webhook{URL: "http://" + addr + "/",
			Events: []string{emulator.EventUpdated}}); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkTriggerLatencyPoll5s: change in HaloITSM → next poll (every 5
// seconds) → dispatcher. Each change takes seconds, so it runs only with
// HALOITSM_BENCH_POLL=1, e.g.
//
//	HALOITSM_BENCH_POLL=1 go test -run '^$' -bench TriggerLatencyPoll -benchtime 20x ./haloitsm/
func BenchmarkTriggerLatencyPoll5s(b *testing.B) {
	if os.Getenv("HALOITSM_BENCH_POLL") == "" {
		b.Skip("each change waits for a 5 second poll; set HALOITSM_BENCH_POLL=1 to run")
	}
	benchLatency(b, map[string]any{"source": "poll", "interval": 5}, 5*time.Second, nil)
}

// BenchmarkTriggerStateMemory feeds the poller 100,000 ticket changes
// (60,000 tickets, some changed twice) in pages of 100 and reports the
// heap the trigger's state holds afterwards, and per remembered ticket.
func BenchmarkTriggerStateMemory(b *testing.B) {
	const changes, tickets = 100_000, 60_000
	details := strings.Repeat("Suspicious email reported by a user. ", 12)
	normalise := func(_ context.Context, t *halo.Ticket) map[string]any {
		return map[string]any{"id": int(t.ID), "summary": t.Summary, "details": details,
			"status_id": int(t.StatusID), "priority_id": 3, "tickettype_id": 1,
			"agent_id": int(t.AgentID), "team_id": 2, "client_id": 12, "site_id": 18,
			"user_id": 40, "hasbeenclosed": false,
			"customfields": []any{map[string]any{"id": 101, "name": "CFImpact", "value": 2}}}
	}
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]halo.Ticket, changes)
	for i := range rows {
		id := 1 + i%tickets
		at := halo.Time{Time: base.Add(time.Duration(i) * 10 * time.Millisecond)}
		rows[i] = halo.Ticket{ID: halo.ID(id), Summary: fmt.Sprintf("Ticket %d: phishing", id),
			StatusID: halo.ID(1 + i/tickets), AgentID: halo.ID(i % 7), DateCreated: at,
			LastUpdate: at}
	}
	// list serves the rows as Halo would: last update from `from`,
	// oldest first, at most limit.
	list := func(_ context.Context, from time.Time, limit int) iter.Seq2[halo.Ticket, error] {
		return func(yield func(halo.Ticket, error) bool) {
			i, _ := slices.BinarySearchFunc(rows, from, func(t halo.Ticket, f time.Time) int {
				return t.LastUpdate.Compare(f)
			})
			for n := 0; i < len(rows) && (limit == 0 || n < limit); i, n = i+1, n+1 {
				if !yield(rows[i], nil) {
					return
				}
			}
		}
	}

	var heap, perTicket float64
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)

		p := newPoller(list, normalise, base, nil)
		p.cursor = base
		events := 0
		emit := func(context.Context, ticketEvent) error { events++; return nil }
		// One poll reads every page: the rows span 1000 seconds.
		if err := p.poll(context.Background(), emit); err != nil {
			b.Fatal(err)
		}
		if events != changes {
			b.Fatalf("reported %d events, want %d", events, changes)
		}

		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		heap = float64(after.HeapInuse) - float64(before.HeapInuse)
		perTicket = heap / float64(p.tr.snaps.Len())
		runtime.KeepAlive(p)
	}
	b.ReportMetric(heap/(1<<20), "heap-MiB")
	b.ReportMetric(perTicket, "B/ticket")
}
