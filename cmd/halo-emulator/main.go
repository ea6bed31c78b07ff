// Command halo-emulator serves an emulated HaloITSM instance on a
// loopback address for demos and manual testing.
//
// On start it prints the two URLs a client needs, one per line:
//
//	authorization server: http://127.0.0.1:8080/auth
//	resource server: http://127.0.0.1:8080/api
//
// It stops cleanly on SIGINT or SIGTERM. Logs go to stderr.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "halo-emulator:", err)
		stop()
		os.Exit(2)
	}
}
