package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestMain lets the test binary stand in for govulncheck: when
// VULNGATE_FAKE_OUTPUT names a file, the binary prints it and exits with
// VULNGATE_FAKE_EXIT instead of running the tests.
func TestMain(m *testing.M) {
	if name := os.Getenv("VULNGATE_FAKE_OUTPUT"); name != "" {
		b, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(99)
		}
		os.Stdout.Write(b)
		if os.Getenv("VULNGATE_FAKE_EXIT") != "" {
			fmt.Fprintln(os.Stderr, "fake govulncheck: failing as asked")
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// checkGolden compares got with testdata/<name>, or rewrites the file
// when -update is set.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", file, diff)
	}
}

func TestRunFromStdin(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name       string
		input      string
		args       []string
		wantCode   int
		golden     string // stdout; empty means stdout must be empty
		wantStderr string // substring
	}{
		{
			name:       "reachable module vulnerability fails",
			input:      "module-called.json",
			wantCode:   1,
			golden:     "module-called.golden",
			wantStderr: "go get example.com/compress@v1.2.4   # GO-2099-0002",
		},
		{
			name:     "standard library findings do not gate",
			input:    "stdlib-only.json",
			wantCode: 0,
			golden:   "stdlib-only.golden",
		},
		{
			name:     "imported but not called passes at symbol level",
			input:    "module-imported.json",
			wantCode: 0,
			golden:   "module-imported-symbol.golden",
		},
		{
			name:       "imported but not called fails at package level",
			input:      "module-imported.json",
			args:       []string{"-fail-level", "package"},
			wantCode:   1,
			golden:     "module-imported-package.golden",
			wantStderr: "1 vulnerability fails the gate",
		},
		{
			name:       "required only fails at module level",
			input:      "module-imported.json",
			args:       []string{"-fail-level", "module"},
			wantCode:   1,
			golden:     "module-imported-module.golden",
			wantStderr: "go get example.com/unused@<no fix yet>",
		},
		{
			name:     "no findings",
			input:    "clean.json",
			wantCode: 0,
			golden:   "clean.golden",
		},
		{
			name:       "text output is refused",
			input:      "text-output.txt",
			wantCode:   2,
			wantStderr: "read govulncheck JSON output",
		},
		{
			name:       "truncated output",
			input:      "truncated.json",
			wantCode:   2,
			wantStderr: "unexpected EOF",
		},
		{
			name:       "finding without a trace",
			input:      "no-trace.json",
			wantCode:   2,
			wantStderr: `finding "GO-1" has no trace`,
		},
		{
			name:       "bad fail level",
			input:      "clean.json",
			args:       []string{"-fail-level", "everything"},
			wantCode:   2,
			wantStderr: `-fail-level "everything": want symbol, package or module`,
		},
		{
			name:       "unknown flag",
			input:      "clean.json",
			args:       []string{"-strict"},
			wantCode:   2,
			wantStderr: "flag provided but not defined",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, err := os.Open(filepath.Join("testdata", tt.input))
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()

			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tt.args, in, &stdout, &stderr)

			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", code, tt.wantCode, stderr.String())
			}
			if tt.golden != "" {
				checkGolden(t, tt.golden, stdout.String())
			} else if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", stdout.String())
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

func TestRunCommand(t *testing.T) {
	// Not parallel: t.Setenv configures the fake govulncheck, which is
	// this test binary started again.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		output     string
		fail       bool
		cmd        []string
		wantCode   int
		wantStdout string // substring
		wantStderr string // substring
	}{
		{
			name:       "findings from the command",
			output:     "module-called.json",
			cmd:        []string{self},
			wantCode:   1,
			wantStdout: "FAIL GO-2099-0002",
		},
		{
			name:       "clean run",
			output:     "clean.json",
			cmd:        []string{self},
			wantCode:   0,
			wantStdout: "vulngate: 0 failing;",
		},
		{
			name:       "command fails",
			output:     "clean.json",
			fail:       true,
			cmd:        []string{self},
			wantCode:   2,
			wantStderr: "exit status 3",
		},
		{
			name:       "command fails after bad output",
			output:     "truncated.json",
			fail:       true,
			cmd:        []string{self},
			wantCode:   2,
			wantStderr: "fake govulncheck: failing as asked",
		},
		{
			name:       "command missing",
			output:     "clean.json",
			cmd:        []string{filepath.Join(t.TempDir(), "no-such-govulncheck")},
			wantCode:   2,
			wantStderr: "start ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			abs, err := filepath.Abs(filepath.Join("testdata", tt.output))
			if err != nil {
				t.Fatal(err)
			}
			t.Setenv("VULNGATE_FAKE_OUTPUT", abs)
			if tt.fail {
				t.Setenv("VULNGATE_FAKE_EXIT", "1")
			} else {
				t.Setenv("VULNGATE_FAKE_EXIT", "")
			}

			var stdout, stderr bytes.Buffer
			code := run(t.Context(), append([]string{"--"}, tt.cmd...), strings.NewReader(""), &stdout, &stderr)

			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", code, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout = %q, want it to contain %q", stdout.String(), tt.wantStdout)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}
