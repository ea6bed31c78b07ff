package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/haloconnect/icon-haloitsm/emulator"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// options are the command-line settings.
type options struct {
	addr       string
	cfg        emulator.Config
	webhooks   stringList
	hookUser   string
	hookPass   string
	hookMode   string
	hookBatch  bool
	hookEvents string
	verbose    bool
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("halo-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &o.cfg
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "loopback `host:port` to listen on")
	fs.StringVar(&c.ClientID, "client-id", emulator.DefaultClientID, "accepted OAuth client id")
	fs.StringVar(&c.ClientSecret, "client-secret", "",
		"accepted OAuth client secret (default $HALO_EMULATOR_CLIENT_SECRET, else "+
			emulator.DefaultClientSecret+")")
	fs.StringVar(&c.Tenant, "tenant", "", "tenant token requests must name (empty: none)")
	fs.DurationVar(&c.TokenTTL, "token-ttl", emulator.DefaultTokenTTL, "access token lifetime")
	fs.IntVar(&c.RateLimit, "rate-limit", 0, "requests per rolling window on /api (0: unlimited)")
	fs.DurationVar(&c.RateWindow, "rate-window", emulator.DefaultRateWindow, "rate limit window")
	fs.DurationVar(&c.RetryAfter, "retry-after", 0, "Retry-After on 429 answers (0: none, like Halo)")
	fs.DurationVar(&c.Faults.Latency, "latency", 0, "delay added to every response")
	fs.Float64Var(&c.Faults.ErrorRatio, "error-ratio", 0, "fraction of /api requests answered 5xx")
	fs.Float64Var(&c.Faults.DropRatio, "drop-ratio", 0, "fraction of /api requests dropped")
	fs.Float64Var(&c.Faults.CommitThenFail, "commit-then-fail", 0,
		"fraction of POST writes applied and then answered 502 or dropped")
	fs.BoolVar(&c.Faults.TokenHTML500, "token-html-500", false,
		"token endpoint answers a large HTML 500 page")
	fs.Int64Var(&c.Faults.Seed, "seed", 1, "seed for fault choice")
	fs.BoolVar(&c.LooseIDs, "loose-ids", false, "render ticket ids in lists as strings or floats")
	fs.Var(&o.webhooks, "webhook", "loopback `URL` to send webhooks to (repeatable)")
	fs.StringVar(&o.hookUser, "webhook-user", "", "Basic auth user for webhooks")
	fs.StringVar(&o.hookPass, "webhook-password", "",
		"Basic auth password for webhooks (default $HALO_EMULATOR_WEBHOOK_PASSWORD)")
	fs.StringVar(&o.hookMode, "webhook-mode", emulator.ModeFull, "payload mode: full, small or event_only")
	fs.BoolVar(&o.hookBatch, "webhook-batch", false, "send batched JSON arrays")
	fs.StringVar(&o.hookEvents, "webhook-events", "",
		"comma-separated events: created, updated, status_changed (empty: all)")
	fs.BoolVar(&o.verbose, "v", false, "log every request to stderr")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if c.ClientSecret == "" {
		c.ClientSecret = os.Getenv("HALO_EMULATOR_CLIENT_SECRET")
	}
	if c.ClientSecret == "" {
		c.ClientSecret = emulator.DefaultClientSecret
	}
	if o.hookPass == "" {
		o.hookPass = os.Getenv("HALO_EMULATOR_WEBHOOK_PASSWORD")
	}
	for name, r := range map[string]float64{"error-ratio": c.Faults.ErrorRatio,
		"drop-ratio": c.Faults.DropRatio, "commit-then-fail": c.Faults.CommitThenFail} {
		if r < 0 || r > 1 {
			return nil, fmt.Errorf("--%s: %v is not between 0 and 1", name, r)
		}
	}
	if c.RateLimit < 0 {
		return nil, fmt.Errorf("--rate-limit: %d is negative", c.RateLimit)
	}
	return o, nil
}

// run starts the emulator and serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	o.cfg.Logger = logger

	srv, err := emulator.Listen(o.addr, o.cfg)
	if err != nil {
		return err
	}
	defer srv.Close()

	var events []string
	if o.hookEvents != "" {
		events = strings.Split(o.hookEvents, ",")
	}
	for _, u := range o.webhooks {
		_, err := srv.AddWebhook(emulator.Webhook{URL: u, Username: o.hookUser,
			Password: o.hookPass, Mode: o.hookMode, Batch: o.hookBatch, Events: events})
		if err != nil {
			return err
		}
	}

	fmt.Fprintf(stdout, "authorization server: %s\n", srv.AuthURL())
	fmt.Fprintf(stdout, "resource server: %s\n", srv.APIURL())
	logger.Info("halo-emulator: serving", "addr", srv.URL(), "client_id", o.cfg.ClientID,
		"webhooks", len(o.webhooks))

	<-ctx.Done()
	logger.Info("halo-emulator: stopping")
	start := time.Now()
	if err := srv.Close(); err != nil {
		return err
	}
	logger.Debug("halo-emulator: stopped", "took", time.Since(start))
	return nil
}
