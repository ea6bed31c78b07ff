package loadtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

// logTrimInterval is how often the harness empties the emulator's own
// request log during a run. The harness keeps its own counts (see
// APICounts); the emulator's log is bounded and would otherwise spend
// each request shifting a full log once the bound is reached.
const logTrimInterval = time.Second

// Result is what one run measured.
type Result struct {
	Config  Config
	Elapsed time.Duration // from the first call to the last answer

	Calls    int
	Failures int
	Latency  Latency
	Actions  []ActionResult
	// Errors lists the distinct failures, most frequent first; numbers
	// in messages are replaced by N so that equal failures group.
	Errors []ErrorCount
	// Iterations counts workflow iterations started.
	Iterations int

	// TicketsCreated counts the emulator's tickets carrying this run's
	// marker; Duplicates lists the groups that should have been one.
	TicketsCreated int
	Duplicates     []Duplicate

	API APICounts
	// TokensIssued is the emulator's count of access tokens issued.
	TokensIssued int
	// TokensAtExpiry is TokensIssued just before the forced expiry and
	// TokensAfterExpiry the tokens issued after it; both are -1 when
	// Config.ExpireTokensAt is zero.
	TokensAtExpiry    int
	TokensAfterExpiry int

	// PeakRSSKiB is the plugin's peak resident set: VmHWM of the HTTP
	// mode process, or the largest ru_maxrss of the run processes, each
	// read by the launcher that started it (MeasureExec).
	PeakRSSKiB int64

	// Samples holds every call's latency, sorted.
	Samples []time.Duration
}

// ActionResult is the tally of one action.
type ActionResult struct {
	Name     string
	Calls    int
	Failures int
	Latency  Latency
}

// ErrorCount is one distinct failure.
type ErrorCount struct {
	Action  string
	Message string
	Count   int
}

// SuccessRate returns the fraction of calls that succeeded (1 when no
// call was made).
func (r *Result) SuccessRate() float64 {
	if r.Calls == 0 {
		return 1
	}
	return float64(r.Calls-r.Failures) / float64(r.Calls)
}

// Throughput returns calls per second.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Calls) / r.Elapsed.Seconds()
}

// callRecord is one action call as a workflow saw it.
type callRecord struct {
	action string
	took   time.Duration
	err    string
}

