package validate

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/icon/validate/validatetest"
)

// gitRepo turns dir into a git repository with everything committed.
func gitRepo(t *testing.T, dir string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; the git-backed rules cannot be exercised")
	}
	gitRun(t, dir, "init", "-q", "-b", "main")
	gitCommitAll(t, dir, "first")
}

func gitRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "git", append([]string{"-C", dir,
		"-c", "user.name=Test", "-c", "user.email=user@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func gitCommitAll(t *testing.T, dir, msg string) {
	t.Helper()
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", msg)
}

// Build output ignored by git must not turn a Go plugin into a "Python
// layout" for FilesValidator; outside git the same directory does.
func TestFilesIgnoresGitIgnoredBuildOutput(t *testing.T) {
	t.Parallel()
	dir := validatetest.CopyDir(t, goodDir)
	write(t, dir, ".gitignore", "/bin/\n")
	gitRepo(t, dir)
	write(t, dir, "bin/icon_example_itsm", "\x7fELF")
	// An untracked, unignored file counts: it would be committed.
	write(t, dir, "tests/close_ticket.json", "{")

	res := run(t, dir, Options{})
	want := []string{"JSONValidator: tests/close_ticket.json:1: invalid JSON: unexpected EOF"}
	if diff := cmp.Diff(want, strs(res.Failures)); diff != "" {
		t.Errorf("failures in git (-want +got):\n%s", diff)
	}
	for _, n := range res.Notes {
		if n.Rule == "FilesValidator" {
			t.Errorf("unexpected note in a git work tree: %s", n)
		}
	}

	// The same tree without git metadata is judged by what is on disk.
	plain := validatetest.CopyDir(t, goodDir)
	write(t, plain, "bin/icon_example_itsm", "\x7fELF")
	res = run(t, plain, Options{})
	if got := strs(res.Failures); !slicesContain(got, "FilesValidator: setup.py: required file is missing") {
		t.Errorf("outside git, bin/ should mean a Python layout; failures: %q", got)
	}
}

func slicesContain(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestVersionBump(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(t *testing.T, dir string)
		want   []string
	}{
		{
			name:   "unchanged",
			mutate: func(t *testing.T, dir string) {},
		},
		{
			name: "text change without a bump",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "description: Who can see the note", "description: Who may see the note")
			},
			want: []string{
				"HelpInputOutputValidator: help.md:43: action add_note: input visibility needs the row |visibility|string|agents|False|Who may see the note|[\"agents\", \"everyone\"]|agents|None|None|",
				"VersionBumpValidator: plugin.spec.yaml:7: the spec changed since HEAD but the version is still 1.1.0",
			},
		},
		{
			name: "patch bump for a text change",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "description: Create and track tickets in Example ITSM", "description: Create and track Example ITSM tickets")
				bump(t, dir, "1.1.1")
			},
		},
		{
			name: "new action needs a minor bump",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "  close_ticket:\n", "  reopen_ticket:\n    title: Reopen Ticket\n    description: Reopen a ticket\n  close_ticket:\n")
				bump(t, dir, "1.1.1")
			},
			want: []string{
				"HelpValidator: help.md: no \"#### Reopen Ticket\" section for action reopen_ticket",
				"HelpInputOutputValidator: help.md: no \"#### Reopen Ticket\" section for action reopen_ticket under ### Actions",
				"VersionBumpValidator: plugin.spec.yaml:7: additions since HEAD need a minor version bump: actions.reopen_ticket added",
			},
		},
		{
			name: "removed output needs a major bump",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "      ticket:\n        title: Ticket\n        description: Ticket after the change\n        type: ticket\n        required: false\n        example: {id: 1042}\n", "")
				bump(t, dir, "1.2.0")
			},
			want: []string{
				"VersionBumpValidator: plugin.spec.yaml:7: breaking changes since HEAD need a major version bump: actions.add_note.output.ticket removed",
			},
		},
		{
			name: "connection change needs connection_version + 1",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "    example: https://example.com\n", "    example: https://example.com\n    default: https://example.com\n")
				bump(t, dir, "1.1.1")
			},
			want: []string{
				"VersionBumpValidator: plugin.spec.yaml:8: the connection changed since HEAD: connection_version must be 2, got 1",
			},
		},
		{
			name: "version going down",
			mutate: func(t *testing.T, dir string) {
				bump(t, dir, "1.0.9")
			},
			want: []string{"VersionBumpValidator: plugin.spec.yaml:7: version 1.0.9 is lower than 1.1.0 at HEAD"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := validatetest.CopyDir(t, goodDir)
			gitRepo(t, dir)
			tt.mutate(t, dir)
			res := run(t, dir, Options{GitRef: "HEAD"})
			if tt.want == nil {
				tt.want = []string{}
			}
			if diff := cmp.Diff(tt.want, strs(res.Failures)); diff != "" {
				t.Errorf("failures (-want +got):\n%s", diff)
			}
		})
	}
}

