package loadtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// buildPlugin builds cmd/icon_haloitsm into a temporary directory.
func buildPlugin(t *testing.T) string {
	t.Helper()
	return buildCmd(t, "icon_haloitsm")
}

// buildCmd builds cmd/<name> into a temporary directory. Built without
// the race detector, haloitsm-load starts in milliseconds, where a race
// build of this test binary takes about a second as run mode's launcher.
func buildCmd(t *testing.T, name string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "../cmd/"+name)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, out)
	}
	return bin
}

// TestRunSmoke drives the real plugin binary for a few seconds in both
// modes with no faults: every call must succeed, the HTTP mode process
// must fetch exactly one token, and no ticket may be duplicated.
func TestRunSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin and drives it for several seconds; skipped with -short")
	}
	plugin := buildPlugin(t)
	launcher := buildCmd(t, "haloitsm-load")

	for _, mode := range []Mode{ModeHTTP, ModeRun} {
		t.Run(string(mode), func(t *testing.T) {
			r, err := Run(t.Context(), Config{
				Name: "smoke-" + string(mode), Plugin: plugin, Launcher: launcher, Mode: mode,
				Concurrency: 2, Duration: 2 * time.Second, CallTimeout: 30 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			if r.Calls == 0 || r.Failures != 0 {
				t.Fatalf("%d calls, %d failed; errors: %+v", r.Calls, r.Failures, r.Errors)
			}
			if len(r.Actions) != len(DefaultMix) {
				t.Errorf("actions called: %+v, want every one of %v", r.Actions, DefaultMix)
			}
			if r.TicketsCreated == 0 || len(r.Duplicates) != 0 {
				t.Errorf("%d tickets, duplicates %v", r.TicketsCreated, r.Duplicates)
			}
			if r.PeakRSSKiB <= 0 {
				t.Errorf("peak RSS %d KiB, want a positive figure", r.PeakRSSKiB)
			}
			// The plugin's figure, not this (far larger) test process's.
			if own, err := PeakRSS(os.Getpid()); err == nil && r.PeakRSSKiB >= own {
				t.Errorf("plugin peak RSS %d KiB, not below this process's %d KiB",
					r.PeakRSSKiB, own)
			}
			if r.API.Requests < r.Calls || r.API.Retries != 0 {
				t.Errorf("API counts %+v for %d calls without faults", r.API, r.Calls)
			}
			if mode == ModeHTTP && r.TokensIssued != 1 {
				t.Errorf("HTTP mode fetched %d tokens, want 1", r.TokensIssued)
			}
			if mode == ModeRun && r.TokensIssued != r.Calls {
				t.Errorf("run mode fetched %d tokens for %d calls, want one per call",
					r.TokensIssued, r.Calls)
			}
		})
	}
}

// TestRunFaultsAndExpiry checks the fault, expiry and rate-limit
// accounting on a short HTTP run: injected 5xx show up as 5xx answers
// and resends, and the forced expiry costs one token request.
func TestRunFaultsAndExpiry(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin and drives it for several seconds; skipped with -short")
	}
	plugin := buildPlugin(t)
	r, err := Run(t.Context(), Config{
		Name: "faults", Plugin: plugin, Mode: ModeHTTP, Concurrency: 4,
		Duration: 3 * time.Second, ErrorRatio: 0.05, ExpireTokensAt: 1500 * time.Millisecond,
		Mix: []string{"create_ticket", "get_ticket", "search_tickets"}, Seed: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.API.Status5xx() == 0 || r.API.Retries == 0 {
		t.Errorf("5%% injected 5xx: counts %+v, want 5xx answers and resends", r.API)
	}
	if r.TokensAtExpiry != 1 || r.TokensAfterExpiry != 1 {
		t.Errorf("tokens %d before and %d after the expiry, want 1 and 1",
			r.TokensAtExpiry, r.TokensAfterExpiry)
	}
	if r.API.ByStatus[401] == 0 {
		t.Errorf("no 401 after the forced expiry: %+v", r.API)
	}
	if len(r.Duplicates) != 0 {
		t.Errorf("duplicates %v", r.Duplicates)
	}
}
