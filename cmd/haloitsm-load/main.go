// Command haloitsm-load runs the plugin's load and fault benchmarks
// against an in-process HaloITSM emulator on 127.0.0.1. See package
// loadtest and docs/performance.md.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/haloconnect/icon-haloitsm/loadtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	code := loadtest.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, log)
	stop()
	os.Exit(code)
}
