// Package testplugin is a small plugin the runtime's tests and benchmarks
// run: its spec covers every kind of step and its handlers succeed, fail,
// panic and try to leak the connection secret on demand.
package testplugin

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/haloconnect/icon-haloitsm/icon/runtime"
	"github.com/haloconnect/icon-haloitsm/icon/runtime/exception"
)

//go:embed plugin.spec.yaml
var Spec []byte

// Connects counts calls of Connect, so tests can observe the cache.
var Connects atomic.Int64

// Conn is the test connection.
type Conn struct {
	BaseURL string `json:"base_url"`
	APIKey  struct {
		SecretKey string `json:"secretKey"`
	} `json:"api_key"`
	Retries int `json:"retries"`
}

// Test fails with a ConnectionTestException when the base URL contains
// "fail", with a plain error when it contains "error".
func (c *Conn) Test(ctx context.Context, log *slog.Logger) (map[string]any, error) {
	log.Info("testing connection", "base_url", c.BaseURL)
	switch {
	case strings.Contains(c.BaseURL, "fail"):
		return nil, exception.NewTest(exception.InvalidCredentials, "401 from "+c.BaseURL)
	case strings.Contains(c.BaseURL, "error"):
		return nil, errors.New("dial tcp: connection refused")
	}
	return map[string]any{"success": true}, nil
}

// TestTask answers the task connection test.
func (c *Conn) TestTask(ctx context.Context, log *slog.Logger) (map[string]any, string, error) {
	if strings.Contains(c.BaseURL, "fail") {
		return nil, "", exception.NewTest(exception.Unauthorized, "task test refused")
	}
	return map[string]any{"success": true}, "The connection works for tasks", nil
}

// Plugin returns the test plugin.
func Plugin() runtime.Plugin {
	return runtime.Plugin{
		Spec:    Spec,
		Connect: connect,
		Actions: map[string]runtime.ActionFunc{
			"echo":       echo,
			"fail":       fail,
			"bad_output": badOutput,
			"panic":      func(context.Context, *runtime.Request) (any, error) { panic("boom") },
			"leak":       leak,
		},
		Triggers: map[string]runtime.TriggerFunc{"tick": tick},
		Tasks:    map[string]runtime.TaskFunc{"pages": pages},
	}
}

func connect(ctx context.Context, c *runtime.ConnectRequest) (runtime.Connection, error) {
	Connects.Add(1)
	var conn Conn
	if err := c.Decode(&conn); err != nil {
		return nil, err
	}
	c.Logger.Debug("connected", "base_url", conn.BaseURL)
	return &conn, nil
}

type echoInput struct {
	Message string `json:"message"`
	Count   int    `json:"count"`
}

func echo(ctx context.Context, r *runtime.Request) (any, error) {
	var in echoInput
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	r.Logger.Info("echoing", "count", in.Count)
	return map[string]any{
		"message": strings.Repeat(in.Message, in.Count),
		"count":   in.Count,
		"item":    map[string]any{"id": 7, "name": "seven"},
	}, nil
}

func fail(ctx context.Context, r *runtime.Request) (any, error) {
	p := exception.Preset(r.Input["preset"].(string))
	if !p.Valid() {
		return nil, fmt.Errorf("not a preset: %s", p)
	}
	return nil, exception.New(p, "response body")
}

func badOutput(ctx context.Context, r *runtime.Request) (any, error) {
	return map[string]any{"count": "many"}, nil
}

// leak logs, returns or fails with the connection's secret and the
// passphrase input, which the runtime must mask.
func leak(ctx context.Context, r *runtime.Request) (any, error) {
	secret := r.Conn.(*Conn).APIKey.SecretKey
	if p, _ := r.Input["passphrase"].(string); p != "" {
		secret += " and the passphrase is " + p
	}
	r.Logger.Info("the secret is " + secret)
	r.Logger.Debug("debug secret", "key", secret)
	if r.Input["how"] == "error" {
		return nil, exception.New(exception.Unauthorized, "server said: bad key "+secret)
	}
	return map[string]any{"message": "the secret is " + secret}, nil
}

func tick(ctx context.Context, r *runtime.Request, send runtime.SendFunc) error {
	n := int(r.Input["count"].(float64))
	for i := 1; i <= n; i++ {
		r.Logger.Info("sending event", "n", i)
		if err := send(ctx, map[string]any{"n": i}); err != nil {
			return err
		}
	}
	if r.Input["stop"] == true {
		return nil
	}
	<-ctx.Done()
	return ctx.Err()
}

func pages(ctx context.Context, r *runtime.Request) (*runtime.TaskResult, error) {
	cursor, _ := r.State["cursor"].(float64)
	return &runtime.TaskResult{
		Output:       map[string]any{"items": []any{map[string]any{"id": cursor + 1}}},
		State:        map[string]any{"cursor": cursor + 1},
		HasMorePages: cursor < 1,
	}, nil
}
