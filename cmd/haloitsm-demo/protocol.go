package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// envelope is the plugin's result envelope.
type envelope struct {
	Version string `json:"version"`
	Type    string `json:"type"`
	Body    struct {
		Status    string         `json:"status"`
		Output    map[string]any `json:"output"`
		Error     string         `json:"error"`
		Log       string         `json:"log"`
		Exception *struct {
			Cause      string `json:"cause"`
			Assistance string `json:"assistance"`
			Data       string `json:"data"`
		} `json:"exception"`
	} `json:"body"`
}

// runAction runs one action through `plugin run` and returns its envelope
// and how long the process took.
func runAction(ctx context.Context, plugin string, conn map[string]any, action string,
	input map[string]any) (*envelope, time.Duration, error) {
	msg := map[string]any{
		"version": "v1",
		"type":    "action_start",
		"body": map[string]any{
			"action": action, "meta": map[string]any{}, "connection": conn, "input": input,
		},
	}
	in, err := json.Marshal(msg)
	if err != nil {
		return nil, 0, err
	}

	cmd := exec.CommandContext(ctx, plugin, "run")
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	runErr := cmd.Run()
	took := time.Since(start)

	var env envelope
	if err := json.Unmarshal(stdout.Bytes(), &env); err != nil {
		if runErr != nil {
			return nil, took, fmt.Errorf("%s run %s: %w: %s", plugin, action, runErr,
				strings.TrimSpace(lastLine(stderr.String())))
		}
		return nil, took, fmt.Errorf("%s run %s: no envelope on stdout: %w", plugin, action, err)
	}
	return &env, took, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// emulatorProcess is a running bin/halo-emulator.
type emulatorProcess struct {
	cmd     *exec.Cmd
	authURL string
	apiURL  string
	done    chan struct{}
}

// startEmulator starts the emulator binary and waits until it prints its
// two server URLs ("authorization server: URL", "resource server: URL").
func startEmulator(ctx context.Context, bin string, args ...string) (*emulatorProcess, error) {
	// When ctx ends the emulator is asked to stop, and killed if it has
	// not exited a few seconds later.
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(interruptSignal) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start emulator: %w", err)
	}
	p := &emulatorProcess{cmd: cmd, done: make(chan struct{})}

	ready := make(chan error, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(out)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			if k, v, ok := strings.Cut(line, ": "); ok {
				switch strings.ToLower(strings.TrimSpace(k)) {
				case "authorization server":
					p.authURL = strings.TrimSpace(v)
				case "resource server":
					p.apiURL = strings.TrimSpace(v)
				}
			}
			if !signalled && p.authURL != "" && p.apiURL != "" {
				signalled = true
				ready <- nil
			}
		}
		if !signalled {
			ready <- errors.New("emulator exited before printing its URLs")
		}
		_ = cmd.Wait()
	}()

	select {
	case err := <-ready:
		if err != nil {
			return nil, err
		}
		return p, nil
	case <-time.After(15 * time.Second):
		p.stop()
		return nil, errors.New("emulator did not print its URLs within 15s")
	case <-ctx.Done():
		p.stop()
		return nil, ctx.Err()
	}
}

// stop ends the emulator and waits for it.
func (p *emulatorProcess) stop() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(interruptSignal)
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}
