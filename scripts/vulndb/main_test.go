package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Three OSV entries shaped like the ones in golang.org/x/vulndb's
// data/osv: a module vulnerability with two ranges, a standard-library
// one that was re-introduced, and one affecting two modules.
var testEntries = map[string]string{
	"GO-2099-0001.json": `{
  "schema_version": "1.3.1",
  "id": "GO-2099-0001",
  "modified": "0001-01-01T00:00:00Z",
  "aliases": ["CVE-2099-1", "GHSA-xxxx-yyyy-zzzz"],
  "summary": "Panic in example.com/a",
  "affected": [{
    "package": {"name": "example.com/a", "ecosystem": "Go"},
    "ranges": [
      {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.2.0"}]},
      {"type": "SEMVER", "events": [{"introduced": "1.3.0"}, {"fixed": "1.3.4"}]}
    ]
  }]
}`,
	"GO-2099-0002.json": `{
  "id": "GO-2099-0002",
  "modified": "2099-03-01T10:00:00Z",
  "affected": [{
    "package": {"name": "stdlib", "ecosystem": "Go"},
    "ranges": [{"type": "SEMVER", "events": [
      {"introduced": "0"}, {"fixed": "1.25.3"}, {"introduced": "1.26.0-0"}
    ]}]
  }]
}`,
	"GO-2099-0003.json": `{
  "id": "GO-2099-0003",
  "modified": "2099-02-01T00:00:00Z",
  "affected": [
    {"package": {"name": "example.com/b"},
     "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "2.0.0-rc.2"}]}]},
    {"package": {"name": "example.com/a"},
     "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}
  ]
}`,
}

