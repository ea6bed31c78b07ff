// Command iconctl validates, documents, samples and exports an
// InsightConnect plugin directory; see package cli for the commands.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/haloconnect/icon-haloitsm/cmd/iconctl/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
