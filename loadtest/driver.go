package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Process limits of the plugin under test.
const (
	// maxEnvelope bounds a result envelope read from the plugin.
	maxEnvelope = 16 << 20
	// readyTimeout bounds the wait for an HTTP mode plugin to answer
	// GET /api/v1/status.
	readyTimeout = 20 * time.Second
	// stopTimeout bounds a graceful stop (SIGTERM) before SIGKILL.
	stopTimeout = 40 * time.Second
	// stderrTail is how much of the plugin's stderr is kept for error
	// messages.
	stderrTail = 8 << 10
)

// Mode selects how the plugin is driven.
type Mode string

const (
	// ModeHTTP runs one "http" server process for the whole run.
	ModeHTTP Mode = "http"
	// ModeRun runs one "run" process per action call.
	ModeRun Mode = "run"
)

// envelope is the part of a result envelope the harness reads.
type envelope struct {
	Body struct {
		Status    string         `json:"status"`
		Output    map[string]any `json:"output"`
		Error     string         `json:"error"`
		Exception *struct {
			Cause      string `json:"cause"`
			Assistance string `json:"assistance"`
		} `json:"exception"`
	} `json:"body"`
}

// outcome is what one action call returned: its output, or why it
// failed.
type outcome struct {
	output map[string]any
	err    string // empty on success
}

// decodeEnvelope turns an envelope into an outcome; httpStatus is 0 in
// run mode.
func decodeEnvelope(data []byte, httpStatus int) outcome {
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return outcome{err: fmt.Sprintf("unreadable envelope (HTTP %d): %v: %.200q",
			httpStatus, err, data)}
	}
	b := env.Body
	if b.Status == "ok" {
		return outcome{output: b.Output}
	}
	msg := b.Error
	if msg == "" && b.Exception != nil {
		msg = b.Exception.Cause + " " + b.Exception.Assistance
	}
	if msg == "" {
		msg = fmt.Sprintf("status %q without an error", b.Status)
	}
	return outcome{err: msg}
}

// startMessage builds an action_start message.
func startMessage(action string, conn, input map[string]any) ([]byte, error) {
	return json.Marshal(map[string]any{
		"version": "v1",
		"type":    "action_start",
		"body": map[string]any{
			"action":     action,
			"meta":       map[string]any{},
			"connection": conn,
			"input":      input,
		},
	})
}

// driver runs action calls against the plugin under test. Its methods
// are safe for concurrent use.
type driver interface {
	call(ctx context.Context, action string, msg []byte) outcome
	// peakRSS returns the plugin's peak resident set size in KiB so far.
	peakRSS() (int64, error)
	close() error
}

// tailBuffer keeps the last stderrTail bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - stderrTail; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// httpDriver drives one plugin process in HTTP mode.
type httpDriver struct {
	cmd    *exec.Cmd
	base   string
	client *http.Client
	stderr *tailBuffer
	exited chan struct{} // closed when the process has exited
	err    error         // the process's exit error, set before exited closes
}

// startHTTP starts plugin in HTTP mode on a free loopback port and waits
// until it answers GET /api/v1/status.
func startHTTP(ctx context.Context, plugin string, conns int) (*httpDriver, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	d := &httpDriver{
		base:   "http://127.0.0.1:" + strconv.Itoa(port),
		stderr: &tailBuffer{},
		exited: make(chan struct{}),
		client: &http.Client{Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        conns + 8,
			MaxIdleConnsPerHost: conns + 8,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		}},
	}
	args := []string{"http", "--host", "127.0.0.1", "--port", strconv.Itoa(port)}
	d.cmd = exec.CommandContext(ctx, plugin, args...)
	// If ctx ends first, stop the plugin the way close does.
	d.cmd.Cancel = func() error { return d.cmd.Process.Signal(syscall.SIGTERM) }
	d.cmd.WaitDelay = stopTimeout
	d.cmd.Stdout = io.Discard
	d.cmd.Stderr = d.stderr
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("loadtest: start %s http: %w", plugin, err)
	}
	go func() {
		d.err = d.cmd.Wait()
		close(d.exited)
	}()

	if err := d.waitReady(ctx); err != nil {
		_ = d.close()
		return nil, err
	}
	return d, nil
}

