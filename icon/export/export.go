// Package export writes a plugin's .plg file without a Docker engine.
//
// A .plg is what Rapid7's "insight-plugin export" produces: the output of
// `docker save` for the plugin image, gzip-compressed at level 6, named
// <vendor>_<name>_<version>.plg. InsightConnect imports it as a custom
// plugin. Build assembles the image with go-containerregistry instead of
// a Dockerfile: an empty (scratch) linux/amd64 base and one layer holding
// /plugin.spec.yaml and the static plugin binary at
// /usr/local/bin/icon_<name>. The image runs as the numeric user
// 65534:65534 (nobody), so it needs no /etc/passwd, and sets no
// SSL_CERT_FILE: the plugin binary carries its own fallback CA roots.
package export

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/haloconnect/icon-haloitsm/icon/spec"
)

// Image settings shared by Build and its tests.
const (
	// User is the numeric user and group the plugin runs as (nobody).
	User = "65534:65534"
	// WorkingDir is the image's working directory.
	WorkingDir = "/tmp"
	// SpecPath is where the spec lands in the image, as Rapid7's
	// Dockerfiles put it.
	SpecPath = "/plugin.spec.yaml"
	// GzipLevel is the compression level insight-plugin uses.
	GzipLevel = 6
)

// ErrExists is returned when the .plg already exists and Force is not set.
var ErrExists = errors.New("export: output file exists (use --force to overwrite)")

// Options says what to export.
type Options struct {
	// Dir is the plugin directory holding plugin.spec.yaml.
	Dir string
	// Binary is the static linux/amd64 plugin executable.
	Binary string
	// OutDir receives the .plg; Dir when empty.
	OutDir string
	// Force allows overwriting an existing .plg.
	Force bool
	// Created is the image creation time; the Unix epoch when zero, so
	// that the same inputs always give the same file.
	Created time.Time
}

// BinaryPath returns the path of the plugin executable inside the image.
func BinaryPath(pluginName string) string { return "/usr/local/bin/icon_" + pluginName }

// FileName returns the .plg file name for a spec.
func FileName(s *spec.Spec) string {
	return fmt.Sprintf("%s_%s_%s.plg", s.Vendor, s.Name, s.Version)
}

// Build writes <vendor>_<name>_<version>.plg into opts.OutDir and returns
// its path. It refuses to overwrite an existing file unless opts.Force is
// set (ErrExists), and rejects a binary that is not a static x86-64 ELF
// executable. The file is written to a temporary name and moved into
// place, so a failed export leaves nothing behind.
func Build(opts Options) (string, error) {
	specData, err := os.ReadFile(filepath.Join(opts.Dir, "plugin.spec.yaml"))
	if err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	s, err := spec.Parse(specData)
	if err != nil {
		return "", fmt.Errorf("export: plugin.spec.yaml: %w", err)
	}
	bin, err := os.ReadFile(opts.Binary)
	if err != nil {
		return "", fmt.Errorf("export: binary: %w", err)
	}
	if err := checkBinary(bin); err != nil {
		return "", fmt.Errorf("export: binary %s: %w", opts.Binary, err)
	}

	outDir := opts.OutDir
	if outDir == "" {
		outDir = opts.Dir
	}
	out := filepath.Join(outDir, FileName(s))
	if _, err := os.Stat(out); err == nil && !opts.Force {
		return "", fmt.Errorf("%w: %s", ErrExists, out)
	}

	img, err := image(s, specData, bin, opts.Created)
	if err != nil {
		return "", err
	}
	tag, err := name.NewTag(fmt.Sprintf("%s/%s:%s", s.Vendor, s.Name, s.Version))
	if err != nil {
		return "", fmt.Errorf("export: image tag: %w", err)
	}
	if err := writePLG(out, tag, img, opts.Force); err != nil {
		return "", err
	}
	return out, nil
}

// checkBinary rejects anything but a statically linked x86-64 ELF
// executable: the image has no dynamic loader and no libc.
func checkBinary(data []byte) error {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not an ELF executable: %w", err)
	}
	defer f.Close()
	if f.Machine != elf.EM_X86_64 {
		return fmt.Errorf("built for %s, want x86-64 (GOARCH=amd64)", f.Machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return errors.New("dynamically linked; build with CGO_ENABLED=0")
		}
	}
	return nil
}

// image assembles the plugin image.
func image(s *spec.Spec, specData, bin []byte, created time.Time) (v1.Image, error) {
	if created.IsZero() {
		created = time.Unix(0, 0).UTC()
	}
	layerTar, err := layer(s.Name, specData, bin, created)
	if err != nil {
		return nil, err
	}
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	})
	if err != nil {
		return nil, fmt.Errorf("export: layer: %w", err)
	}
	img, err := mutate.Append(empty.Image, mutate.Addendum{
		Layer: l,
		History: v1.History{
			Created:   v1.Time{Time: created},
			CreatedBy: "iconctl export",
			Comment:   "plugin.spec.yaml and the plugin binary",
		},
	})
	if err != nil {
		return nil, fmt.Errorf("export: append layer: %w", err)
	}

	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("export: config: %w", err)
	}
	cfg = cfg.DeepCopy()
	cfg.Architecture = "amd64"
	cfg.OS = "linux"
	cfg.Created = v1.Time{Time: created}
	cfg.Config.Entrypoint = []string{BinaryPath(s.Name)}
	cfg.Config.Cmd = nil
	cfg.Config.User = User
	cfg.Config.WorkingDir = WorkingDir
	cfg.Config.Labels = map[string]string{"organization": s.Vendor, "sdk": "go"}
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		return nil, fmt.Errorf("export: config: %w", err)
	}
	return img, nil
}

// layer returns the uncompressed tar of the plugin layer.
func layer(pluginName string, specData, bin []byte, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dir := func(p string, mode int64) error {
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: p, Mode: mode, ModTime: mtime, Format: tar.FormatPAX})
	}
	file := func(p string, mode int64, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: p, Mode: mode, Size: int64(len(data)), ModTime: mtime, Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	steps := []func() error{
		func() error { return file(SpecPath[1:], 0o644, specData) },
		// os.TempDir for the unprivileged user.
		func() error { return dir("tmp/", 0o1777) },
		func() error { return dir("usr/", 0o755) },
		func() error { return dir("usr/local/", 0o755) },
		func() error { return dir("usr/local/bin/", 0o755) },
		func() error { return file(BinaryPath(pluginName)[1:], 0o755, bin) },
		tw.Close,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("export: layer: %w", err)
		}
	}
	return buf.Bytes(), nil
}

// writePLG writes the gzip-compressed docker-save tarball to out through a
// temporary file in the same directory.
func writePLG(out string, tag name.Tag, img v1.Image, force bool) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".export-*.plg")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	zw, err := gzip.NewWriterLevel(tmp, GzipLevel)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := tarball.Write(tag, img, zw); err != nil {
		return fmt.Errorf("export: write image: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}

	if force {
		if err := os.Rename(tmp.Name(), out); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		return nil
	}
	// A hard link fails if out appeared meanwhile, so nothing is
	// overwritten without Force.
	if err := os.Link(tmp.Name(), out); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: %s", ErrExists, out)
		}
		return fmt.Errorf("export: %w", err)
	}
	return os.Remove(tmp.Name())
}
