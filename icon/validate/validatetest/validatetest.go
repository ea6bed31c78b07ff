// Package validatetest holds helpers for tests that work on a copy of a
// plugin directory, such as the validator's fixture plugins in
// icon/validate/testdata, so that a test may edit its copy freely.
package validatetest

import (
	"os"
	"path/filepath"
	"testing"
)

// CopyDir copies the directory tree src into a new temporary directory
// and returns that directory; the test's cleanup removes it. Directories
// are created with mode 0755 and files with 0644 (less the umask),
// whatever their modes in src. The copy lies outside any git work tree, so validator rules that
// list files see the directory listing. CopyDir stops the test with
// tb.Fatal when src cannot be read or the copy cannot be written.
func CopyDir(tb testing.TB, src string) string {
	tb.Helper()
	dst := tb.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
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
		tb.Fatal(err)
	}
	return dst
}