func (d *httpDriver) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.base+"/api/v1/status", nil)
		if err != nil {
			return fmt.Errorf("loadtest: plugin status request: %w", err)
		}
		if res, err := d.client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-d.exited:
			return fmt.Errorf("loadtest: plugin exited before serving (%w): %s", d.err,
				d.stderr.String())
		case <-ctx.Done():
			return fmt.Errorf("loadtest: plugin not ready after %s: %w; stderr: %s",
				readyTimeout, ctx.Err(), d.stderr.String())
		case <-tick.C:
		}
	}
}

func (d *httpDriver) call(ctx context.Context, action string, msg []byte) outcome {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		d.base+"/api/v1/actions/"+action, bytes.NewReader(msg))
	if err != nil {
		return outcome{err: "build request: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := d.client.Do(req)
	if err != nil {
		return outcome{err: "plugin request: " + err.Error()}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxEnvelope))
	if err != nil {
		return outcome{err: "read plugin answer: " + err.Error()}
	}
	return decodeEnvelope(data, res.StatusCode)
}

func (d *httpDriver) peakRSS() (int64, error) { return PeakRSS(d.cmd.Process.Pid) }

// close stops the plugin with SIGTERM, then SIGKILL after stopTimeout.
func (d *httpDriver) close() error {
	d.client.CloseIdleConnections()
	select {
	case <-d.exited:
		return nil
	default:
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(stopTimeout)
	defer t.Stop()
	select {
	case <-d.exited:
		var ee *exec.ExitError
		if d.err != nil && !errors.As(d.err, &ee) {
			return fmt.Errorf("loadtest: plugin wait: %w", d.err)
		}
		if d.err != nil {
			return fmt.Errorf("loadtest: plugin exited with %w after SIGTERM: %s", d.err,
				d.stderr.String())
		}
		return nil
	case <-t.C:
		_ = d.cmd.Process.Kill()
		<-d.exited
		return fmt.Errorf("loadtest: plugin did not stop within %s of SIGTERM; killed",
			stopTimeout)
	}
}

// freePort returns a TCP port that was free on 127.0.0.1 a moment ago.
func freePort() (int, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("loadtest: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// runDriver starts one plugin "run" process per call, through the
// launcher (MeasureExec) so that each process's own peak RSS is known.
type runDriver struct {
	plugin   string
	launcher string // the haloitsm-load binary (os.Executable)

	mu        sync.Mutex
	peak      int64 // KiB, the largest peak of a finished process
	bounded   int   // processes whose peak was not above the launcher's
	unmeasure int   // processes without a launcher report
}

func (d *runDriver) call(ctx context.Context, action string, msg []byte) outcome {
	//nolint:gosec // G204: this binary, launching the binary under test
	cmd := exec.CommandContext(ctx, d.launcher, MeasureExecCommand, "--", d.plugin, "run")
	cmd.Stdin = bytes.NewReader(msg)
	var stdout bytes.Buffer
	stderr := &tailBuffer{}
	cmd.Stdout = &limitedWriter{w: &stdout, n: maxEnvelope}
	cmd.Stderr = stderr
	cmd.WaitDelay = 5 * time.Second
	rep, err, repErr := runMeasured(cmd)
	d.mu.Lock()
	switch {
	case repErr != nil:
		d.unmeasure++
	case rep.ownPeak():
		d.peak = max(d.peak, rep.child)
	default:
		d.bounded++
		d.peak = max(d.peak, rep.child)
	}
	d.mu.Unlock()
	if stdout.Len() == 0 {
		return outcome{err: fmt.Sprintf("run process: %v: no envelope; stderr: %s", err,
			stderr.String())}
	}
	// A failed step exits 1 with its envelope on stdout; the envelope
	// says what failed.
	return decodeEnvelope(stdout.Bytes(), 0)
}

// peakRSS returns the largest peak of the run processes so far. It
// fails when none was measured, or when some process's figure may be the
// launcher's rather than the plugin's.
func (d *runDriver) peakRSS() (int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.peak == 0:
		return 0, fmt.Errorf("loadtest: no run process was measured (%d without a "+
			"launcher report)", d.unmeasure)
	case d.bounded > 0:
		return d.peak, fmt.Errorf("loadtest: %d run processes peaked no higher than "+
			"the launcher; %d KiB is an upper bound", d.bounded, d.peak)
	}
	return d.peak, nil
}

func (d *runDriver) close() error { return nil }

// limitedWriter writes at most n bytes to w and discards the rest.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	keep := min(len(p), l.n)
	if keep > 0 {
		if _, err := l.w.Write(p[:keep]); err != nil {
			return 0, err
		}
		l.n -= keep
	}
	return len(p), nil
}
