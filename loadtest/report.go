package loadtest

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// percent renders a fraction as a percentage with up to three decimals,
// rounded down: 0.999 is "99.9%".
func percent(f float64) string {
	// Round down, so that a run with failures never reads 100%.
	s := strconv.FormatFloat(math.Floor(f*100*1000+1e-6)/1000, 'f', 3, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	return s + "%"
}

// describe summarises a run's settings in one line.
func describe(c Config) string {
	parts := []string{fmt.Sprintf("%s mode, %d workflows, %s", c.Mode, c.Concurrency,
		c.Duration)}
	if c.ErrorRatio > 0 {
		parts = append(parts, percent(c.ErrorRatio)+" 5xx")
	}
	if c.DropRatio > 0 {
		parts = append(parts, percent(c.DropRatio)+" dropped")
	}
	if c.CommitThenFail > 0 {
		parts = append(parts, percent(c.CommitThenFail)+" commit-then-fail")
	}
	if c.Latency > 0 {
		parts = append(parts, "+"+c.Latency.String()+" latency")
	}
	if c.TokenTTL > 0 {
		parts = append(parts, "token TTL "+c.TokenTTL.String())
	}
	if c.ExpireTokensAt > 0 {
		parts = append(parts, "tokens expired at "+c.ExpireTokensAt.String())
	}
	if c.RateLimit > 0 {
		parts = append(parts, fmt.Sprintf("limit %d per %s", c.RateLimit, c.RateWindow))
	}
	if c.BudgetWindow > 0 {
		parts = append(parts, fmt.Sprintf("budget %d per %s", c.RequestsPer5Minutes,
			c.BudgetWindow))
	}
	return strings.Join(parts, ", ")
}

// ms renders a duration in milliseconds with one decimal.
func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64)
}

// mib renders KiB as MiB with one decimal.
func mib(kib int64) string {
	return strconv.FormatFloat(float64(kib)/1024, 'f', 1, 64)
}

// WriteText writes a plain-text report of r and, when bars is not nil,
// its bars. Errors come from w.
func WriteText(w io.Writer, r *Result, bars []Bar) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	c := r.Config

	p("== %s: %s\n", c.Name, describe(c))
	p("calls          %d in %s (%.1f/s), %d workflow iterations\n", r.Calls,
		r.Elapsed.Round(time.Millisecond), r.Throughput(), r.Iterations)
	p("success        %s (%d failed)\n", percent(r.SuccessRate()), r.Failures)
	p("latency        p50 %sms  p95 %sms  p99 %sms  mean %sms  max %sms\n",
		ms(r.Latency.P50), ms(r.Latency.P95), ms(r.Latency.P99), ms(r.Latency.Mean),
		ms(r.Latency.Max))
	p("tokens         %d issued", r.TokensIssued)
	if r.TokensAtExpiry >= 0 {
		p(" (%d before the forced expiry, %d after)", r.TokensAtExpiry, r.TokensAfterExpiry)
	}
	p("\n")
	p("halo api       %d requests: %d 429s, %d 5xx, %d dropped, %d 401s, %d retries\n",
		r.API.Requests, r.API.Status429(), r.API.Status5xx(), r.API.Dropped(),
		r.API.ByStatus[401], r.API.Retries)
	p("tickets        %d created, %d extra by marker, %d extra by idempotency key\n",
		r.TicketsCreated, ExtraTickets(r.Duplicates, "marker"),
		ExtraTickets(r.Duplicates, "rapid7_ticketrrn"))
	p("plugin rss     peak %s MiB\n", mib(r.PeakRSSKiB))
	p("%-16s %7s %7s %9s %9s %9s\n", "action", "calls", "failed", "p50 ms", "p95 ms",
		"p99 ms")
	for _, a := range r.Actions {
		p("%-16s %7d %7d %9s %9s %9s\n", a.Name, a.Calls, a.Failures, ms(a.Latency.P50),
			ms(a.Latency.P95), ms(a.Latency.P99))
	}
	for i, e := range r.Errors {
		if i == 10 {
			p("(%d more distinct errors)\n", len(r.Errors)-10)
			break
		}
		p("error x%d %s: %s\n", e.Count, e.Action, e.Message)
	}
	for _, d := range r.Duplicates {
		if len(d.TicketIDs) > 1 {
			p("duplicate by %s %s: tickets %v\n", d.By, d.Key, d.TicketIDs)
		}
	}
	for _, b := range bars {
		mark := "PASS"
		if !b.Held {
			mark = "FAIL"
		}
		p("[%s] %s: %s\n", mark, b.Name, b.Got)
	}
	p("\n")
	return bw.Flush()
}

