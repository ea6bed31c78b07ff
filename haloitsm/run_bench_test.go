package haloitsm

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// pluginBinary builds cmd/icon_haloitsm once per test process.
func pluginBinary(b *testing.B) string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "icon-bench")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "icon_haloitsm")
		out, err := exec.CommandContext(b.Context(), "go", "build", "-o", binPath,
			"../cmd/icon_haloitsm").CombinedOutput()
		if err != nil {
			buildErr = err
			b.Logf("%s", out)
		}
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return binPath
}

// benchmarkRun measures one `icon_haloitsm run` end to end (process start,
// token, Halo calls, envelope) and reports the p50 and p95 latencies.
func benchmarkRun(b *testing.B, action string, input func(i int) map[string]any) {
	bin := pluginBinary(b)
	srv := emulator.NewTestServer(b, emulator.Config{})
	id := srv.CreateTicket(map[string]any{"summary": "bench", "details": "d"})
	conn := map[string]any{"client_id": emulator.DefaultClientID,
		"client_secret":        map[string]any{"secretKey": emulator.DefaultClientSecret},
		"authorization_server": srv.AuthURL(), "resource_server": srv.APIURL(), "tenant": ""}

	var took []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		in := input(i)
		if in["ticket_id"] == 0 {
			in["ticket_id"] = id
		}
		msg, _ := json.Marshal(map[string]any{"version": "v1", "type": "action_start",
			"body": map[string]any{"action": action, "meta": map[string]any{},
				"connection": conn, "input": in}})
		cmd := exec.CommandContext(b.Context(), bin, "run")
		cmd.Stdin = bytes.NewReader(msg)
		var out bytes.Buffer
		cmd.Stdout = &out
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("run %s: %v", action, err)
		}
		took = append(took, time.Since(start))
		var env struct {
			Body struct{ Status, Error string } `json:"body"`
		}
		if json.Unmarshal(out.Bytes(), &env) != nil || env.Body.Status != "ok" {
			b.Fatalf("run %s: %s %s", action, env.Body.Status, env.Body.Error)
		}
	}
	b.StopTimer()
	slices.Sort(took)
	pct := func(p float64) float64 {
		return float64(took[int(p*float64(len(took)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
}

func BenchmarkRunGetTicket(b *testing.B) {
	benchmarkRun(b, "get_ticket", func(int) map[string]any {
		return map[string]any{"ticket_id": 0}
	})
}

func BenchmarkRunCreateTicket(b *testing.B) {
	benchmarkRun(b, "create_ticket", func(i int) map[string]any {
		return map[string]any{"summary": "bench create", "details": "d",
			"priority_name": "High"}
	})
}

// TestMain removes the plugin binary the benchmarks built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}