// Run starts an emulator on 127.0.0.1, starts the plugin as Config.Mode
// says, runs Config.Concurrency workflows for Config.Duration, and
// returns what it measured. It returns an error only when the run could
// not be carried out (bad config, the plugin would not start); failed
// action calls are part of the Result. Every process and goroutine it
// starts has stopped when it returns.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	log := cfg.Logger

	emu, rec, stopEmu, err := startEmulator(cfg)
	if err != nil {
		return nil, err
	}
	defer stopEmu()

	var drv driver
	switch cfg.Mode {
	case ModeHTTP:
		hd, err := startHTTP(ctx, cfg.Plugin, cfg.Concurrency)
		if err != nil {
			return nil, err
		}
		drv = hd
	case ModeRun:
		launcher := cfg.Launcher
		if launcher == "" {
			if launcher, err = os.Executable(); err != nil {
				return nil, fmt.Errorf("loadtest: find this binary to launch run processes: %w",
					err)
			}
		}
		drv = &runDriver{plugin: cfg.Plugin, launcher: launcher}
	}
	driverClosed := false
	defer func() {
		if !driverClosed {
			_ = drv.close()
		}
	}()

	runID, err := newRunID()
	if err != nil {
		return nil, err
	}
	w := &workload{
		cfg:   cfg,
		runID: runID,
		drv:   drv,
		emu:   emu,
		conn: map[string]any{
			"client_id":              emulator.DefaultClientID,
			"client_secret":          map[string]any{"secretKey": emulator.DefaultClientSecret},
			"authorization_server":   emu.AuthURL(),
			"resource_server":        emu.APIURL(),
			"tenant":                 Tenant,
			"requests_per_5_minutes": cfg.RequestsPer5Minutes,
		},
	}
	if cfg.BudgetWindow > 0 {
		w.conn["rate_limit_window_seconds"] = int(cfg.BudgetWindow / time.Second)
	}

	res := &Result{Config: cfg, TokensAtExpiry: -1, TokensAfterExpiry: -1}
	log.Info("run starting", "name", cfg.Name, "mode", cfg.Mode,
		"concurrency", cfg.Concurrency, "duration", cfg.Duration)

	start := time.Now()
	deadline := start.Add(cfg.Duration)
	var expiry *time.Timer
	var tokensAtExpiry int
	expired := make(chan struct{})
	if cfg.ExpireTokensAt > 0 {
		expiry = time.AfterFunc(cfg.ExpireTokensAt, func() {
			tokensAtExpiry = emu.TokensIssued()
			emu.ExpireTokens()
			log.Info("tokens expired", "tokens_issued", tokensAtExpiry)
			close(expired)
		})
	}

	records := make([][]callRecord, cfg.Concurrency)
	iterations := make([]int, cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range cfg.Concurrency {
		wg.Go(func() {
			records[i], iterations[i] = w.workflow(ctx, i, deadline)
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)

	if expiry != nil && !expiry.Stop() {
		<-expired
		res.TokensAtExpiry = tokensAtExpiry
		res.TokensAfterExpiry = emu.TokensIssued() - tokensAtExpiry
	}
	if res.PeakRSSKiB, err = drv.peakRSS(); err != nil {
		log.Warn("peak rss unavailable", "err", err)
	}
	driverClosed = true
	if err := drv.close(); err != nil {
		log.Warn("plugin stop", "err", err)
	}

	res.TokensIssued = emu.TokensIssued()
	res.API = rec.snapshot()
	res.tally(records)
	for _, n := range iterations {
		res.Iterations += n
	}
	var mine []map[string]any
	for _, t := range emu.Tickets() {
		if s, _ := t["summary"].(string); strings.HasPrefix(s, "[lt:"+runID+":") {
			mine = append(mine, t)
		}
	}
	res.TicketsCreated = len(mine)
	res.Duplicates = FindDuplicates(mine, "rapid7_ticketrrn")
	log.Info("run finished", "name", cfg.Name, "calls", res.Calls, "failures", res.Failures)
	return res, nil
}

// startEmulator serves an emulator behind a recorder on a free
// 127.0.0.1 port; stop closes both and waits for them.
func startEmulator(cfg Config) (*emulator.Server, *recorder, func(), error) {
	emu := emulator.New(emulator.Config{
		Tenant:     Tenant,
		TokenTTL:   cfg.TokenTTL,
		RateLimit:  cfg.RateLimit,
		RateWindow: cfg.RateWindow,
		Faults: emulator.Faults{
			Latency:        cfg.Latency,
			ErrorRatio:     cfg.ErrorRatio,
			DropRatio:      cfg.DropRatio,
			CommitThenFail: cfg.CommitThenFail,
			Seed:           cfg.Seed,
		},
	})
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		_ = emu.Close()
		return nil, nil, nil, fmt.Errorf("loadtest: emulator listen: %w", err)
	}
	emu.SetBaseURL("http://" + ln.Addr().String())
	rec := newRecorder(emu.Handler())
	srv := &http.Server{Handler: rec, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()

	trimDone := make(chan struct{})
	trimStopped := make(chan struct{})
	go func() {
		defer close(trimStopped)
		t := time.NewTicker(logTrimInterval)
		defer t.Stop()
		for {
			select {
			case <-trimDone:
				return
			case <-t.C:
				emu.ResetRequests()
			}
		}
	}()

	stop := func() {
		close(trimDone)
		<-trimStopped
		// Closing the emulator first cancels injected latency, so the
		// server's shutdown does not wait for it.
		_ = emu.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			_ = srv.Close()
		}
		<-served
	}
	return emu, rec, stop, nil
}

// newRunID returns 8 random lower-case base-32 characters.
func newRunID() (string, error) {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("loadtest: run id: %w", err)
	}
	for i := range b {
		b[i] = alphabet[b[i]%32]
	}
	return string(b), nil
}

// workload is what every workflow of a run shares.
type workload struct {
	cfg   Config
	runID string
	drv   driver
	emu   *emulator.Server
	conn  map[string]any
}

