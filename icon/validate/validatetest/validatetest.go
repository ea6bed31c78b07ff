// Package validatetest holds helpers for tests that work on a copy of a
// plugin directory, such as the validator's fixture plugins in
// icon/validate/testdata, so that a test may edit its copy freely.
package validatetest

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// CopyDir copies the directory tree src into a new temporary directory
// and returns that directory; the test's cleanup removes it. Directories
// are created with mode 0755 and files with 0644 (less the umask),
// whatever their modes in src. The copy lies outside any git work tree,
// so validator rules that list files see the directory listing. CopyDir
// stops the test with tb.Fatal when src cannot be read or the copy
// cannot be written.
func CopyDir(tb testing.TB, src string) string {
	tb.Helper()
	dst := tb.TempDir()
	if err := copyTree(src, dst); err != nil {
		tb.Fatal(err)
	}
	return dst
}

// copyTree copies the tree below src into the existing directory dst.
// Both are opened as roots, so no path in the walk can leave them.
func copyTree(src, dst string) error {
	from, err := os.OpenRoot(src)
	if err != nil {
		return err
	}
	defer from.Close()
	to, err := os.OpenRoot(dst)
	if err != nil {
		return err
	}
	defer to.Close()

	return fs.WalkDir(from.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := filepath.FromSlash(p)
		if d.IsDir() {
			return to.MkdirAll(name, 0o755)
		}
		data, err := from.ReadFile(name)
		if err != nil {
			return err
		}
		return to.WriteFile(name, data, 0o644)
	})
}
