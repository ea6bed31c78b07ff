package cli

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/icon/validate/validatetest"
)

const goodPlugin = "../../../../icon/validate/testdata/good"

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(t.Context(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestValidate(t *testing.T) {
	t.Parallel()
	dir := validatetest.CopyDir(t, goodPlugin)
	code, out, errOut := runCLI(t, "validate", dir)
	if code != 0 || out != "PASS: 41 rules, 0 failures, 0 warnings\n" || errOut != "" {
		t.Errorf("good plugin: code %d, stdout %q, stderr %q", code, out, errOut)
	}

	if err := os.WriteFile(filepath.Join(dir, "Makefile"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "icon.png")); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI(t, "validate", dir)
	want := "IconValidator: icon.png: icon.png is missing\n" +
		"FAIL: 41 rules, 1 failures, 0 warnings\n"
	if code != 1 || out != want {
		t.Errorf("broken plugin: code %d, stdout:\n%s\nwant code 1, stdout:\n%s", code, out, want)
	}
}

func TestValidateWarnings(t *testing.T) {
	t.Parallel()
	dir := validatetest.CopyDir(t, goodPlugin)
	path := filepath.Join(dir, "help.md")
	data, _ := os.ReadFile(path)
	data = bytes.Replace(data, []byte("user@example.com"), []byte("ops@example.net"), 1)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, "validate", "--warnings", dir)
	if code != 0 {
		t.Errorf("code = %d, want 0 (warnings do not fail)", code)
	}
	for _, want := range []string{
		"warning: ConfidentialValidator: help.md:11: email address ops@example.net may be confidential; use user@example.com\n",
		"note: DockerValidator: needs a Docker engine",
		"PASS: 41 rules, 0 failures, 1 warnings\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	dir := validatetest.CopyDir(t, goodPlugin)
	if code, out, _ := runCLI(t, "help", "--check", dir); code != 0 || out != "help.md is up to date\n" {
		t.Errorf("check on the fixture: code %d, stdout %q", code, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "help.md"), []byte("# Description\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, "help", "--check", dir)
	if code != 1 || !strings.Contains(out, "help.md is stale at line 3") {
		t.Errorf("check on a stale help.md: code %d, stdout %q", code, out)
	}
	if code, out, _ := runCLI(t, "help", dir); code != 0 || out != "wrote help.md\n" {
		t.Errorf("help: code %d, stdout %q", code, out)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "help.md"))
	want, _ := os.ReadFile(filepath.Join(goodPlugin, "help.md"))
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("regenerated help.md (-want +got):\n%s", diff)
	}
}

func TestSamples(t *testing.T) {
	t.Parallel()
	dir := validatetest.CopyDir(t, goodPlugin)
	if err := os.RemoveAll(filepath.Join(dir, "tests")); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, "samples", dir)
	want := "wrote tests/add_note.json\nwrote tests/close_ticket.json\nwrote tests/new_ticket.json\n"
	if code != 0 || out != want {
		t.Errorf("samples: code %d, stdout %q, want %q", code, out, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "tests", "new_ticket.json")); err != nil {
		t.Error(err)
	}
}

// staticELF is the smallest x86-64 ELF header debug/elf accepts.
func staticELF(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	b.Write([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	for _, v := range []any{
		uint16(2), uint16(62), uint32(1), uint64(0x401000), uint64(0), uint64(0), uint32(0),
		uint16(64), uint16(56), uint16(0), uint16(64), uint16(0), uint16(0),
	} {
		if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func TestExport(t *testing.T) {
	t.Parallel()
	dir := validatetest.CopyDir(t, goodPlugin)
	bin := filepath.Join(t.TempDir(), "icon_example_itsm")
	if err := os.WriteFile(bin, staticELF(t), 0o755); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	plg := filepath.Join(out, "examplevendor_example_itsm_1.1.0.plg")

	if code, stdout, _ := runCLI(t, "export", "--binary", bin, "--out", out, dir); code != 0 || stdout != "wrote "+plg+"\n" {
		t.Errorf("export: code %d, stdout %q", code, stdout)
	}
	if code, _, stderr := runCLI(t, "export", "--binary", bin, "--out", out, dir); code != 1 || !strings.Contains(stderr, "exists") {
		t.Errorf("export over an existing file: code %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "export", "--force", "--binary", bin, "--out", out, dir); code != 0 {
		t.Errorf("export --force: code %d, stderr %q", code, stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"validate"}, "want one plugin directory, got 0 arguments"},
		{[]string{"validate", "a", "b"}, "want one plugin directory, got 2 arguments"},
		{[]string{"validate", "--bogus", "."}, "unknown flag: --bogus"},
		{[]string{"export", "."}, "export needs --binary PATH"},
	}
	for _, tt := range tests {
		code, _, stderr := runCLI(t, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: code %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
	if code, _, stderr := runCLI(t, "validate", t.TempDir()); code != 1 || !strings.Contains(stderr, "plugin.spec.yaml") {
		t.Errorf("validate of an empty directory: code %d, stderr %q", code, stderr)
	}
}
