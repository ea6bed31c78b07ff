package validatetest_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/icon/validate/validatetest"
)

// tree returns every file below root by slash path, with its owner's
// permission bits (which a usual umask leaves alone) and its contents.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			out[filepath.ToSlash(rel)+"/"] = fmt.Sprintf("%#o", info.Mode().Perm()&0o700)
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = fmt.Sprintf("%#o %s", info.Mode().Perm()&0o700, data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCopyDir(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "bin", "empty"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "plugin.spec.yaml"), []byte("name: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "bin", "run"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}

	dst := validatetest.CopyDir(t, src)

	if dst == src {
		t.Fatalf("CopyDir returned its source %s", src)
	}
	want := map[string]string{
		"./":               "0700",
		"bin/":             "0700",
		"bin/empty/":       "0700",
		"bin/run":          "0600 #!/bin/sh\n",
		"plugin.spec.yaml": "0600 name: x\n",
	}
	got := tree(t, dst)
	// The temporary directory itself keeps the mode TempDir gave it.
	got["./"] = want["./"]
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("copy (-want +got):\n%s", diff)
	}
}

// fatalTB records a Fatal call and ends the goroutine, as testing does.
type fatalTB struct {
	testing.TB
	msg []any
}

func (f *fatalTB) Fatal(args ...any) {
	f.msg = args
	runtime.Goexit()
}

func TestCopyDirMissingSource(t *testing.T) {
	t.Parallel()
	fake := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		validatetest.CopyDir(fake, filepath.Join(t.TempDir(), "missing"))
		t.Error("CopyDir returned for a missing source")
	}()
	<-done
	if len(fake.msg) == 0 {
		t.Fatal("CopyDir did not call Fatal for a missing source")
	}
}
