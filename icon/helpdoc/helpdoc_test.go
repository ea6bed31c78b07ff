package helpdoc_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/icon/helpdoc"
	"github.com/haloconnect/icon-haloitsm/icon/validate"
	"github.com/haloconnect/icon-haloitsm/icon/validate/validatetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goodPlugin is the validator's well-formed fixture plugin; its help.md is
// this package's golden file, so the validator's own fixture always holds
// what the generator writes.
const goodPlugin = "../validate/testdata/good"

func TestGenerateGolden(t *testing.T) {
	t.Parallel()
	got, err := helpdoc.Generate(goodPlugin)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	golden := filepath.Join(goodPlugin, helpdoc.HelpFile)
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("Generate(%s) mismatch (-want +got):\n%s", goodPlugin, diff)
	}
}

// TestGeneratedHelpPassesValidators regenerates help.md in a copy of the
// fixture and runs the help rules over it.
func TestGeneratedHelpPassesValidators(t *testing.T) {
	t.Parallel()
	dir := validatetest.CopyDir(t, goodPlugin)
	if err := helpdoc.Write(dir); err != nil {
		t.Fatalf("Write: %v", err)
	}
	res, err := validate.Run(t.Context(), dir, validate.Options{})
	if err != nil {
		t.Fatalf("validate.Run: %v", err)
	}
	for _, v := range res.Failures {
		switch v.Rule {
		case "HelpValidator", "HelpInputOutputValidator", "HelpExampleValidator",
			"ChangelogValidator", "AcronymValidator", "ProfanityValidator":
			t.Errorf("generated help.md fails: %s", v)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	dir := validatetest.CopyDir(t, goodPlugin)
	if err := helpdoc.Write(dir); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := helpdoc.Check(dir); err != nil {
		t.Fatalf("Check after Write: %v", err)
	}

	// A hand-written section that changed makes help.md stale.
	note := filepath.Join(dir, "docs", "help", "actions", "add_note.md")
	if err := os.WriteFile(note, []byte("Notes are public by default.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := helpdoc.Check(dir)
	var stale *helpdoc.StaleError
	if !errors.As(err, &stale) {
		t.Fatalf("Check after editing a source = %v, want *StaleError", err)
	}
	if stale.Want != "Notes are public by default." {
		t.Errorf("StaleError.Want = %q, want the new note", stale.Want)
	}
	if !strings.Contains(err.Error(), "stale at line") {
		t.Errorf("error %q does not say where", err)
	}

	// No help.md at all.
	if err := os.Remove(filepath.Join(dir, helpdoc.HelpFile)); err != nil {
		t.Fatal(err)
	}
	if err := helpdoc.Check(dir); !errors.As(err, &stale) || !stale.Missing {
		t.Errorf("Check without help.md = %v, want a missing *StaleError", err)
	}
}

func TestGenerateFallbacksAndSources(t *testing.T) {
	t.Parallel()
	dir := validatetest.CopyDir(t, goodPlugin)
	if err := os.RemoveAll(filepath.Join(dir, "docs")); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "docs", "help")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"description.md":         "Longer description written by hand.",
		"key_features.md":        "* Hand-written feature",
		"documentation_setup.md": "Create the API application first.",
		"troubleshooting.md":     "* Hand-written tip",
		"links.md":               "* [Home](https://example.org)",
		"references.md":          "* [Guide](https://example.org/guide)",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := helpdoc.Generate(dir)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	for _, want := range []string{
		"# Description\n\nLonger description written by hand.\n\n# Key Features",
		"# Key Features\n\n* Hand-written feature\n\n# Requirements\n\n* An Example ITSM API application",
		"```\n\nCreate the API application first.\n\n## Technical Details",
		"## Troubleshooting\n\n* Hand-written tip\n\n# Version History",
		"# Links\n\n* [Home](https://example.org)\n\n## References\n\n* [Guide](https://example.org/guide)\n",
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("help.md lacks %q", want)
		}
	}
	if strings.Contains(string(got), "Notes are visible to agents") {
		t.Error("help.md still holds the removed per-action note")
	}
}

func TestGenerateErrors(t *testing.T) {
	t.Parallel()
	if _, err := helpdoc.Generate(t.TempDir()); err == nil || !strings.Contains(err.Error(), "plugin.spec.yaml") {
		t.Errorf("Generate(empty dir) = %v, want an error naming plugin.spec.yaml", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, helpdoc.SpecFile), []byte("name: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := helpdoc.Generate(dir); err == nil {
		t.Error("Generate(bad spec) succeeded")
	}
}

// TestLinksFallBackToResources checks the Links and References sections
// of a spec without links or references: its resource URLs, or a note
// when it has none either.
func TestLinksFallBackToResources(t *testing.T) {
	t.Parallel()
	const fromResources = "* [Example ITSM](https://example.com)\n" +
		"* [Source code](https://github.com/examplevendor/example-itsm)"
	const none = "*This plugin does not contain any links.*"
	tests := []struct {
		name   string
		remove []string // spec lines to drop
		want   string
	}{
		{"resource URLs", nil, fromResources},
		{"no resources either", []string{"resources:", "  source_url:", "  license_url:",
			"  vendor_url:"}, none},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := validatetest.CopyDir(t, goodPlugin)
			remove := append([]string{"links:", "references:", `  - "[Example ITSM`}, tt.remove...)
			editSpec(t, dir, func(line string) bool {
				return !slices.ContainsFunc(remove, func(p string) bool {
					return strings.HasPrefix(line, p)
				})
			})
			got, err := helpdoc.Generate(dir)
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			want := "# Links\n\n" + tt.want + "\n\n## References\n\n" + tt.want + "\n"
			if _, tail, _ := strings.Cut(string(got), "# Links\n"); "# Links\n"+tail != want {
				t.Errorf("links sections (-want +got):\n%s", cmp.Diff(want, "# Links\n"+tail))
			}
		})
	}
}

// editSpec keeps the lines of dir's plugin.spec.yaml for which keep
// returns true.
func editSpec(t *testing.T, dir string, keep func(line string) bool) {
	t.Helper()
	p := filepath.Join(dir, helpdoc.SpecFile)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for line := range strings.Lines(string(data)) {
		if keep(line) {
			out = append(out, line)
		}
	}
	if err := os.WriteFile(p, []byte(strings.Join(out, "")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSourcesStayInsideTheirDirectory checks that a hand-written section
// cannot be a symbolic link to a file outside docs/help.
func TestSourcesStayInsideTheirDirectory(t *testing.T) {
	t.Parallel()
	dir := validatetest.CopyDir(t, goodPlugin)
	outside := filepath.Join(t.TempDir(), "secret.md")
	if err := os.WriteFile(outside, []byte("not for help.md"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "docs", "help", "description.md")
	if err := os.Symlink(outside, link); err != nil {
		t.Skipf("symbolic links are not available: %v", err)
	}
	got, err := helpdoc.Generate(dir)
	if err == nil || !strings.Contains(err.Error(), "helpdoc: read docs/help") {
		t.Errorf("Generate = %v, want an error reading docs/help", err)
	}
	if strings.Contains(string(got), "not for help.md") {
		t.Error("help.md holds the text of a file outside docs/help")
	}
}

// TestCheckAndWriteReportOtherErrors checks that a plugin whose help.md
// cannot be generated is reported as such, not as a stale help.md.
func TestCheckAndWriteReportOtherErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, helpdoc.SpecFile), []byte("name: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stale *helpdoc.StaleError
	if err := helpdoc.Check(dir); err == nil || errors.As(err, &stale) {
		t.Errorf("Check(bad spec) = %v, want an error that is not a *StaleError", err)
	}
	if err := helpdoc.Write(dir); err == nil {
		t.Error("Write(bad spec) succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, helpdoc.HelpFile)); !os.IsNotExist(err) {
		t.Errorf("Write(bad spec) left a help.md: %v", err)
	}

	// help.md that is a directory cannot be read or replaced.
	good := validatetest.CopyDir(t, goodPlugin)
	help := filepath.Join(good, helpdoc.HelpFile)
	if err := os.Remove(help); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(help, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := helpdoc.Check(good); err == nil || errors.As(err, &stale) {
		t.Errorf("Check(help.md is a directory) = %v, want a read error", err)
	}
	if err := helpdoc.Write(good); err == nil || !strings.HasPrefix(err.Error(), "helpdoc: ") {
		t.Errorf("Write(help.md is a directory) = %v, want a helpdoc error", err)
	}
}
