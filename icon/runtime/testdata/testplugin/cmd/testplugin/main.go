// Command testplugin is the runtime's test plugin as a binary, for the
// process-level benchmark.
package main

import (
	"os"

	"github.com/haloconnect/icon-haloitsm/icon/runtime"
	"github.com/haloconnect/icon-haloitsm/icon/runtime/testdata/testplugin"
)

func main() {
	os.Exit(runtime.Main(testplugin.Plugin()))
}
