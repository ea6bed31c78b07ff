// Command vulndb builds a local Go vulnerability database for govulncheck
// from the golang.org/x/vulndb module, fetched through the Go module proxy
// like any other module, so that `govulncheck -db file:///...` works with
// no access to the vulnerability database's web service.
//
// Usage:
//
//	vulndb [-version latest] [-out .cache/vulndb] [-src DIR]
//
// The module's data/osv directory holds one OSV entry per file. vulndb
// copies each entry to ID/<id>.json and writes the indexes govulncheck
// reads:
//
//	index/db.json      {"modified": <newest entry modification>}
//	index/modules.json [{"path", "vulns": [{"id", "modified", "fixed"}]}]
//	index/vulns.json   [{"id", "modified", "aliases"}]
//
// The database is written to a temporary directory beside -out and
// renamed into place, so a reader never sees half a database. The module
// version it was built from is kept in SOURCE; when that matches the
// version asked for, nothing is rebuilt. When the module cannot be
// downloaded and a database already exists, the existing one is kept and
// a warning is printed.
package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// vulndbModule is the module that carries the OSV entries.
const vulndbModule = "golang.org/x/vulndb"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, goDownload))
}

// module is a downloaded copy of vulndbModule.
type module struct {
	Version string    // the resolved version
	Dir     string    // where the module was extracted
	Time    time.Time // the commit time of the version
}

// downloader fetches vulndbModule at a version query ("latest" or an
// exact version).
type downloader func(ctx context.Context, query string) (module, error)

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, download downloader) int {
	fs := flag.NewFlagSet("vulndb", flag.ContinueOnError)
	fs.SetOutput(stderr)
	query := fs.String("version", "latest",
		"version of "+vulndbModule+" to build from (a module query such as latest)")
	out := fs.String("out", ".cache/vulndb", "directory to write the database to")
	src := fs.String("src", "",
		"build from this directory of OSV files instead of downloading the module")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "vulndb: unexpected arguments %q\n", fs.Args())
		return 2
	}

	osvDir, version, modTime := *src, "local:"+*src, time.Time{}
	if *src == "" {
		mod, err := download(ctx, *query)
		if err != nil {
			if existing, ok := readSource(*out); ok {
				fmt.Fprintf(stderr, "vulndb: warning: %v; keeping the existing database built from %s\n",
					err, existing)
				return 0
			}
			fmt.Fprintf(stderr, "vulndb: %v\n", err)
			return 1
		}
		version = vulndbModule + "@" + mod.Version
		if existing, ok := readSource(*out); ok && existing == version {
			fmt.Fprintf(stdout, "vulndb: %s is up to date (%s)\n", *out, existing)
			return 0
		}
		osvDir, modTime = filepath.Join(mod.Dir, "data", "osv"), mod.Time
	}

	n, err := build(osvDir, *out, version, modTime)
	if err != nil {
		fmt.Fprintf(stderr, "vulndb: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "vulndb: wrote %d entries from %s to %s\n", n, version, *out)
	return 0
}

// goDownload runs `go mod download -json` in an empty temporary
// directory, so that no go.mod is read or changed.
func goDownload(ctx context.Context, query string) (module, error) {
	tmp, err := os.MkdirTemp("", "vulndb-download-")
	if err != nil {
		return module{}, err
	}
	defer os.RemoveAll(tmp)

	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", vulndbModule+"@"+query)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GO111MODULE=on", "GOFLAGS=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, runErr := cmd.Output()

	// go mod download -json reports a module's failure in the Error
	// field and may still exit 0, so both are checked.
	var res struct {
		Version string
		Dir     string
		Info    string // the .info file: {"Version", "Time"}
		Error   string
	}
	if err := json.Unmarshal(outb, &res); err != nil && runErr == nil {
		return module{}, fmt.Errorf("download %s@%s: read go output: %w", vulndbModule, query, err)
	}
	switch {
	case res.Error != "":
		return module{}, fmt.Errorf("download %s@%s: %s", vulndbModule, query, res.Error)
	case runErr != nil:
		return module{}, fmt.Errorf("download %s@%s: %w: %s", vulndbModule, query, runErr,
			strings.TrimSpace(stderr.String()))
	case res.Dir == "" || res.Version == "":
		return module{}, fmt.Errorf("download %s@%s: go reported no directory", vulndbModule, query)
	}

	mod := module{Version: res.Version, Dir: res.Dir}
	if b, err := os.ReadFile(res.Info); err == nil {
		var info struct{ Time time.Time }
		if json.Unmarshal(b, &info) == nil {
			mod.Time = info.Time
		}
	}
	return mod, nil
}

// readSource returns the contents of the SOURCE file of an existing
// database.
func readSource(out string) (string, bool) {
	b, err := os.ReadFile(filepath.Join(out, "SOURCE"))
	if err != nil {
		return "", false
	}
	if _, err := os.Stat(filepath.Join(out, "index", "modules.json")); err != nil {
		return "", false
	}
	return strings.TrimSpace(string(b)), true
}

// entry holds the parts of an OSV entry that the indexes need.
type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
		Ranges []osvRange `json:"ranges"`
	} `json:"affected"`
}

