// Command vulngate runs govulncheck in JSON mode, prints its findings one
// vulnerability per line, and decides whether they fail the quality gate.
//
// Usage:
//
//	vulngate [-fail-level symbol] -- govulncheck -format json [flags] ./...
//	govulncheck -format json ./... | vulngate [-fail-level symbol]
//
// A vulnerability fails the gate when it is in a module dependency and
// govulncheck found it at -fail-level or deeper: "symbol" (the default)
// means the vulnerable function is reachable from this code, "package"
// also fails on a vulnerable package that is only imported, and "module"
// on a vulnerable module that is only required. Vulnerabilities in the Go
// standard library (and the go command) are printed but never fail the
// gate: only a newer Go release fixes them, and choosing the toolchain is
// a separate decision from changing this code.
//
// The exit status is 0 when nothing fails the gate, 1 when something
// does, and 2 when govulncheck could not run or its output could not be
// read.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"slices"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit status. ctx
// bounds the govulncheck command, if one is given.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vulngate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	failLevel := fs.String("fail-level", "symbol",
		"shallowest finding in a module dependency that fails: symbol, package or module")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	threshold, ok := parseLevel(*failLevel)
	if !ok {
		fmt.Fprintf(stderr, "vulngate: -fail-level %q: want symbol, package or module\n", *failLevel)
		return 2
	}

	var scan *result
	var err error
	if fs.NArg() == 0 {
		scan, err = decode(stdin)
	} else {
		scan, err = runCommand(ctx, fs.Args(), stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "vulngate: %v\n", err)
		return 2
	}

	failing := report(stdout, scan, threshold)
	if len(failing) > 0 {
		fmt.Fprintf(stderr, "vulngate: %d %s in module dependencies; upgrade:\n",
			len(failing), plural(len(failing), "vulnerability fails the gate",
				"vulnerabilities fail the gate"))
		for _, v := range failing {
			fmt.Fprintf(stderr, "  go get %s@%s   # %s\n", v.module, cmp.Or(v.fixed, "<no fix yet>"), v.id)
		}
		return 1
	}
	return 0
}

// runCommand runs govulncheck (args[0] with its arguments) and decodes
// its standard output. Its standard error is passed through.
func runCommand(ctx context.Context, args []string, stderr io.Writer) (*result, error) {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", args[0], err)
	}

	scan, decErr := decode(out)
	// Drain what decode left so that the command never blocks on a full
	// pipe before Wait.
	_, _ = io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("%s: %w", strings.Join(args, " "), err)
	}
	return scan, decErr
}

// level is how deep govulncheck traced a finding.
type level int

const (
	levelModule  level = iota + 1 // the module is required
	levelPackage                  // a vulnerable package is imported
	levelSymbol                   // a vulnerable function is reachable
)

// parseLevel parses the -fail-level flag.
func parseLevel(s string) (level, bool) {
	switch s {
	case "symbol":
		return levelSymbol, true
	case "package":
		return levelPackage, true
	case "module":
		return levelModule, true
	}
	return 0, false
}

// describe is the level in words, as printed beside a finding.
func (l level) describe() string {
	switch l {
	case levelSymbol:
		return "called"
	case levelPackage:
		return "imported, not called"
	default:
		return "required, not imported"
	}
}

// message is one element of govulncheck's JSON stream. Only the fields
// the gate needs are declared.
type message struct {
	Config *struct {
		ScannerVersion string     `json:"scanner_version"`
		DB             string     `json:"db"`
		DBLastModified *time.Time `json:"db_last_modified"`
		GoVersion      string     `json:"go_version"`
	} `json:"config"`
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *finding `json:"finding"`
}

// finding is govulncheck's finding message. Trace[0] is the vulnerable
// symbol, package or module; the last frame is the entry point in this
// code.
type finding struct {
	OSV          string   `json:"osv"`
	FixedVersion string   `json:"fixed_version"`
	Trace        []*frame `json:"trace"`
}

// frame is one step of a finding's trace.
type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
	Position *struct {
		Filename string `json:"filename"`
		Line     int    `json:"line"`
		Column   int    `json:"column"`
	} `json:"position"`
}

// vuln is everything found about one vulnerability.
type vuln struct {
	id      string
	summary string
	module  string
	version string
	fixed   string
	level   level
	trace   []*frame // the shortest trace at the deepest level
}

// stdlib reports whether the vulnerability is in Go itself.
func (v *vuln) stdlib() bool {
	return v.module == "stdlib" || v.module == "toolchain"
}

// result is a decoded govulncheck run.
type result struct {
	scanner, db, goVersion string
	dbModified             time.Time
	vulns                  []*vuln // sorted by ID
}

