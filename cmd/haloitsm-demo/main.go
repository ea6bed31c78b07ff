// Command haloitsm-demo shows the HaloITSM plugin working end to end. It
// starts the HaloITSM emulator on a free loopback port, then runs every
// action of the plugin binary through the real InsightConnect protocol
// (`icon_haloitsm run`, start message on stdin, result envelope on stdout)
// and prints one readable line per step, including a deliberate bad input
// and an unknown name. Finally it starts a trigger against a local
// dispatcher, changes a ticket and prints the event the trigger sends.
//
//	haloitsm-demo --plugin ./bin/icon_haloitsm --emulator ./bin/halo-emulator
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() { os.Exit(demoMain()) }

// demoMain runs the demo and returns the process exit code, so that its
// deferred clean-up runs before main exits.
func demoMain() int {
	var o options
	flag.StringVar(&o.plugin, "plugin", "./bin/icon_haloitsm", "plugin binary")
	flag.StringVar(&o.emulator, "emulator", "./bin/halo-emulator", "HaloITSM emulator binary")
	flag.DurationVar(&o.timeout, "timeout", 3*time.Minute, "bound on the whole demo")
	flag.BoolVar(&o.verbose, "v", false, "also print each step's full output envelope")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()

	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "haloitsm-demo:", err)
		return 1
	}
	return 0
}
