package helpdoc

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// StaleError reports that help.md differs from what Generate produces.
type StaleError struct {
	Path string
	// Line is the first 1-based line that differs.
	Line int
	// Want is that line as generated, Got as found; either is "" past the
	// end of its file.
	Want, Got string
	// Missing reports that help.md does not exist at all.
	Missing bool
}

func (e *StaleError) Error() string {
	if e.Missing {
		return fmt.Sprintf("helpdoc: %s is missing; run iconctl help", e.Path)
	}
	return fmt.Sprintf("helpdoc: %s is stale at line %d: want %q, got %q; run iconctl help",
		e.Path, e.Line, e.Want, e.Got)
}

// Check regenerates help.md for the plugin in dir and compares it with
// dir/help.md. It returns nil when they match, a *StaleError summarising
// the first difference when they do not, and another error when the spec
// or sources cannot be read.
func Check(dir string) error {
	want, err := Generate(dir)
	if err != nil {
		return err
	}
	p := filepath.Join(dir, HelpFile)
	got, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return &StaleError{Path: p, Missing: true}
	}
	if err != nil {
		return fmt.Errorf("helpdoc: %w", err)
	}
	if bytes.Equal(want, got) {
		return nil
	}
	return firstDifference(p, string(want), string(got))
}

func firstDifference(p, want, got string) *StaleError {
	wl := strings.Split(want, "\n")
	gl := strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g || i >= len(wl) || i >= len(gl) {
			return &StaleError{Path: p, Line: i + 1, Want: w, Got: g}
		}
	}
	return &StaleError{Path: p, Line: 1}
}

// Write regenerates dir/help.md.
func Write(dir string) error {
	data, err := Generate(dir)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, HelpFile), data, 0o644); err != nil {
		return fmt.Errorf("helpdoc: %w", err)
	}
	return nil
}
