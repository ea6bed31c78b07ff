package validate

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/icon/validate/validatetest"
)

var _ = flag.Bool("update", false, "unused; kept so `go test ./... -update` works across packages")

const goodDir = "testdata/good"

func run(t *testing.T, dir string, opts Options) *Result {
	t.Helper()
	res, err := Run(t.Context(), dir, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

func strs[T interface{ String() string }](vs []T) []string {
	out := []string{}
	for _, v := range vs {
		out = append(out, v.String())
	}
	return out
}

func TestGoodPluginPasses(t *testing.T) {
	t.Parallel()
	res := run(t, validatetest.CopyDir(t, goodDir), Options{})
	if diff := cmp.Diff([]string{}, strs(res.Failures)); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{}, strs(res.Warnings)); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(RuleNames(), res.Rules); diff != "" {
		t.Errorf("rules run (-want +got):\n%s", diff)
	}
	t.Logf("notes:\n%s", strings.Join(strs(res.Notes), "\n"))
}

func readPluginFile(dir, rel string) ([]byte, error) {
	return os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
}