// WriteMarkdown writes one Markdown section per run: a table of its
// figures, its per-action table, its distinct errors, its bars and, when
// svgPath is not nil, an image link to svgPath(run name). Errors come
// from w.
func WriteMarkdown(w io.Writer, runs []SuiteRun, svgPath func(name string) string) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	for _, s := range runs {
		r, c := s.Result, s.Result.Config
		p("### %s\n\n%s. Settings: %s.\n\n", c.Name, s.Scenario.Summary, describe(c))
		p("| Figure | Value |\n|---|---|\n")
		p("| Calls | %d in %s (%.1f per second) |\n", r.Calls,
			r.Elapsed.Round(100*time.Millisecond), r.Throughput())
		p("| Success rate | %s (%d failed) |\n", percent(r.SuccessRate()), r.Failures)
		p("| Latency p50 / p95 / p99 | %s / %s / %s ms |\n", ms(r.Latency.P50),
			ms(r.Latency.P95), ms(r.Latency.P99))
		p("| Latency mean / max | %s / %s ms |\n", ms(r.Latency.Mean), ms(r.Latency.Max))
		p("| Token requests (issued) | %d", r.TokensIssued)
		if r.TokensAtExpiry >= 0 {
			p(" (%d before the forced expiry, %d after)", r.TokensAtExpiry,
				r.TokensAfterExpiry)
		}
		p(" |\n")
		p("| Halo API requests | %d |\n", r.API.Requests)
		p("| 429s / 5xx / dropped / 401s received | %d / %d / %d / %d |\n",
			r.API.Status429(), r.API.Status5xx(), r.API.Dropped(), r.API.ByStatus[401])
		p("| Retries (resends of a failed request) | %d |\n", r.API.Retries)
		p("| Tickets created / duplicates | %d / %d |\n", r.TicketsCreated,
			ExtraTickets(r.Duplicates, "marker")+ExtraTickets(r.Duplicates, "rapid7_ticketrrn"))
		p("| Plugin peak RSS | %s MiB |\n\n", mib(r.PeakRSSKiB))

		p("| Action | Calls | Failed | p50 ms | p95 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|\n")
		for _, a := range r.Actions {
			p("| %s | %d | %d | %s | %s | %s |\n", a.Name, a.Calls, a.Failures,
				ms(a.Latency.P50), ms(a.Latency.P95), ms(a.Latency.P99))
		}
		p("\n")
		if len(r.Errors) > 0 {
			p("Failures:\n\n")
			for i, e := range r.Errors {
				if i == 10 {
					p("- (%d more distinct errors)\n", len(r.Errors)-10)
					break
				}
				p("- %d x `%s`: %s\n", e.Count, e.Action, strings.ReplaceAll(e.Message, "|", `\|`))
			}
			p("\n")
		}
		for _, b := range s.Bars {
			mark := "held"
			if !b.Held {
				mark = "**missed**"
			}
			p("- Bar: %s: %s (%s)\n", b.Name, mark, b.Got)
		}
		if svgPath != nil {
			p("\n![%s latency histogram](%s)\n", c.Name, svgPath(c.Name))
		}
		p("\n")
	}
	return bw.Flush()
}
