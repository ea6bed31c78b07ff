package loadtest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// Bar is one must-hold requirement checked against a run.
type Bar struct {
	Name string
	Held bool
	Got  string
}

// Scenario is a run and the bars it must hold.
type Scenario struct {
	Config Config
	// Summary says in one line what the run exercises.
	Summary string
	Bars    func(*Result) []Bar
}

// SuiteConfig configures Suite.
type SuiteConfig struct {
	Plugin   string
	Duration time.Duration // of each run
	// HTTPConcurrency is the workflow count of the HTTP mode fault and
	// token runs (default 200); LowConcurrency that of the rate-limit
	// run and of the run-mode comparison (default 20).
	HTTPConcurrency int
	LowConcurrency  int
	// SVGDir, when set, receives <run name>.svg for every run.
	SVGDir string
	Logger *slog.Logger
}

// Rate-limit scenario: Halo's 300 requests per rolling five minutes,
// compressed thirty-fold into ten seconds, in the emulator and in the
// connection's budget (requests_per_5_minutes with
// rate_limit_window_seconds).
const (
	compressedLimit  = 300
	compressedWindow = 10 * time.Second
)

// Names of the suite's runs.
const (
	RunHTTPFaults   = "http-faults"
	RunTokenExpiry  = "http-token-expiry" //nolint:gosec // G101: a run name, not a credential
	RunRateLimit    = "http-rate-limit"
	RunHTTPBaseline = "http-low-concurrency"
	RunProcesses    = "run-processes"
)

// Scenarios returns the suite's runs in order:
//
//  1. http-faults: HTTP mode, many workflows, 5% 5xx and 1% dropped
//     connections; success rate >= 99.9% and no duplicate ticket.
//  2. http-token-expiry: HTTP mode, many workflows, every token expired
//     halfway; exactly one new token request.
//  3. http-rate-limit: HTTP mode, 300 requests per 10 s in the emulator
//     and the same budget in the connection (requests_per_5_minutes 300,
//     rate_limit_window_seconds 10); no failed action. The budget keeps
//     the plugin under the emulator's limit, so calls wait in the plugin
//     for the window instead of meeting 429s.
//  4. http-low-concurrency: the fault run's settings at low concurrency,
//     the HTTP side of the run-mode comparison.
//  5. run-processes: the same through one run process per call.
//
// Every run must also produce no duplicate ticket.
func Scenarios(sc SuiteConfig) []Scenario {
	hc, lc := sc.HTTPConcurrency, sc.LowConcurrency
	if hc == 0 {
		hc = 200
	}
	if lc == 0 {
		lc = 20
	}
	base := Config{Plugin: sc.Plugin, Duration: sc.Duration, Logger: sc.Logger, Seed: 1}
	faulty := func(c Config) Config {
		c.ErrorRatio, c.DropRatio = 0.05, 0.01
		return c
	}
	with := func(c Config, name string, mode Mode, conc int) Config {
		c.Name, c.Mode, c.Concurrency = name, mode, conc
		return c
	}

	c2 := with(base, RunTokenExpiry, ModeHTTP, hc)
	c2.ExpireTokensAt = sc.Duration / 2
	c3 := with(base, RunRateLimit, ModeHTTP, lc)
	c3.RateLimit, c3.RateWindow = compressedLimit, compressedWindow
	c3.RequestsPer5Minutes, c3.BudgetWindow = compressedLimit, compressedWindow

	return []Scenario{
		{
			Config:  faulty(with(base, RunHTTPFaults, ModeHTTP, hc)),
			Summary: "HTTP mode under 5% injected 5xx and 1% dropped connections",
			Bars: func(r *Result) []Bar {
				return []Bar{successBar(r, 0.999), noDuplicatesBar(r)}
			},
		},
		{
			Config:  c2,
			Summary: "HTTP mode, every token expired halfway through",
			Bars: func(r *Result) []Bar {
				return []Bar{{
					Name: "exactly one token request after the forced expiry",
					Held: r.TokensAfterExpiry == 1,
					Got:  fmt.Sprintf("%d", r.TokensAfterExpiry),
				}, noDuplicatesBar(r)}
			},
		},
		{
			Config: c3,
			Summary: fmt.Sprintf("HTTP mode, emulator limit %d per %s, connection budget "+
				"%d per %s", compressedLimit, compressedWindow, compressedLimit,
				compressedWindow),
			Bars: func(r *Result) []Bar {
				return []Bar{successBar(r, 1), noDuplicatesBar(r)}
			},
		},
		{
			Config:  faulty(with(base, RunHTTPBaseline, ModeHTTP, lc)),
			Summary: "HTTP mode at low concurrency (baseline for the run-process comparison)",
			Bars:    func(r *Result) []Bar { return []Bar{noDuplicatesBar(r)} },
		},
		{
			Config:  faulty(with(base, RunProcesses, ModeRun, lc)),
			Summary: "One run process per call, same faults",
			Bars:    func(r *Result) []Bar { return []Bar{noDuplicatesBar(r)} },
		},
	}
}

