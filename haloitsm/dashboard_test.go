package haloitsm

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haloconnect/icon-haloitsm/icon/runtime"
)

const dashboardPath = "../docs/grafana/haloitsm-dashboard.json"

// selectorRe finds a metric name followed by its label matchers. The
// dashboard gives every selector a {job=~"$job"} matcher, so every metric
// it names is followed by "{".
var selectorRe = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{`)

// bareMetricRe finds names of this plugin's metric prefixes anywhere in an
// expression, to catch a selector written without matchers.
var bareMetricRe = regexp.MustCompile(`\b((?:icon_plugin|haloitsm)_[a-zA-Z0-9_:]*)`)

// panel is the part of a Grafana panel the test reads.
type panel struct {
	Type    string  `json:"type"`
	Title   string  `json:"title"`
	Panels  []panel `json:"panels"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

// TestDashboardNamesOnlyExportedMetrics parses the Grafana dashboard,
// extracts the metric of every panel query, and checks that the plugin
// really exports each one: it exercises the plugin through HTTP mode so
// that every family appears, then gathers the registry.
func TestDashboardNamesOnlyExportedMetrics(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		SchemaVersion int     `json:"schemaVersion"`
		Title         string  `json:"title"`
		Panels        []panel `json:"panels"`
		Templating    struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("%s is not JSON: %v", dashboardPath, err)
	}
	if dash.SchemaVersion < 36 || dash.Title == "" {
		t.Errorf("schemaVersion %d, title %q: want a current Grafana dashboard",
			dash.SchemaVersion, dash.Title)
	}
	hasDS := slices.ContainsFunc(dash.Templating.List, func(v struct {
		Name  string `json:"name"`
		Type  string `json:"type"`
		Query any    `json:"query"`
	}) bool {
		return v.Type == "datasource" && v.Query == "prometheus"
	})
	if !hasDS {
		t.Error("the dashboard has no Prometheus data source variable")
	}

	exported := exportedFamilies(t)
	used := map[string]bool{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			if p.Type != "row" && len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				names := metricNames(tg.Expr)
				if len(names) == 0 {
					t.Errorf("panel %q: no metric found in %q", p.Title, tg.Expr)
				}
				for _, n := range names {
					fam := familyOf(n, exported)
					if !exported[fam] {
						t.Errorf("panel %q names %s, which the plugin does not export",
							p.Title, n)
					}
					used[fam] = true
				}
				for _, m := range bareMetricRe.FindAllString(tg.Expr, -1) {
					if !slices.Contains(names, m) {
						t.Errorf("panel %q: %s has no label matchers; give it "+
							`{job=~"$job"}`, p.Title, m)
					}
				}
			}
		}
	}
	walk(dash.Panels)

	// Every metric of the plugin and runtime has a panel.
	for fam := range exported {
		if (strings.HasPrefix(fam, "haloitsm_") || strings.HasPrefix(fam, "icon_plugin_")) &&
			!used[fam] {
			t.Errorf("no dashboard panel shows %s", fam)
		}
	}
}

// stringRe matches a PromQL string literal.
var stringRe = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// metricNames returns the metric names selected in a PromQL expression.
func metricNames(expr string) []string {
	var out []string
	expr = stringRe.ReplaceAllString(expr, `""`)
	for _, m := range selectorRe.FindAllStringSubmatch(expr, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// familyOf maps a series name to its family: a histogram's _bucket, _sum
// and _count series belong to the histogram.
func familyOf(name string, exported map[string]bool) string {
	for _, suf := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suf); ok && exported[base] {
			return base
		}
	}
	return name
}

// exportedFamilies runs steps through HTTP mode, so that the runtime's
// and the Halo client's families have samples, and returns the names of
// every family on the plugin's registry.
func exportedFamilies(t *testing.T) map[string]bool {
	t.Helper()
	const secret = "dashboard-test-secret"
	f := newFront(t, secret, "acme")
	p := newPlugin(Options{MaxRetryElapsed: 5 * time.Second})
	h, err := runtime.Handler(p)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := postStep(t, h, "/api/v1/actions/list_statuses", "action_start", "action",
		"list_statuses", f.conn(secret), map[string]any{}); code != 200 {
		t.Fatalf("list_statuses = %d: %s", code, body)
	}

	fams, err := p.Metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, mf := range fams {
		out[mf.GetName()] = true
	}
	for _, want := range []string{"icon_plugin_runs_total", "icon_plugin_run_duration_seconds",
		"icon_plugin_http_requests_total", "haloitsm_halo_requests_total",
		"haloitsm_halo_request_duration_seconds", "haloitsm_halo_retries_total",
		"haloitsm_halo_token_fetches_total", "haloitsm_halo_rate_limit_wait_seconds_total",
		"haloitsm_webhook_deliveries_total", "haloitsm_trigger_events_total"} {
		if !out[want] {
			t.Errorf("the registry has no %s after a step", want)
		}
	}
	return out
}

func TestMetricNames(t *testing.T) {
	t.Parallel()
	got := metricNames(`histogram_quantile(0.9, sum by (le) (rate(a_bucket{job=~"$job"}[5m]))) / ` +
		`clamp_min(sum(rate(b_total{x="y{z"}[1m])), 1)`)
	want := []string{"a_bucket", "b_total"}
	if !slices.Equal(got, want) {
		t.Errorf("metricNames = %q, want %q", got, want)
	}
	exported := map[string]bool{"a": true}
	if fam := familyOf("a_bucket", exported); fam != "a" {
		t.Errorf("familyOf(a_bucket) = %q", fam)
	}
	if fam := familyOf("b_count", exported); fam != "b_count" {
		t.Errorf("familyOf(b_count) = %q, want b_count (no histogram b)", fam)
	}
}
