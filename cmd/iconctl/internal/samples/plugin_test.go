package samples

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/haloconnect/icon-haloitsm/icon/spec"
)

// pluginDir is the repository root, which is also the HaloITSM plugin's
// directory.
const pluginDir = "../../../.."

// TestPluginSamplesAreCurrent fails when the committed tests/*.json of the
// HaloITSM plugin no longer match its plugin.spec.yaml: run `make samples`.
func TestPluginSamplesAreCurrent(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(pluginDir, "plugin.spec.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := Messages(s)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range msgs {
		got, err := os.ReadFile(filepath.Join(pluginDir, filepath.FromSlash(name)))
		if err != nil {
			t.Errorf("%s: %v (run make samples)", name, err)
			continue
		}
		if string(got) != string(want) {
			t.Errorf("%s is stale: run make samples", name)
		}
	}
}