// bump sets the spec version and adds it to help.md's version history.
func bump(t *testing.T, dir, v string) {
	t.Helper()
	edit(t, dir, specFile, "version: 1.1.0", "version: "+v)
	edit(t, dir, helpFile, "* 1.1.0 - New", "* "+v+" - Changes\n* 1.1.0 - New")
	if v < "1.1.0" {
		edit(t, dir, helpFile, "* "+v+" - Changes\n* 1.1.0 - New", "* 1.1.0 - New")
		edit(t, dir, helpFile, "* 1.0.0 - Initial", "* "+v+" - Changes\n* 1.0.0 - Initial")
	}
}

func TestVersionBumpNewPluginAndBadRef(t *testing.T) {
	t.Parallel()
	dir := validatetest.CopyDir(t, goodDir)
	write(t, dir, "README.md", "x\n")
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; the git-backed rules cannot be exercised")
	}
	gitRun(t, dir, "init", "-q", "-b", "main")
	gitRun(t, dir, "add", "README.md")
	gitRun(t, dir, "commit", "-q", "-m", "readme only")

	res := run(t, dir, Options{GitRef: "HEAD"})
	if diff := cmp.Diff([]string{}, strs(res.Failures)); diff != "" {
		t.Errorf("new plugin: failures (-want +got):\n%s", diff)
	}
	if !slicesContain(strs(res.Notes), "VersionBumpValidator: HEAD has no plugin.spec.yaml: a new plugin, nothing to compare") {
		t.Errorf("new plugin: notes %q lack the VersionBump note", strs(res.Notes))
	}

	res = run(t, dir, Options{GitRef: "no-such-branch"})
	want := []string{`VersionBumpValidator: plugin.spec.yaml: git ref "no-such-branch" does not name a commit`}
	if diff := cmp.Diff(want, strs(res.Failures)); diff != "" {
		t.Errorf("bad ref: failures (-want +got):\n%s", diff)
	}

	// A ref that git would read as an option or a path never reaches git.
	for _, ref := range []string{"--output=" + filepath.Join(dir, "x"), "HEAD:plugin.spec.yaml",
		"HEAD\n--all", "main branch"} {
		res = run(t, dir, Options{GitRef: ref})
		want := []string{fmt.Sprintf("VersionBumpValidator: plugin.spec.yaml: git ref %q is not a "+
			"revision: it must not start with '-' or contain ':', spaces or control characters", ref)}
		if diff := cmp.Diff(want, strs(res.Failures)); diff != "" {
			t.Errorf("ref %q: failures (-want +got):\n%s", ref, diff)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); !os.IsNotExist(err) {
		t.Errorf("an option-like ref wrote a file: %v", err)
	}
}

func md5s(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestRegeneration(t *testing.T) {
	t.Parallel()
	dir := validatetest.CopyDir(t, goodDir)
	files := map[string]string{
		"cmd/main.go":                "package main\n",
		"connection/connection.go":   "package connection\n",
		"actions/add_note.go":        "package actions\n",
		"actions/add_note_custom.go": "package actions\n// hand-written\n",
	}
	for f, text := range files {
		write(t, dir, f, text)
	}
	spec := readFile(t, dir, specFile)
	sum := fmt.Sprintf(`{
	"spec": %q,
	"manifest": %q,
	"setup": null,
	"schemas": [
		{"identifier": "actions/add_note.go", "hash": %q},
		{"identifier": "connection/connection.go", "hash": %q}
	]
}`, md5s(spec), md5s(files["cmd/main.go"]), md5s(files["actions/add_note.go"]), md5s(files["connection/connection.go"]))
	write(t, dir, ".CHECKSUM", sum)

	if res := run(t, dir, Options{}); len(res.Failures) > 0 {
		t.Fatalf("matching .CHECKSUM: failures %q", strs(res.Failures))
	}

	write(t, dir, "cmd/main.go", "package main\n\nfunc main() {}\n")
	write(t, dir, "actions/add_note.go", "package actions\n\nvar x int\n")
	res := run(t, dir, Options{})
	want := []string{
		fmt.Sprintf("RegenerationValidator: .CHECKSUM: manifest hash %s does not match (%s); regenerate the plugin",
			md5s(files["cmd/main.go"]), md5s("package main\n\nfunc main() {}\n")),
		fmt.Sprintf("RegenerationValidator: .CHECKSUM: schema actions/add_note.go hash %q does not match (%s)",
			md5s(files["actions/add_note.go"]), md5s("package actions\n\nvar x int\n")),
	}
	if diff := cmp.Diff(want, strs(res.Failures)); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
}

func readFile(t *testing.T, dir, rel string) string {
	t.Helper()
	data, err := readPluginFile(dir, rel)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	if _, err := Run(t.Context(), t.TempDir(), Options{}); err == nil || !strings.Contains(err.Error(), "plugin.spec.yaml") {
		t.Errorf("Run(empty dir) = %v, want an error naming plugin.spec.yaml", err)
	}
	dir := t.TempDir()
	write(t, dir, specFile, "- a list\n")
	if _, err := Run(t.Context(), dir, Options{}); err == nil || !strings.Contains(err.Error(), "not a mapping") {
		t.Errorf("Run(list spec) = %v, want a not-a-mapping error", err)
	}
	write(t, dir, specFile, "name: [\n")
	if _, err := Run(t.Context(), dir, Options{}); err == nil {
		t.Error("Run(bad YAML) succeeded")
	}
}
