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

func main() { os.Exit(serve()) }

// serve runs the emulator until a signal and returns the exit code, so
// that its deferred cleanup runs before main exits.
func serve() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "halo-emulator:", err)
		return 2
	}
	return 0
}