// workflow runs iterations of the mix until deadline and returns its
// calls and the number of iterations it started.
func (w *workload) workflow(ctx context.Context, wf int, deadline time.Time) ([]callRecord,
	int) {
	var recs []callRecord
	iter := 0
	for ; ctx.Err() == nil && time.Now().Before(deadline); iter++ {
		marker := Marker(w.runID, wf, iter)
		ticketID := 0
		if !slices.Contains(w.cfg.Mix, "create_ticket") {
			ticketID = w.emu.CreateTicket(map[string]any{"summary": marker + " seeded",
				"tickettype_id": 1})
		}
		for _, action := range w.cfg.Mix {
			if !time.Now().Before(deadline) || ctx.Err() != nil {
				break
			}
			if ticketID == 0 && action != "create_ticket" && ticketScoped(action) {
				// The create failed: the rest of the iteration has no
				// ticket to work on.
				break
			}
			rec, id := w.step(ctx, action, marker, wf, iter, ticketID)
			recs = append(recs, rec)
			if action == "create_ticket" {
				ticketID = id
			}
		}
	}
	return recs, iter
}

func ticketScoped(action string) bool {
	switch action {
	case "get_ticket", "update_ticket", "add_comment", "close_ticket", "reopen_ticket",
		"list_ticket_notes":
		return true
	}
	return false
}

// step makes one call and checks its output; it returns the record and,
// for create_ticket, the new ticket's id.
func (w *workload) step(ctx context.Context, action, marker string, wf, iter,
	ticketID int) (callRecord, int) {
	input := map[string]any{}
	switch action {
	case "create_ticket":
		input["summary"] = marker + " load test ticket"
		input["details"] = "Created by the load test harness."
		if w.cfg.IdempotencyKeys {
			input["idempotency_key"] = fmt.Sprintf("lt-%s-%d-%d", w.runID, wf, iter)
		}
	case "update_ticket":
		input["ticket_id"] = ticketID
		input["details"] = fmt.Sprintf("Updated by the load test harness (iteration %d).", iter)
	case "add_comment":
		input["ticket_id"] = ticketID
		input["comment"] = "Load test note " + marker
	case "search_tickets":
		input["summary_contains"] = marker
		input["max_results"] = 10
	default:
		if ticketScoped(action) {
			input["ticket_id"] = ticketID
		}
	}
	msg, err := startMessage(action, w.conn, input)
	if err != nil {
		return callRecord{action: action, err: "encode start message: " + err.Error()}, 0
	}

	cctx, cancel := context.WithTimeout(ctx, w.cfg.CallTimeout)
	defer cancel()
	begin := time.Now()
	out := w.drv.call(cctx, action, msg)
	rec := callRecord{action: action, took: time.Since(begin), err: out.err}
	if rec.err != "" {
		return rec, 0
	}

	id := 0
	switch action {
	case "create_ticket":
		t, _ := out.output["ticket"].(map[string]any)
		if id = intValue(t["id"]); id <= 0 {
			rec.err = "create_ticket output has no ticket.id"
		}
	case "get_ticket":
		if found, _ := out.output["found"].(bool); !found {
			rec.err = fmt.Sprintf("get_ticket did not find ticket %d", ticketID)
		}
	}
	return rec, id
}

var digitsRE = regexp.MustCompile(`[0-9]+`)

// tally fills the call counts, latencies and error groups from records.
func (r *Result) tally(records [][]callRecord) {
	byAction := map[string][]time.Duration{}
	failures := map[string]int{}
	errs := map[[2]string]int{}
	for _, recs := range records {
		for _, c := range recs {
			r.Calls++
			r.Samples = append(r.Samples, c.took)
			byAction[c.action] = append(byAction[c.action], c.took)
			if c.err == "" {
				continue
			}
			r.Failures++
			failures[c.action]++
			msg := digitsRE.ReplaceAllString(c.err, "N")
			if len(msg) > 400 {
				msg = msg[:400] + "..."
			}
			errs[[2]string{c.action, msg}]++
		}
	}
	r.Latency = Summarize(r.Samples)

	order := slices.Sorted(maps.Keys(byAction))
	// Keep the mix's order where possible: it reads like the workflow.
	slices.SortStableFunc(order, func(a, b string) int {
		return indexOr(r.Config.Mix, a) - indexOr(r.Config.Mix, b)
	})
	for _, a := range order {
		r.Actions = append(r.Actions, ActionResult{Name: a, Calls: len(byAction[a]),
			Failures: failures[a], Latency: Summarize(byAction[a])})
	}
	for k, n := range errs {
		r.Errors = append(r.Errors, ErrorCount{Action: k[0], Message: k[1], Count: n})
	}
	slices.SortFunc(r.Errors, func(a, b ErrorCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Action+a.Message, b.Action+b.Message)
	})
}

func indexOr(xs []string, x string) int {
	if i := slices.Index(xs, x); i >= 0 {
		return i
	}
	return len(xs)
}
