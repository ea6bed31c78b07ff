package loadtest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigNormalize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	exe := filepath.Join(dir, "plugin")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	good := Config{Plugin: exe, Mode: ModeHTTP, Concurrency: 10, Duration: time.Second}

	tests := []struct {
		name  string
		edit  func(*Config)
		field string // "" means valid
	}{
		{"valid", func(*Config) {}, ""},
		{"no plugin", func(c *Config) { c.Plugin = "" }, "Plugin"},
		{"missing plugin", func(c *Config) { c.Plugin = filepath.Join(dir, "nope") }, "Plugin"},
		{"plugin not executable", func(c *Config) { c.Plugin = plain }, "Plugin"},
		{"plugin is a directory", func(c *Config) { c.Plugin = dir }, "Plugin"},
		{"bad mode", func(c *Config) { c.Mode = "grpc" }, "Mode"},
		{"zero concurrency", func(c *Config) { c.Concurrency = 0 }, "Concurrency"},
		{"zero duration", func(c *Config) { c.Duration = 0 }, "Duration"},
		{"ratio above one", func(c *Config) { c.ErrorRatio = 1.5 }, "ErrorRatio"},
		{"negative drop ratio", func(c *Config) { c.DropRatio = -0.1 }, "DropRatio"},
		{"commit ratio", func(c *Config) { c.CommitThenFail = 2 }, "CommitThenFail"},
		{"expiry after the end", func(c *Config) { c.ExpireTokensAt = 2 * time.Second },
			"ExpireTokensAt"},
		{"budget too large", func(c *Config) { c.RequestsPer5Minutes = 200000 },
			"RequestsPer5Minutes"},
		{"budget window in fractions of a second",
			func(c *Config) { c.BudgetWindow = 1500 * time.Millisecond }, "BudgetWindow"},
		{"negative budget window", func(c *Config) { c.BudgetWindow = -time.Second },
			"BudgetWindow"},
		{"unknown action", func(c *Config) { c.Mix = []string{"get_ticket", "frobnicate"} },
			"Mix[1]"},
		{"negative latency", func(c *Config) { c.Latency = -time.Second }, "Latency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := good
			tt.edit(&c)
			got, err := c.normalize()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("normalize: %v", err)
				}
				if len(got.Mix) == 0 || got.RequestsPer5Minutes != DefaultRequestsPer5Minutes ||
					got.CallTimeout != DefaultCallTimeout || got.Name != "http" {
					t.Errorf("defaults not applied: %+v", got)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("normalize error = %v, want ErrInvalidConfig", err)
			}
			if !strings.Contains(err.Error(), "config: "+tt.field+":") {
				t.Errorf("error %q does not name field %s", err, tt.field)
			}
		})
	}
}

func TestDecodeEnvelope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		data    string
		wantErr string // "" means success
		wantOut string // a key expected in the output
	}{
		{"ok", `{"version":"v1","type":"action_event","body":{"status":"ok",` +
			`"output":{"ticket":{"id":7}},"log":""}}`, "", "ticket"},
		{"error with message", `{"body":{"status":"error","error":"An error occurred: ` +
			`Bad id.","exception":{"cause":"Bad id.","assistance":"Check it."}}}`,
			"An error occurred: Bad id.", ""},
		{"error with only an exception", `{"body":{"status":"error",` +
			`"exception":{"cause":"Bad id.","assistance":"Check it."}}}`,
			"Bad id. Check it.", ""},
		{"bare error status", `{"body":{"status":"error"}}`, `status "error" without`, ""},
		{"framework error", `{"code":400,"description":"nope"}`, `status "" without`, ""},
		{"not json", `<html>`, "unreadable envelope (HTTP 502)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := decodeEnvelope([]byte(tt.data), 502)
			if tt.wantErr == "" {
				if got.err != "" {
					t.Fatalf("err = %q, want success", got.err)
				}
				if _, ok := got.output[tt.wantOut]; !ok {
					t.Errorf("output %v lacks %q", got.output, tt.wantOut)
				}
				return
			}
			if !strings.Contains(got.err, tt.wantErr) {
				t.Errorf("err = %q, want it to contain %q", got.err, tt.wantErr)
			}
		})
	}
}

func TestPercent(t *testing.T) {
	t.Parallel()
	for f, want := range map[float64]string{1: "100%", 0.999: "99.9%", 0.05: "5%",
		0.01: "1%", 0.99995: "99.995%", 0.999999: "99.999%", 0: "0%", 0.12345: "12.345%"} {
		if got := percent(f); got != want {
			t.Errorf("percent(%g) = %q, want %q", f, got, want)
		}
	}
}

func TestStartMessage(t *testing.T) {
	t.Parallel()
	b, err := startMessage("get_ticket", map[string]any{"tenant": "x"},
		map[string]any{"ticket_id": 5})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"body":{"action":"get_ticket","connection":{"tenant":"x"},` +
		`"input":{"ticket_id":5},"meta":{}},"type":"action_start","version":"v1"}`
	if string(b) != want {
		t.Errorf("startMessage =\n%s\nwant\n%s", b, want)
	}
}
