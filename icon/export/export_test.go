package export

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
)

const pluginSpec = "../validate/testdata/good/plugin.spec.yaml"

// fakeELF returns a minimal x86-64 ELF executable header followed by
// payload; with interp it also declares a dynamic loader.
func fakeELF(t *testing.T, machine uint16, interp bool, payload string) []byte {
	t.Helper()
	var b bytes.Buffer
	b.Write([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0})
	b.Write(make([]byte, 8))
	phnum, phoff := uint16(0), uint64(0)
	if interp {
		phnum, phoff = 1, 64
	}
	le := binary.LittleEndian
	for _, v := range []any{
		uint16(2), machine, uint32(1), uint64(0x401000), phoff, uint64(0), uint32(0),
		uint16(64), uint16(56), phnum, uint16(64), uint16(0), uint16(0),
	} {
		if err := binary.Write(&b, le, v); err != nil {
			t.Fatal(err)
		}
	}
	if interp {
		// PT_INTERP pointing just past the program header.
		for _, v := range []any{
			uint32(3), uint32(4), uint64(120), uint64(0), uint64(0), uint64(28), uint64(28), uint64(1),
		} {
			if err := binary.Write(&b, le, v); err != nil {
				t.Fatal(err)
			}
		}
		b.WriteString("/lib64/ld-linux-x86-64.so.2\x00")
	}
	b.WriteString(payload)
	return b.Bytes()
}

