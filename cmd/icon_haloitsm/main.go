// Command icon_haloitsm is the HaloITSM plugin for Rapid7 InsightConnect.
// It speaks the InsightConnect plugin protocol (run, test, info, sample,
// http) and adds the smoke command; see package haloitsm.
package main

import (
	"os"

	"github.com/haloconnect/icon-haloitsm/haloitsm"
	"github.com/haloconnect/icon-haloitsm/icon/runtime"

	// CA roots compiled in, for images without a system trust store.
	_ "golang.org/x/crypto/x509roots/fallback"
)

func main() {
	os.Exit(runtime.Main(haloitsm.Plugin()))
}
