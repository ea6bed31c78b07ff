package haloitsm

import (
	"flag"
	"testing"

	"github.com/haloconnect/icon-haloitsm/icon/helpdoc"
	"github.com/haloconnect/icon-haloitsm/icon/validate"
)

var updateHelp = flag.Bool("update", false, "regenerate ../help.md from the spec and docs/help")

// pluginDir is the plugin's directory: the repository root.
const pluginDir = ".."

func TestHelpIsCurrent(t *testing.T) {
	if *updateHelp {
		if err := helpdoc.Write(pluginDir); err != nil {
			t.Fatal(err)
		}
	}
	if err := helpdoc.Check(pluginDir); err != nil {
		t.Fatalf("help.md is stale (run go test ./haloitsm -run TestHelpIsCurrent -update "+
			"or make help): %v", err)
	}
}

func TestValidatorsPass(t *testing.T) {
	res, err := validate.Run(t.Context(), pluginDir, validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Failures {
		t.Errorf("%s", f)
	}
	for _, w := range res.Warnings {
		t.Logf("warning: %s", w)
	}
}