// setup makes a plugin directory with the fixture spec and a binary.
func setup(t *testing.T, bin []byte) (dir, binPath string) {
	t.Helper()
	dir = t.TempDir()
	spec, err := os.ReadFile(pluginSpec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plugin.spec.yaml"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	binPath = filepath.Join(dir, "icon_example_itsm")
	if err := os.WriteFile(binPath, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, binPath
}

// readTar returns every regular file of a tar stream with its header.
func readTar(t *testing.T, r io.Reader) (map[string][]byte, map[string]*tar.Header) {
	t.Helper()
	files := map[string][]byte{}
	headers := map[string]*tar.Header{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("tar: %v", err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = data
		headers[h.Name] = h
	}
	return files, headers
}

func gunzip(t *testing.T, data []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

func TestBuild(t *testing.T) {
	t.Parallel()
	bin := fakeELF(t, 62, false, "plugin body")
	dir, binPath := setup(t, bin)
	outDir := t.TempDir()

	path, err := Build(Options{Dir: dir, Binary: binPath, OutDir: outDir})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if want := filepath.Join(outDir, "examplevendor_example_itsm_1.1.0.plg"); path != want {
		t.Errorf("path = %s, want %s", path, want)
	}

	plg, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	outer, _ := readTar(t, bytes.NewReader(gunzip(t, plg)))

	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(outer["manifest.json"], &manifest); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if len(manifest) != 1 || len(manifest[0].Layers) != 1 {
		t.Fatalf("manifest = %+v, want one image with one layer", manifest)
	}
	if diff := cmp.Diff([]string{"examplevendor/example_itsm:1.1.0"}, manifest[0].RepoTags); diff != "" {
		t.Errorf("RepoTags (-want +got):\n%s", diff)
	}

	var cfg struct {
		Architecture, OS string
		Config           struct {
			Entrypoint []string
			Cmd        []string
			User       string
			WorkingDir string
			Env        []string
			Labels     map[string]string
		}
	}
	if err := json.Unmarshal(outer[manifest[0].Config], &cfg); err != nil {
		t.Fatalf("config: %v", err)
	}
	if cfg.Architecture != "amd64" || cfg.OS != "linux" {
		t.Errorf("platform = %s/%s, want linux/amd64", cfg.OS, cfg.Architecture)
	}
	if diff := cmp.Diff([]string{"/usr/local/bin/icon_example_itsm"}, cfg.Config.Entrypoint); diff != "" {
		t.Errorf("Entrypoint (-want +got):\n%s", diff)
	}
	if cfg.Config.User != "65534:65534" || cfg.Config.WorkingDir != WorkingDir || cfg.Config.Cmd != nil {
		t.Errorf("User, WorkingDir, Cmd = %q, %q, %q", cfg.Config.User, cfg.Config.WorkingDir, cfg.Config.Cmd)
	}
	for _, e := range cfg.Config.Env {
		if strings.HasPrefix(e, "SSL_CERT_FILE=") {
			t.Errorf("Env has %s, but no CA bundle is shipped", e)
		}
	}
	if diff := cmp.Diff(map[string]string{"organization": "examplevendor", "sdk": "go"}, cfg.Config.Labels); diff != "" {
		t.Errorf("Labels (-want +got):\n%s", diff)
	}

	layerData := outer[manifest[0].Layers[0]]
	if bytes.HasPrefix(layerData, []byte{0x1f, 0x8b}) {
		layerData = gunzip(t, layerData)
	}
	files, headers := readTar(t, bytes.NewReader(layerData))
	specData, _ := os.ReadFile(pluginSpec)
	for name, want := range map[string]struct {
		data []byte
		mode int64
	}{
		"plugin.spec.yaml":                {specData, 0o644},
		"usr/local/bin/icon_example_itsm": {bin, 0o755},
	} {
		if !bytes.Equal(files[name], want.data) {
			t.Errorf("layer %s: contents differ (%d bytes, want %d)", name, len(files[name]), len(want.data))
		}
		if h := headers[name]; h == nil || h.Mode != want.mode || h.Typeflag != tar.TypeReg {
			t.Errorf("layer %s: header %+v, want a regular file with mode %o", name, h, want.mode)
		}
	}
	if h := headers["tmp/"]; h == nil || h.Mode != 0o1777 {
		t.Errorf("layer tmp/: header %+v, want a directory with mode 1777", h)
	}
}

func TestBuildIsReproducible(t *testing.T) {
	t.Parallel()
	dir, binPath := setup(t, fakeELF(t, 62, false, "x"))
	a, err := Build(Options{Dir: dir, Binary: binPath, OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(Options{Dir: dir, Binary: binPath, OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if !bytes.Equal(da, db) {
		t.Error("two exports of the same inputs differ")
	}
}

func TestBuildRefusesOverwrite(t *testing.T) {
	t.Parallel()
	dir, binPath := setup(t, fakeELF(t, 62, false, "v1"))
	opts := Options{Dir: dir, Binary: binPath}
	path, err := Build(opts)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)

	if err := os.WriteFile(binPath, fakeELF(t, 62, false, "v2"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(opts); !errors.Is(err, ErrExists) {
		t.Fatalf("second Build = %v, want ErrExists", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the existing .plg was changed without Force")
	}

	opts.Force = true
	if _, err := Build(opts); err != nil {
		t.Fatalf("Build with Force: %v", err)
	}
	if after, _ := os.ReadFile(path); bytes.Equal(before, after) {
		t.Error("Force did not replace the .plg")
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".export-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %q", leftovers)
	}
}

func TestBuildRejectsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		bin  []byte
		want string
	}{
		{"not ELF", []byte("#!/bin/sh\n"), "not an ELF executable"},
		{"arm64", fakeELF(t, 183, false, ""), "want x86-64"},
		{"dynamic", fakeELF(t, 62, true, ""), "dynamically linked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, binPath := setup(t, tt.bin)
			_, err := Build(Options{Dir: dir, Binary: binPath})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build = %v, want an error containing %q", err, tt.want)
			}
			if m, _ := filepath.Glob(filepath.Join(dir, "*.plg")); len(m) > 0 {
				t.Errorf("a .plg was written: %q", m)
			}
		})
	}

	t.Run("missing spec", func(t *testing.T) {
		t.Parallel()
		_, err := Build(Options{Dir: t.TempDir(), Binary: "nope"})
		if err == nil || !strings.Contains(err.Error(), "plugin.spec.yaml") {
			t.Errorf("Build = %v, want an error naming plugin.spec.yaml", err)
		}
	})
	t.Run("missing binary", func(t *testing.T) {
		t.Parallel()
		dir, _ := setup(t, nil)
		_, err := Build(Options{Dir: dir, Binary: filepath.Join(dir, "absent")})
		if err == nil || !strings.Contains(err.Error(), "binary") {
			t.Errorf("Build = %v, want an error naming the binary", err)
		}
	})
}

// TestWritePLGNeverOverwrites covers a .plg that appears after Build
// checked for it: without Force the file stays as it was and no
// temporary file is left behind.
func TestWritePLGNeverOverwrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "vendor_name_1.0.0.plg")
	if err := os.WriteFile(out, []byte("someone else's"), 0o644); err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag("vendor/name:1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if err := writePLG(out, tag, empty.Image, false); !errors.Is(err, ErrExists) {
		t.Errorf("writePLG = %v, want ErrExists", err)
	}
	if got, _ := os.ReadFile(out); string(got) != "someone else's" {
		t.Errorf("the existing file now holds %q", got)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".export-*")); len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %q", leftovers)
	}
}

func TestBuildReportsUnusableInputs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mod  func(t *testing.T, o *Options)
		want string
	}{
		{"spec that does not parse", func(t *testing.T, o *Options) {
			if err := os.WriteFile(filepath.Join(o.Dir, "plugin.spec.yaml"), []byte("name: [\n"),
				0o644); err != nil {
				t.Fatal(err)
			}
		}, "export: plugin.spec.yaml: "},
		{"output directory missing", func(t *testing.T, o *Options) {
			o.OutDir = filepath.Join(o.Dir, "absent")
		}, "export: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, binPath := setup(t, fakeELF(t, 62, false, "v1"))
			opts := Options{Dir: dir, Binary: binPath}
			tt.mod(t, &opts)
			_, err := Build(opts)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Build = %v, want an error starting %q", err, tt.want)
			}
			if m, _ := filepath.Glob(filepath.Join(dir, "*.plg")); len(m) > 0 {
				t.Errorf("a .plg was written: %q", m)
			}
		})
	}
}