// osvRange is an OSV "ranges" element.
type osvRange struct {
	Type   string `json:"type"`
	Events []struct {
		Introduced string `json:"introduced"`
		Fixed      string `json:"fixed"`
	} `json:"events"`
}

// dbMeta is index/db.json.
type dbMeta struct {
	Modified time.Time `json:"modified"`
}

// moduleMeta is one element of index/modules.json.
type moduleMeta struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

// moduleVuln is one vulnerability of a module in index/modules.json.
// Fixed is the newest fixed version, without a "v" prefix, or empty when
// no fixed version covers every affected range.
type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Fixed    string    `json:"fixed,omitempty"`
}

// vulnMeta is one element of index/vulns.json.
type vulnMeta struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
}

// build writes a database built from the OSV files in src to out, and
// returns the number of entries. The database's modification time is the
// newest of the entries' and modTime.
func build(src, out, version string, modTime time.Time) (int, error) {
	files, err := filepath.Glob(filepath.Join(src, "*.json"))
	if err != nil {
		return 0, err
	}
	if len(files) == 0 {
		return 0, fmt.Errorf("%s: no OSV entries (*.json)", src)
	}
	slices.Sort(files)

	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o750); err != nil {
		return 0, err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)

	if err := writeDB(tmp, files, version, modTime); err != nil {
		return 0, err
	}
	if err := replaceDir(tmp, out); err != nil {
		return 0, err
	}
	return len(files), nil
}

// writeDB lays out the database in dir.
func writeDB(dir string, files []string, version string, modTime time.Time) error {
	idDir := filepath.Join(dir, "ID")
	if err := os.MkdirAll(idDir, 0o750); err != nil {
		return err
	}

	// The entries in the module carry a zero "modified" time (the real
	// one is set when the database is published), so the commit time of
	// the module version stands in for the database's age.
	db := dbMeta{Modified: modTime.UTC()}
	modules := make(map[string]*moduleMeta)
	vulns := make([]vulnMeta, 0, len(files))
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		var e entry
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		if e.ID == "" || filepath.Base(file) != e.ID+".json" {
			return fmt.Errorf("%s: file name does not match entry id %q", file, e.ID)
		}
		// The name was just checked to be <id>.json and is reduced to its
		// base name, so the copy cannot land outside idDir.
		dst := filepath.Join(idDir, filepath.Base(file))
		if err := os.WriteFile(dst, raw, 0o600); err != nil { //nolint:gosec // G703: see above
			return err
		}

		if e.Modified.After(db.Modified) {
			db.Modified = e.Modified
		}
		vulns = append(vulns, vulnMeta{ID: e.ID, Modified: e.Modified, Aliases: e.Aliases})
		for _, a := range e.Affected {
			m := modules[a.Package.Name]
			if m == nil {
				m = &moduleMeta{Path: a.Package.Name, Vulns: []moduleVuln{}}
				modules[a.Package.Name] = m
			}
			m.Vulns = append(m.Vulns, moduleVuln{
				ID:       e.ID,
				Modified: e.Modified,
				Fixed:    latestFix(a.Ranges),
			})
		}
	}

	mods := make([]*moduleMeta, 0, len(modules))
	for _, m := range modules {
		slices.SortStableFunc(m.Vulns, func(a, b moduleVuln) int { return cmp.Compare(a.ID, b.ID) })
		mods = append(mods, m)
	}
	slices.SortFunc(mods, func(a, b *moduleMeta) int { return cmp.Compare(a.Path, b.Path) })

	indexDir := filepath.Join(dir, "index")
	if err := os.MkdirAll(indexDir, 0o750); err != nil {
		return err
	}
	for name, v := range map[string]any{"db.json": db, "modules.json": mods, "vulns.json": vulns} {
		if err := writeJSON(filepath.Join(indexDir, name), v); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "SOURCE"), []byte(version+"\n"), 0o600)
}

// writeJSON writes v as compact JSON.
func writeJSON(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(name, b, 0o600)
}

// replaceDir moves the finished database at tmp to out, replacing any
// previous database.
func replaceDir(tmp, out string) error {
	old := out + ".old"
	if err := os.RemoveAll(old); err != nil {
		return err
	}
	if err := os.Rename(out, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

// latestFix returns the newest "fixed" version of the SEMVER ranges, or
// "" when a later "introduced" event re-opens the vulnerability (so no
// single version fixes it). govulncheck uses this value only to skip
// reading entries that cannot affect the version in use; it always
// checks the full ranges of the entries it reads.
func latestFix(ranges []osvRange) string {
	var latest string
	for _, r := range ranges {
		if r.Type != "SEMVER" {
			continue
		}
		for _, ev := range r.Events {
			if ev.Fixed != "" && compareSemver(latest, ev.Fixed) < 0 {
				latest = ev.Fixed
			}
		}
		for _, ev := range r.Events {
			if ev.Introduced != "" && ev.Introduced != "0" && compareSemver(latest, ev.Introduced) < 0 {
				return ""
			}
		}
	}
	return latest
}