// decode reads govulncheck's JSON stream to its end.
func decode(r io.Reader) (*result, error) {
	res := &result{}
	summaries := make(map[string]string)
	byID := make(map[string]*vuln)
	sawConfig := false

	dec := json.NewDecoder(r)
	for {
		var m message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read govulncheck JSON output: %w", err)
		}

		switch {
		case m.Config != nil:
			sawConfig = true
			res.scanner, res.db, res.goVersion = m.Config.ScannerVersion, m.Config.DB, m.Config.GoVersion
			if m.Config.DBLastModified != nil {
				res.dbModified = *m.Config.DBLastModified
			}
		case m.OSV != nil:
			summaries[m.OSV.ID] = m.OSV.Summary
		case m.Finding != nil:
			if err := addFinding(byID, m.Finding); err != nil {
				return nil, err
			}
		}
	}
	if !sawConfig {
		return nil, errors.New("read govulncheck JSON output: no config message (was -format json given?)")
	}

	for _, v := range byID {
		v.summary = summaries[v.id]
		res.vulns = append(res.vulns, v)
	}
	slices.SortFunc(res.vulns, func(a, b *vuln) int { return cmp.Compare(a.id, b.id) })
	return res, nil
}

// addFinding merges one finding into the vulnerability it belongs to,
// keeping the deepest level and, at that level, the shortest trace.
func addFinding(byID map[string]*vuln, f *finding) error {
	if f.OSV == "" || len(f.Trace) == 0 || f.Trace[0] == nil {
		return fmt.Errorf("read govulncheck JSON output: finding %q has no trace", f.OSV)
	}
	top := f.Trace[0]
	lvl := levelModule
	switch {
	case top.Function != "":
		lvl = levelSymbol
	case top.Package != "":
		lvl = levelPackage
	}

	v := byID[f.OSV]
	if v == nil {
		v = &vuln{id: f.OSV, module: top.Module, version: top.Version, fixed: f.FixedVersion}
		byID[f.OSV] = v
	}
	if lvl > v.level || (lvl == v.level && len(f.Trace) < len(v.trace)) {
		v.level, v.trace = lvl, f.Trace
	}
	return nil
}

// report prints the scan and returns the vulnerabilities that fail the
// gate at the given threshold.
func report(w io.Writer, res *result, threshold level) []*vuln {
	fmt.Fprintf(w, "govulncheck %s, %s, database %s", res.scanner, res.goVersion, res.db)
	if !res.dbModified.IsZero() {
		fmt.Fprintf(w, " (as of %s)", res.dbModified.UTC().Format(time.DateOnly))
	}
	fmt.Fprintln(w)

	var failing []*vuln
	var stdlib, informational int
	for _, v := range res.vulns {
		verdict := "FAIL"
		note := v.level.describe()
		switch {
		case v.stdlib():
			verdict, note = "note", note+"; in Go itself: only a newer Go release fixes it, not gating"
			stdlib++
		case v.level < threshold:
			verdict = "info"
			informational++
		default:
			failing = append(failing, v)
		}

		fix := "no fix yet"
		if v.fixed != "" {
			fix = "fixed in " + displayVersion(v.module, v.fixed)
		}
		fmt.Fprintf(w, "%s %s %s@%s, %s (%s)\n", verdict, v.id,
			v.module, displayVersion(v.module, v.version), fix, note)
		if v.summary != "" {
			fmt.Fprintf(w, "     %s\n", v.summary)
		}
		if v.level == levelSymbol {
			fmt.Fprintf(w, "     %s\n", describeTrace(v.trace))
		}
	}

	fmt.Fprintf(w, "vulngate: %d failing; not gating: %d in Go itself, %d below -fail-level\n",
		len(failing), stdlib, informational)
	return failing
}

// displayVersion writes standard-library versions the way Go names its
// releases (go1.26.9 rather than v1.26.9).
func displayVersion(module, version string) string {
	if version != "" && (module == "stdlib" || module == "toolchain") {
		return "go" + strings.TrimPrefix(version, "v")
	}
	return version
}

// describeTrace renders a call trace from the entry point in this code
// to the vulnerable function: "file:line: a.F -> b.G -> c.H".
func describeTrace(trace []*frame) string {
	names := make([]string, 0, len(trace))
	for i := len(trace) - 1; i >= 0; i-- {
		names = append(names, frameName(trace[i]))
	}
	s := strings.Join(names, " -> ")
	if entry := trace[len(trace)-1]; entry.Position != nil && entry.Position.Filename != "" {
		s = fmt.Sprintf("%s:%d: %s", entry.Position.Filename, entry.Position.Line, s)
	}
	return s
}

// frameName is "pkg.Func" or "pkg.Recv.Method" with the package's last
// path element.
func frameName(f *frame) string {
	name := f.Function
	if f.Receiver != "" {
		name = strings.TrimPrefix(f.Receiver, "*") + "." + name
	}
	return path.Base(f.Package) + "." + name
}

// plural picks the singular or plural form for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
