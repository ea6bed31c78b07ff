package validate

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var _ = flag.Bool("update", false, "unused; kept so `go test ./... -update` works across packages")

const goodDir = "testdata/good"

// copyPlugin copies the good fixture into a temporary directory (outside
// any git work tree, so file rules use the directory listing).
func copyPlugin(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(goodDir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(goodDir, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

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
	res := run(t, copyPlugin(t), Options{})
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