func successBar(r *Result, least float64) Bar {
	name := fmt.Sprintf("success rate >= %s", percent(least))
	if least == 1 {
		name = "no failed action"
	}
	return Bar{
		Name: name,
		Held: r.Calls > 0 && r.SuccessRate() >= least,
		Got:  fmt.Sprintf("%s (%d of %d failed)", percent(r.SuccessRate()), r.Failures, r.Calls),
	}
}

func noDuplicatesBar(r *Result) Bar {
	n := ExtraTickets(r.Duplicates, "marker")
	k := ExtraTickets(r.Duplicates, "rapid7_ticketrrn")
	return Bar{
		Name: "no duplicate ticket",
		Held: n == 0 && k == 0,
		Got:  fmt.Sprintf("%d extra by marker, %d by idempotency key", n, k),
	}
}

// SuiteRun is one finished scenario.
type SuiteRun struct {
	Scenario Scenario
	Result   *Result
	Bars     []Bar
}

// Held reports whether every bar held.
func (s SuiteRun) Held() bool {
	for _, b := range s.Bars {
		if !b.Held {
			return false
		}
	}
	return true
}

// Suite runs every scenario in order, writes their histograms to
// sc.SVGDir when set, and returns the runs. It stops at the first run
// that could not be carried out.
func Suite(ctx context.Context, sc SuiteConfig) ([]SuiteRun, error) {
	var out []SuiteRun
	for _, s := range Scenarios(sc) {
		r, err := Run(ctx, s.Config)
		if err != nil {
			return out, fmt.Errorf("loadtest: run %s: %w", s.Config.Name, err)
		}
		out = append(out, SuiteRun{Scenario: s, Result: r, Bars: s.Bars(r)})
		if sc.SVGDir != "" {
			if err := WriteSVGFile(filepath.Join(sc.SVGDir, s.Config.Name+".svg"), r); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// WriteSVGFile writes r's latency histogram to path.
func WriteSVGFile(path string, r *Result) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("loadtest: svg: %w", err)
	}
	title := fmt.Sprintf("%s: latency per action call", r.Config.Name)
	sub := fmt.Sprintf("%s; n=%d, p50 %s, p95 %s, p99 %s", describe(r.Config), r.Latency.Count,
		shortDuration(r.Latency.P50), shortDuration(r.Latency.P95), shortDuration(r.Latency.P99))
	werr := WriteHistogramSVG(f, title, sub, r.Samples)
	cerr := f.Close()
	if werr != nil {
		return fmt.Errorf("loadtest: svg %s: %w", path, werr)
	}
	if cerr != nil {
		return fmt.Errorf("loadtest: svg %s: %w", path, cerr)
	}
	return nil
}

// RunProcessRatio returns the per-call latency of the run-process run
// divided by that of the HTTP baseline at the same concurrency, as
// (p50 ratio, mean ratio); ok is false when either run is missing.
func RunProcessRatio(runs []SuiteRun) (p50, mean float64, ok bool) {
	var h, p *Result
	for _, r := range runs {
		switch r.Scenario.Config.Name {
		case RunHTTPBaseline:
			h = r.Result
		case RunProcesses:
			p = r.Result
		}
	}
	if h == nil || p == nil || h.Latency.P50 == 0 || h.Latency.Mean == 0 {
		return 0, 0, false
	}
	return float64(p.Latency.P50) / float64(h.Latency.P50),
		float64(p.Latency.Mean) / float64(h.Latency.Mean), true
}
