package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRunPrintsURLsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"--addr", "127.0.0.1:0", "--rate-limit", "5"}, pw, io.Discard)
		pw.Close()
	}()

	sc := bufio.NewScanner(pr)
	var lines []string
	for len(lines) < 2 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != 2 {
		t.Fatalf("stdout lines = %q", lines)
	}
	auth, ok1 := strings.CutPrefix(lines[0], "authorization server: ")
	api, ok2 := strings.CutPrefix(lines[1], "resource server: ")
	if !ok1 || !ok2 || !strings.HasSuffix(auth, "/auth") || !strings.HasSuffix(api, "/api") ||
		!strings.HasPrefix(auth, "http://127.0.0.1:") {
		t.Fatalf("stdout = %q", lines)
	}

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(t.Context(), "GET", api+"/AuthInfo", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("AuthInfo: %s", resp.Status)
	}
	tr.CloseIdleConnections()

	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	if _, err := io.Copy(io.Discard, pr); err != nil {
		t.Errorf("read stdout: %v", err)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--addr", "0.0.0.0:8080"},
		{"--addr", "192.0.2.1:8080"},
		{"--error-ratio", "1.5"},
		{"--webhook", "http://192.0.2.1/hook", "--addr", "127.0.0.1:0"},
		{"--webhook", "http://127.0.0.1:9/hook", "--webhook-mode", "huge", "--addr", "127.0.0.1:0"},
		{"stray"},
	} {
		if err := run(t.Context(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