// writeOSV writes entries to a new directory and returns it.
func writeOSV(t *testing.T, entries map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range entries {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// readJSON decodes a file of the built database.
func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestBuildLayout(t *testing.T) {
	t.Parallel()
	src := writeOSV(t, testEntries)
	out := filepath.Join(t.TempDir(), "cache", "vulndb")
	modTime := time.Date(2099, 1, 15, 0, 0, 0, 0, time.UTC)

	n, err := build(src, out, "golang.org/x/vulndb@v0.0.0-test", modTime)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("build wrote %d entries, want 3", n)
	}

	var db dbMeta
	readJSON(t, filepath.Join(out, "index", "db.json"), &db)
	if want := time.Date(2099, 3, 1, 10, 0, 0, 0, time.UTC); !db.Modified.Equal(want) {
		t.Errorf("db.json modified = %v, want the newest entry's %v", db.Modified, want)
	}

	var modules []moduleMeta
	readJSON(t, filepath.Join(out, "index", "modules.json"), &modules)
	zero := time.Time{}
	wantModules := []moduleMeta{
		{Path: "example.com/a", Vulns: []moduleVuln{
			{ID: "GO-2099-0001", Modified: zero, Fixed: "1.3.4"},
			{ID: "GO-2099-0003", Modified: time.Date(2099, 2, 1, 0, 0, 0, 0, time.UTC)},
		}},
		{Path: "example.com/b", Vulns: []moduleVuln{
			{ID: "GO-2099-0003", Modified: time.Date(2099, 2, 1, 0, 0, 0, 0, time.UTC), Fixed: "2.0.0-rc.2"},
		}},
		{Path: "stdlib", Vulns: []moduleVuln{
			{ID: "GO-2099-0002", Modified: time.Date(2099, 3, 1, 10, 0, 0, 0, time.UTC)},
		}},
	}
	if diff := cmp.Diff(wantModules, modules); diff != "" {
		t.Errorf("modules.json mismatch (-want +got):\n%s", diff)
	}

	var vulns []vulnMeta
	readJSON(t, filepath.Join(out, "index", "vulns.json"), &vulns)
	wantVulns := []vulnMeta{
		{ID: "GO-2099-0001", Modified: zero, Aliases: []string{"CVE-2099-1", "GHSA-xxxx-yyyy-zzzz"}},
		{ID: "GO-2099-0002", Modified: time.Date(2099, 3, 1, 10, 0, 0, 0, time.UTC)},
		{ID: "GO-2099-0003", Modified: time.Date(2099, 2, 1, 0, 0, 0, 0, time.UTC)},
	}
	if diff := cmp.Diff(wantVulns, vulns); diff != "" {
		t.Errorf("vulns.json mismatch (-want +got):\n%s", diff)
	}

	// Entries are copied byte for byte.
	for name, body := range testEntries {
		got, err := os.ReadFile(filepath.Join(out, "ID", name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != body {
			t.Errorf("ID/%s differs from the source entry", name)
		}
	}

	if got, ok := readSource(out); !ok || got != "golang.org/x/vulndb@v0.0.0-test" {
		t.Errorf("readSource = %q, %v; want the version and true", got, ok)
	}

	// Nothing but the database is left beside it.
	siblings, err := os.ReadDir(filepath.Dir(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(siblings) != 1 {
		t.Errorf("directory beside the database holds %d entries, want only the database", len(siblings))
	}
}

func TestBuildModTimeWhenEntriesHaveNone(t *testing.T) {
	t.Parallel()
	src := writeOSV(t, map[string]string{"GO-2099-0001.json": testEntries["GO-2099-0001.json"]})
	out := filepath.Join(t.TempDir(), "db")
	modTime := time.Date(2099, 1, 15, 8, 0, 0, 0, time.UTC)

	if _, err := build(src, out, "v", modTime); err != nil {
		t.Fatal(err)
	}

	var db dbMeta
	readJSON(t, filepath.Join(out, "index", "db.json"), &db)
	if !db.Modified.Equal(modTime) {
		t.Errorf("db.json modified = %v, want the module time %v", db.Modified, modTime)
	}
}

func TestBuildReplacesOldDatabase(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "db")
	if _, err := build(writeOSV(t, testEntries), out, "first", time.Time{}); err != nil {
		t.Fatal(err)
	}

	src := writeOSV(t, map[string]string{"GO-2099-0002.json": testEntries["GO-2099-0002.json"]})
	if _, err := build(src, out, "second", time.Time{}); err != nil {
		t.Fatal(err)
	}

	if _, err := os.Stat(filepath.Join(out, "ID", "GO-2099-0001.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("entry from the first build survived the second: stat error %v", err)
	}
	if got, _ := readSource(out); got != "second" {
		t.Errorf("SOURCE = %q, want second", got)
	}
	if _, err := os.Stat(out + ".old"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("previous database left behind: stat error %v", err)
	}
}

func TestBuildErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		entries map[string]string
		want    string
	}{
		{"empty directory", map[string]string{"README": "x"}, "no OSV entries"},
		{"not JSON", map[string]string{"GO-1.json": "{"}, "GO-1.json: unexpected end"},
		{"name and id differ", map[string]string{"GO-1.json": `{"id": "GO-2"}`},
			`file name does not match entry id "GO-2"`},
		{"no id", map[string]string{"GO-1.json": `{}`}, `file name does not match entry id ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "db")
			_, err := build(writeOSV(t, tt.entries), out, "v", time.Time{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("build error = %v, want it to contain %q", err, tt.want)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a failed build left %s behind", out)
			}
		})
	}
}

// fakeModule lays out a downloaded module directory holding testEntries.
func fakeModule(t *testing.T, version string) module {
	t.Helper()
	dir := t.TempDir()
	osv := filepath.Join(dir, "data", "osv")
	if err := os.MkdirAll(osv, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range testEntries {
		if err := os.WriteFile(filepath.Join(osv, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return module{Version: version, Dir: dir, Time: time.Date(2099, 4, 1, 0, 0, 0, 0, time.UTC)}
}

func TestRun(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	out := filepath.Join(t.TempDir(), "vulndb")
	mod := fakeModule(t, "v0.0.0-1")

	var queries []string
	download := func(_ context.Context, query string) (module, error) {
		queries = append(queries, query)
		return mod, nil
	}
	failing := func(context.Context, string) (module, error) {
		return module{}, errors.New("download golang.org/x/vulndb@latest: no network")
	}

	steps := []struct {
		name       string
		args       []string
		download   downloader
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{
			name:       "first build",
			args:       []string{"-out", out, "-version", "v0.0.0-1"},
			download:   download,
			wantStdout: "vulndb: wrote 3 entries from golang.org/x/vulndb@v0.0.0-1 to " + out + "\n",
		},
		{
			name:       "same version again is not rebuilt",
			args:       []string{"-out", out},
			download:   download,
			wantStdout: "vulndb: " + out + " is up to date (golang.org/x/vulndb@v0.0.0-1)\n",
		},
		{
			name:     "download fails but a database exists",
			args:     []string{"-out", out},
			download: failing,
			wantStderr: "vulndb: warning: download golang.org/x/vulndb@latest: no network; " +
				"keeping the existing database built from golang.org/x/vulndb@v0.0.0-1\n",
		},
		{
			name:       "download fails and no database exists",
			args:       []string{"-out", filepath.Join(t.TempDir(), "none")},
			download:   failing,
			wantCode:   1,
			wantStderr: "vulndb: download golang.org/x/vulndb@latest: no network\n",
		},
		{
			name:       "local source",
			args:       []string{"-out", filepath.Join(t.TempDir(), "local"), "-src", filepath.Join(mod.Dir, "data", "osv")},
			download:   failing,
			wantStdout: "vulndb: wrote 3 entries from local:",
		},
		{
			name:       "local source without entries",
			args:       []string{"-out", filepath.Join(t.TempDir(), "local"), "-src", t.TempDir()},
			download:   failing,
			wantCode:   1,
			wantStderr: "no OSV entries",
		},
		{
			name:       "stray argument",
			args:       []string{"now"},
			download:   failing,
			wantCode:   2,
			wantStderr: `vulndb: unexpected arguments ["now"]`,
		},
		{
			name:       "unknown flag",
			args:       []string{"-db", "x"},
			download:   failing,
			wantCode:   2,
			wantStderr: "flag provided but not defined: -db",
		},
	}
	// The steps share one database directory, so they run in order.
	for _, st := range steps {
		var stdout, stderr bytes.Buffer
		code := run(ctx, st.args, &stdout, &stderr, st.download)
		if code != st.wantCode {
			t.Errorf("%s: exit code = %d, want %d; stderr:\n%s", st.name, code, st.wantCode, stderr.String())
		}
		if !strings.HasPrefix(stdout.String(), st.wantStdout) || (st.wantStdout == "" && stdout.Len() > 0) {
			t.Errorf("%s: stdout = %q, want it to start with %q", st.name, stdout.String(), st.wantStdout)
		}
		if !strings.Contains(stderr.String(), st.wantStderr) || (st.wantStderr == "" && stderr.Len() > 0) {
			t.Errorf("%s: stderr = %q, want it to contain %q", st.name, stderr.String(), st.wantStderr)
		}
	}

	if diff := cmp.Diff([]string{"v0.0.0-1", "latest"}, queries); diff != "" {
		t.Errorf("version queries (-want +got):\n%s", diff)
	}
}

func TestLatestFix(t *testing.T) {
	t.Parallel()
	type ev = struct {
		Introduced string `json:"introduced"`
		Fixed      string `json:"fixed"`
	}
	tests := []struct {
		name   string
		ranges []osvRange
		want   string
	}{
		{"no ranges", nil, ""},
		{"single fix", []osvRange{{Type: "SEMVER", Events: []ev{{Introduced: "0"}, {Fixed: "1.2.3"}}}}, "1.2.3"},
		{"newest of several", []osvRange{
			{Type: "SEMVER", Events: []ev{{Introduced: "0"}, {Fixed: "1.10.0"}}},
			{Type: "SEMVER", Events: []ev{{Introduced: "1.2.0"}, {Fixed: "1.9.1"}}},
		}, "1.10.0"},
		{"never fixed", []osvRange{{Type: "SEMVER", Events: []ev{{Introduced: "0"}}}}, ""},
		{"re-introduced after the fix", []osvRange{
			{Type: "SEMVER", Events: []ev{{Introduced: "0"}, {Fixed: "1.2.0"}, {Introduced: "1.4.0"}}},
		}, ""},
		{"non-SEMVER ranges ignored", []osvRange{{Type: "GIT", Events: []ev{{Fixed: "abc123"}}}}, ""},
		{"release after pre-release", []osvRange{
			{Type: "SEMVER", Events: []ev{{Introduced: "0"}, {Fixed: "2.0.0-rc.1"}}},
			{Type: "SEMVER", Events: []ev{{Introduced: "0"}, {Fixed: "2.0.0"}}},
		}, "2.0.0"},
	}
	for _, tt := range tests {
		if got := latestFix(tt.ranges); got != tt.want {
			t.Errorf("%s: latestFix = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCompareSemver(t *testing.T) {
	t.Parallel()
	// Each version is older than the next one.
	ordered := []string{
		"",
		"0",
		"0.0.1",
		"0.9.0",
		"0.10.0",
		"1.0.0-0",
		"1.0.0-alpha",
		"1.0.0-alpha.1",
		"1.0.0-alpha.beta",
		"1.0.0-beta.2",
		"1.0.0-beta.11",
		"1.0.0-rc.1",
		"1.0.0",
		"1.2",
		"1.2.1",
		"1.11.0-0.20240101000000-abcdef123456",
		"1.11.0",
		"18446744073709551616.0.0",
	}
	for i, a := range ordered {
		for j, b := range ordered {
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			if got := compareSemver(a, b); got != want {
				t.Errorf("compareSemver(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}

	equal := [][2]string{
		{"1.0.0+build.1", "1.0.0"},
		{"1", "1.0.0"},
		{"bad", "also-bad"},
		{"01.0.0", ""},
	}
	for _, p := range equal {
		if got := compareSemver(p[0], p[1]); got != 0 {
			t.Errorf("compareSemver(%q, %q) = %d, want 0", p[0], p[1], got)
		}
	}
}

func TestParseSemverRejects(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"", "v1.2.3", "1.2.3.4", "1.02.3", "1.2-rc.1", "1.2.3-", "1.2.3-rc..1",
		"1.2.3-01", "1.2.3-rc_1", "x.y.z", "1..2",
	} {
		if _, ok := parseSemver(s); ok {
			t.Errorf("parseSemver(%q) accepted an invalid version", s)
		}
	}
}

func TestGoDownload(t *testing.T) {
	// Not parallel: PATH is replaced so that "go" is a fake script that
	// answers like `go mod download -json`.
	modDir := t.TempDir()
	info := filepath.Join(t.TempDir(), "v.info")
	if err := os.WriteFile(info, []byte(`{"Version":"v0.0.0-1","Time":"2099-04-01T12:00:00Z"}`), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		script  string
		want    module
		wantErr string
	}{
		{
			name: "success",
			script: `echo "$@" > "$ARGS_FILE"
printf '{"Path":"golang.org/x/vulndb","Version":"v0.0.0-1","Info":"%s","Dir":"%s"}' "$INFO" "$MODDIR"`,
			want: module{Version: "v0.0.0-1", Dir: modDir, Time: time.Date(2099, 4, 1, 12, 0, 0, 0, time.UTC)},
		},
		{
			name:    "module error",
			script:  `printf '{"Path":"golang.org/x/vulndb","Error":"not found: unknown revision"}'; exit 1`,
			wantErr: "download golang.org/x/vulndb@latest: not found: unknown revision",
		},
		{
			name:    "go fails without JSON",
			script:  `echo "proxy unreachable" >&2; exit 1`,
			wantErr: "exit status 1: proxy unreachable",
		},
		{
			name:    "garbage output",
			script:  `echo "hello"`,
			wantErr: "read go output",
		},
		{
			name:    "no directory",
			script:  `printf '{"Version":"v1"}'`,
			wantErr: "go reported no directory",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := t.TempDir()
			script := "#!/bin/sh\n" + tt.script + "\n"
			if err := os.WriteFile(filepath.Join(bin, "go"), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			argsFile := filepath.Join(t.TempDir(), "args")
			t.Setenv("PATH", bin)
			t.Setenv("ARGS_FILE", argsFile)
			t.Setenv("INFO", info)
			t.Setenv("MODDIR", modDir)

			got, err := goDownload(t.Context(), "latest")

			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("goDownload error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("module mismatch (-want +got):\n%s", diff)
			}
			args, err := os.ReadFile(argsFile)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := strings.TrimSpace(string(args)), "mod download -json golang.org/x/vulndb@latest"; got != want {
				t.Errorf("go was run with %q, want %q", got, want)
			}
		})
	}
}
