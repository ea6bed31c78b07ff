package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// logRecord is one of the trigger's log records (ICON_LOG_FORMAT=json).
type logRecord struct {
	level, msg string
	// raw is the line as the trigger wrote it.
	raw string
}

// triggerProcess is a running `icon_haloitsm run` with a trigger_start
// message.
type triggerProcess struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer // read only after exited is closed
	exited chan struct{}

	mu      sync.Mutex
	records []logRecord
	notify  chan struct{}
}

// startTrigger starts plugin's run command with msg on stdin. Its log
// records are read from stderr as JSON; when ctx ends the process gets
// SIGTERM, and is killed if it is still running a few seconds later.
func startTrigger(ctx context.Context, plugin string, msg []byte) (*triggerProcess, error) {
	// The binary is the one the user named with --plugin (in tests, the
	// test binary itself).
	cmd := exec.CommandContext(ctx, plugin, "run") //nolint:gosec // G702: see above
	cmd.Cancel = func() error { return cmd.Process.Signal(interruptSignal) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = append(os.Environ(), "ICON_LOG_FORMAT=json")
	cmd.Stdin = bytes.NewReader(msg)
	p := &triggerProcess{cmd: cmd, exited: make(chan struct{}), notify: make(chan struct{}, 1)}
	cmd.Stdout = &p.stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start trigger: %w", err)
	}

	go func() {
		defer close(p.exited)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.add(sc.Text())
		}
		// Wait only once stderr is drained: Wait closes the pipe.
		_ = cmd.Wait()
	}()
	return p, nil
}

// add records one stderr line; a line that is not a JSON record (a
// crash, say) is kept as an ERROR record holding the text.
func (p *triggerProcess) add(line string) {
	r := logRecord{raw: line}
	var rec struct{ Level, Msg string }
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		r.level, r.msg = "ERROR", line
	} else {
		r.level, r.msg = rec.Level, rec.Msg
	}
	p.mu.Lock()
	p.records = append(p.records, r)
	p.mu.Unlock()
	select {
	case p.notify <- struct{}{}:
	default:
	}
}

// logs returns the records read so far.
func (p *triggerProcess) logs() []logRecord {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]logRecord(nil), p.records...)
}

// waitLog waits up to timeout for a log record whose message starts with
// one of prefixes, and returns it. It fails early when the trigger exits,
// with the error its envelope reports.
func (p *triggerProcess) waitLog(ctx context.Context, timeout time.Duration,
	prefixes ...string) (logRecord, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		if r, ok := p.findLog(prefixes); ok {
			return r, nil
		}
		select {
		case <-p.notify:
		case <-p.exited:
			// Records read just before the exit are checked once more.
			if r, ok := p.findLog(prefixes); ok {
				return r, nil
			}
			return logRecord{}, fmt.Errorf("the trigger exited: %s", p.exitReason())
		case <-t.C:
			return logRecord{}, fmt.Errorf("no %q log line within %s", prefixes[0], timeout)
		case <-ctx.Done():
			return logRecord{}, ctx.Err()
		}
	}
}

// findLog returns the first record whose message starts with one of
// prefixes.
func (p *triggerProcess) findLog(prefixes []string) (logRecord, bool) {
	for _, r := range p.logs() {
		for _, pre := range prefixes {
			if strings.HasPrefix(r.msg, pre) {
				return r, true
			}
		}
	}
	return logRecord{}, false
}

// exitReason describes how the exited trigger ended: the error of the
// envelope it wrote, else its exit status. Call it after exited closes.
func (p *triggerProcess) exitReason() string {
	var env envelope
	if json.Unmarshal(p.stdout.Bytes(), &env) == nil && env.Body.Error != "" {
		msg := env.Body.Error
		if env.Body.Exception != nil && env.Body.Exception.Cause != "" {
			msg = env.Body.Exception.Cause
		}
		return fmt.Sprintf("exit %d, %s", p.cmd.ProcessState.ExitCode(), msg)
	}
	return p.cmd.ProcessState.String()
}

// stop sends SIGTERM and waits up to timeout for the trigger to exit. It
// returns the exit code, or an error when the trigger had to be killed.
// Anything the trigger wrote to stdout on the way out (an error envelope)
// is reported as an error too: a stopped trigger writes nothing there.
func (p *triggerProcess) stop(timeout time.Duration) (int, error) {
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode(), errors.New("the trigger had already exited: " +
			p.exitReason())
	default:
	}
	if err := p.cmd.Process.Signal(interruptSignal); err != nil {
		if !errors.Is(err, os.ErrProcessDone) {
			return -1, fmt.Errorf("signal the trigger: %w", err)
		}
		// It exited since the check above.
		<-p.exited
		return p.cmd.ProcessState.ExitCode(), errors.New("the trigger had already exited: " +
			p.exitReason())
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.exited:
	case <-t.C:
		_ = p.cmd.Process.Kill()
		<-p.exited
		return -1, fmt.Errorf("the trigger did not exit within %s of SIGTERM; killed", timeout)
	}
	code := p.cmd.ProcessState.ExitCode()
	if out := strings.TrimSpace(p.stdout.String()); out != "" {
		return code, fmt.Errorf("the trigger wrote to stdout while stopping: %s", clip(out, 200))
	}
	return code, nil
}

// kill ends the trigger at once, if it still runs, and waits for it. It
// is the clean-up for paths that could not stop it with stop.
func (p *triggerProcess) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// triggerStart builds a trigger_start message.
func triggerStart(trigger string, meta, conn, input map[string]any,
	dispatcherURL string) ([]byte, error) {
	return json.Marshal(map[string]any{
		"version": "v1",
		"type":    "trigger_start",
		"body": map[string]any{
			"trigger": trigger, "meta": meta, "connection": conn, "input": input,
			"dispatcher": map[string]any{"url": dispatcherURL, "webhook_url": ""},
		},
	})
}
