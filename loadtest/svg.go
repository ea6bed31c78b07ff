package loadtest

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strconv"
	"time"
)

// Histogram geometry. Bins are logarithmic: latencies of a run under
// faults span from a millisecond to tens of seconds of backoff, and a
// linear axis would squash everything but the tail into one bar.
const (
	svgWidth       = 760
	svgHeight      = 380
	svgLeft        = 64 // room for the count axis labels
	svgRight       = 24
	svgTop         = 56 // room for the title and subtitle
	svgBottom      = 48 // room for the latency axis labels
	binsPerDecade  = 10
	minHistLatency = 100 * time.Microsecond
)

// Histogram is a logarithmic latency histogram: bin i holds samples d
// with Lo(i) <= d < Lo(i+1).
type Histogram struct {
	// FirstDecade is the power of ten, in microseconds, where bin 0
	// starts (2 means 100µs).
	FirstDecade int
	Counts      []int
}

// Lo returns the lower edge of bin i.
func (h Histogram) Lo(i int) time.Duration {
	exp := float64(h.FirstDecade) + float64(i)/binsPerDecade
	return time.Duration(math.Round(math.Pow(10, exp))) * time.Microsecond
}

// NewHistogram bins samples into binsPerDecade bins per decade, covering
// whole decades from the smallest to the largest sample. Samples below
// 100µs count in the first bin.
func NewHistogram(samples []time.Duration) Histogram {
	if len(samples) == 0 {
		return Histogram{FirstDecade: 2}
	}
	lo, hi := slices.Min(samples), slices.Max(samples)
	lo, hi = max(lo, minHistLatency), max(hi, minHistLatency)
	first := int(math.Floor(math.Log10(float64(lo.Microseconds()))))
	last := int(math.Floor(math.Log10(float64(hi.Microseconds())))) + 1
	h := Histogram{FirstDecade: first, Counts: make([]int, (last-first)*binsPerDecade)}
	for _, d := range samples {
		us := float64(max(d, minHistLatency).Microseconds())
		i := int(math.Floor((math.Log10(us) - float64(first)) * binsPerDecade))
		h.Counts[min(max(i, 0), len(h.Counts)-1)]++
	}
	return h
}

// WriteHistogramSVG writes samples as a self-contained SVG histogram
// with a logarithmic latency axis and the p50, p95 and p99 marked. The
// output depends only on its arguments. Errors come from w.
func WriteHistogramSVG(w io.Writer, title, subtitle string, samples []time.Duration) error {
	sorted := slices.Clone(samples)
	lat := Summarize(sorted)
	h := NewHistogram(sorted)

	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }

	plotW := float64(svgWidth - svgLeft - svgRight)
	plotH := float64(svgHeight - svgTop - svgBottom)
	baseY := float64(svgTop) + plotH
	decades := max(len(h.Counts)/binsPerDecade, 1)
	// x maps a latency to its horizontal position on the log axis.
	x := func(d time.Duration) float64 {
		us := float64(max(d, minHistLatency).Microseconds())
		f := (math.Log10(us) - float64(h.FirstDecade)) / float64(decades)
		return float64(svgLeft) + min(max(f, 0), 1)*plotW
	}
	peak := 0
	if len(h.Counts) > 0 {
		peak = slices.Max(h.Counts)
	}
	yMax := niceCeil(peak)

	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" `+
		`font-family="sans-serif" font-size="12">`+"\n", svgWidth, svgHeight, svgWidth, svgHeight)
	p(`<rect width="100%%" height="100%%" fill="#ffffff"/>` + "\n")
	p(`<text x="%d" y="22" font-size="15" font-weight="bold">%s</text>`+"\n",
		svgLeft, html.EscapeString(title))
	p(`<text x="%d" y="40" fill="#555555">%s</text>`+"\n", svgLeft, html.EscapeString(subtitle))

	// Horizontal grid and count labels.
	for i := 0; i <= 4; i++ {
		y := baseY - plotH*float64(i)/4
		p(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e5e5e5"/>`+"\n",
			svgLeft, y, svgWidth-svgRight, y)
		p(`<text x="%d" y="%.1f" text-anchor="end" fill="#555555">%d</text>`+"\n",
			svgLeft-6, y+4, yMax*i/4)
	}

	// Bars.
	for i, c := range h.Counts {
		if c == 0 {
			continue
		}
		x0, x1 := x(h.Lo(i)), x(h.Lo(i+1))
		bh := plotH * float64(c) / float64(yMax)
		p(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#4a7ab5"/>`+"\n",
			x0+0.5, baseY-bh, max(x1-x0-1, 0.5), bh)
	}

	// Latency axis with a label at every decade.
	p(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#333333"/>`+"\n",
		svgLeft, baseY, svgWidth-svgRight, baseY)
	for k := 0; k <= decades; k++ {
		d := h.Lo(k * binsPerDecade)
		xx := x(d)
		p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333333"/>`+"\n",
			xx, baseY, xx, baseY+5)
		p(`<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n",
			xx, baseY+19, shortDuration(d))
	}
	p(`<text transform="translate(16 %d) rotate(-90)" text-anchor="middle" `+
		`fill="#555555">calls</text>`+"\n", svgTop+int(plotH/2))
	p(`<text x="%d" y="%d" text-anchor="middle" fill="#555555">latency per action call `+
		`(log scale)</text>`+"\n", svgLeft+int(plotW/2), svgHeight-8)

	// Percentile markers, labels staggered so they do not overlap.
	marks := []struct {
		name  string
		d     time.Duration
		color string
	}{{"p50", lat.P50, "#2b8a3e"}, {"p95", lat.P95, "#e67700"}, {"p99", lat.P99, "#c92a2a"}}
	if lat.Count > 0 {
		for i, m := range marks {
			xx := x(m.d)
			p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="4 3"/>`+
				"\n", xx, svgTop, xx, baseY, m.color)
			// Near the right edge the label goes left of its line.
			lx, anchor := xx+4, "start"
			if xx > svgWidth-svgRight-90 {
				lx, anchor = xx-4, "end"
			}
			p(`<text x="%.1f" y="%d" text-anchor="%s" fill="%s">%s %s</text>`+"\n",
				lx, svgTop+12+14*i, anchor, m.color, m.name, shortDuration(m.d))
		}
	}
	p("</svg>\n")
	return bw.Flush()
}

// niceCeil returns the top of the count axis: four grid steps of 1, 2
// or 5 times a power of ten, together at least n.
func niceCeil(n int) int {
	need := max((n+3)/4, 1)
	for base := 1; ; base *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*base >= need {
				return 4 * m * base
			}
		}
	}
}

// shortDuration renders d compactly for axis labels: 100µs, 1.5ms, 12ms,
// 2.5s, 20s.
func shortDuration(d time.Duration) string {
	round1 := func(v float64) string {
		return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	}
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < 10*time.Millisecond:
		return round1(float64(d)/float64(time.Millisecond)) + "ms"
	case d < time.Second:
		return fmt.Sprintf("%.0fms", float64(d)/float64(time.Millisecond))
	case d < 10*time.Second:
		return round1(d.Seconds()) + "s"
	default:
		return fmt.Sprintf("%.0fs", d.Seconds())
	}
}
