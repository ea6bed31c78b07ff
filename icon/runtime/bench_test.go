package runtime_test

import (
	"bytes"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haloconnect/icon-haloitsm/icon/runtime/testdata/testplugin"
)

const benchMsg = `{"version":"v1","type":"action_start","body":{"action":"echo","meta":{},` + conn +
	`,"input":{"message":"hi"}}}`

// BenchmarkRunProcess measures a run invocation end to end: process start,
// one start message on stdin, the envelope on stdout, exit.
func BenchmarkRunProcess(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "testplugin")
	build := exec.CommandContext(b.Context(), "go", "build", "-o", bin, "./testdata/testplugin/cmd/testplugin")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build test plugin: %v\n%s", err, out)
	}
	b.ResetTimer()
	for b.Loop() {
		cmd := exec.CommandContext(b.Context(), bin, "run")
		cmd.Stdin = strings.NewReader(benchMsg)
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
		if !bytes.Contains(out.Bytes(), []byte(`"status":"ok"`)) {
			b.Fatalf("unexpected envelope %s", out.String())
		}
	}
}

// BenchmarkHTTPAction measures requests per second of a trivial action in
// HTTP mode with parallel clients against the in-process server.
func BenchmarkHTTPAction(b *testing.B) {
	srv := newServer(b, testplugin.Plugin())
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, err := http.NewRequestWithContext(b.Context(), "POST",
				srv.URL+"/api/v1/actions/echo", strings.NewReader(benchMsg))
			if err != nil {
				b.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := srv.Client().Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
