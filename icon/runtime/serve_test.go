package runtime_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haloconnect/icon-haloitsm/icon/runtime"
	"github.com/haloconnect/icon-haloitsm/icon/runtime/testdata/testplugin"
	"github.com/haloconnect/icon-haloitsm/internal/syncbuf"
)

// TestHTTPCommandServesAndShutsDown runs the http command on a loopback
// port, makes a request, and checks that cancelling (as SIGTERM does)
// stops it with exit code 0 and nothing on stdout.
func TestHTTPCommandServesAndShutsDown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncbuf.Buffer
	done := make(chan int)
	go func() {
		done <- runtime.Run(ctx, testplugin.Plugin(), []string{"http", "--host", "127.0.0.1", "--port", "0"},
			strings.NewReader(""), &stdout, &stderr)
	}()

	addrRE := regexp.MustCompile(`address=(127\.0\.0\.1:\d+)`)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); {
		if m := addrRE.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if addr == "" {
		t.Fatalf("server did not report its address; stderr:\n%s", stderr.String())
	}
	req, err := http.NewRequestWithContext(t.Context(), "GET", "http://"+addr+"/api/v1/status", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status = %d", resp.StatusCode)
	}

	cancel()
	select {
	case code := <-done:
		if code != runtime.ExitOK {
			t.Errorf("exit = %d, want 0; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop")
	}
	if stdout.String() != "" {
		t.Errorf("stdout = %q, want nothing", stdout.String())
	}
}
