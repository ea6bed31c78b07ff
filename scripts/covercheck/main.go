// Command covercheck reads a Go coverage profile, prints the statement
// coverage of every package and of the whole module, and fails when the
// total is below a minimum.
//
// Usage:
//
//	covercheck [-min 80] [-exclude REGEXP] [-module-root DIR] coverage.out
//
// A statement block that appears several times in the profile (once per
// test binary that instrumented it) counts once, as covered if any run
// covered it. Files marked as generated (a "// Code generated ... DO NOT
// EDIT." line before the package clause) are left out, and so is every
// package whose import path matches -exclude.
//
// The exit status is 0 when the total reaches the minimum, 1 when it does
// not, and 2 when the arguments or the profile are wrong.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it parses args, writes the report to
// stdout and problems to stderr, and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("covercheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	minPct := fs.Float64("min", 80, "minimum total statement coverage, in percent")
	exclude := fs.String("exclude", "",
		"regular expression; packages whose import path matches are left out")
	root := fs.String("module-root", ".",
		"directory holding go.mod, used to find source files and skip generated ones")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "covercheck: want exactly one coverage profile argument")
		return 2
	}
	if *minPct < 0 || *minPct > 100 {
		fmt.Fprintf(stderr, "covercheck: -min %v: must be between 0 and 100\n", *minPct)
		return 2
	}

	var excludeRE *regexp.Regexp
	if *exclude != "" {
		re, err := regexp.Compile(*exclude)
		if err != nil {
			fmt.Fprintf(stderr, "covercheck: -exclude: %v\n", err)
			return 2
		}
		excludeRE = re
	}

	blocks, err := readProfile(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "covercheck: %v\n", err)
		return 2
	}

	gen, err := newGeneratedFilter(*root)
	if err != nil {
		fmt.Fprintf(stderr, "covercheck: %v\n", err)
		return 2
	}

	pkgs := summarize(blocks, func(file string) bool {
		if excludeRE != nil && excludeRE.MatchString(path.Dir(file)) {
			return false
		}
		return !gen.isGenerated(file)
	})

	total := report(stdout, pkgs)
	if total.statements == 0 {
		fmt.Fprintln(stderr, "covercheck: the profile has no statements to measure")
		return 1
	}
	if pct := total.percent(); pct < *minPct {
		fmt.Fprintf(stderr,
			"covercheck: total statement coverage %.1f%% is below the required %.1f%%\n",
			pct, *minPct)
		return 1
	}
	return 0
}

// blockKey identifies one statement block of one source file.
type blockKey struct {
	file string
	pos  string // "startLine.startCol,endLine.endCol"
}

// block is the merged record of one statement block.
type block struct {
	statements int
	covered    bool
}

// readProfile parses a coverage profile written by `go test
// -coverprofile` and merges repeated blocks.
func readProfile(name string) (map[blockKey]block, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseProfile(f, name)
}

// parseProfile does the work of readProfile on an open profile; name is
// used only in error messages.
func parseProfile(r io.Reader, name string) (map[blockKey]block, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)

	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return nil, fmt.Errorf("%s: empty profile", name)
	}
	if !strings.HasPrefix(sc.Text(), "mode: ") {
		return nil, fmt.Errorf("%s:1: want a \"mode: \" line, got %q", name, sc.Text())
	}

	blocks := make(map[blockKey]block)
	for line := 2; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		key, b, err := parseLine(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		prev, seen := blocks[key]
		if seen && prev.statements != b.statements {
			return nil, fmt.Errorf("%s:%d: block %s:%s has %d statements here and %d earlier",
				name, line, key.file, key.pos, b.statements, prev.statements)
		}
		b.covered = b.covered || prev.covered
		blocks[key] = b
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return blocks, nil
}

// parseLine parses "file:start,end statements count".
func parseLine(text string) (blockKey, block, error) {
	fields := strings.Fields(text)
	if len(fields) != 3 {
		return blockKey{}, block{}, fmt.Errorf("want \"file:pos statements count\", got %q", text)
	}
	colon := strings.LastIndexByte(fields[0], ':')
	if colon <= 0 || colon == len(fields[0])-1 {
		return blockKey{}, block{}, fmt.Errorf("bad block position %q", fields[0])
	}
	stmts, err := strconv.Atoi(fields[1])
	if err != nil || stmts < 0 {
		return blockKey{}, block{}, fmt.Errorf("bad statement count %q", fields[1])
	}
	count, err := strconv.ParseInt(fields[2], 10, 64)
	if err != nil || count < 0 {
		return blockKey{}, block{}, fmt.Errorf("bad execution count %q", fields[2])
	}
	key := blockKey{file: fields[0][:colon], pos: fields[0][colon+1:]}
	return key, block{statements: stmts, covered: count > 0}, nil
}

// tally counts the statements of a package or of the whole profile.
type tally struct {
	statements int
	covered    int
}

// percent is the covered share in percent; 0 when there is nothing to
// cover.
func (t tally) percent() float64 {
	if t.statements == 0 {
		return 0
	}
	return 100 * float64(t.covered) / float64(t.statements)
}

// summarize adds the blocks up per package (the directory part of the
// file's import path), keeping only the files for which keep is true.
func summarize(blocks map[blockKey]block, keep func(file string) bool) map[string]tally {
	kept := make(map[string]bool)
	pkgs := make(map[string]tally)
	for key, b := range blocks {
		ok, known := kept[key.file]
		if !known {
			ok = keep(key.file)
			kept[key.file] = ok
		}
		if !ok {
			continue
		}
		pkg := path.Dir(key.file)
		t := pkgs[pkg]
		t.statements += b.statements
		if b.covered {
			t.covered += b.statements
		}
		pkgs[pkg] = t
	}
	return pkgs
}

// report writes one line per package, sorted by import path, and a total
// line; it returns the total.
func report(w io.Writer, pkgs map[string]tally) tally {
	names := make([]string, 0, len(pkgs))
	width := len("total")
	for name := range pkgs {
		names = append(names, name)
		width = max(width, len(name))
	}
	sort.Strings(names)

	var total tally
	for _, name := range names {
		t := pkgs[name]
		total.statements += t.statements
		total.covered += t.covered
		fmt.Fprintf(w, "%-*s %6.1f%%  (%d/%d statements)\n",
			width, name, t.percent(), t.covered, t.statements)
	}
	fmt.Fprintf(w, "%-*s %6.1f%%  (%d/%d statements)\n",
		width, "total", total.percent(), total.covered, total.statements)
	return total
}

// generatedFilter tells whether a file named by its import path is
// generated code, by reading it from the module on disk.
type generatedFilter struct {
	root   string
	module string
	cache  map[string]bool
}

// newGeneratedFilter reads the module path from root/go.mod.
func newGeneratedFilter(root string) (*generatedFilter, error) {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil, fmt.Errorf("read module path: %w", err)
	}
	module := modulePath(data)
	if module == "" {
		return nil, errors.New("read module path: go.mod has no module line")
	}
	return &generatedFilter{root: root, module: module, cache: make(map[string]bool)}, nil
}

// modulePath returns the path on the module line of a go.mod file.
func modulePath(gomod []byte) string {
	for line := range strings.Lines(string(gomod)) {
		fields := strings.Fields(line)
		if len(fields) >= 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`)
		}
	}
	return ""
}

// isGenerated reports whether file is generated. A file outside the
// module, or one that cannot be read, counts as hand-written so that it
// is measured rather than silently dropped.
func (g *generatedFilter) isGenerated(file string) bool {
	if v, ok := g.cache[file]; ok {
		return v
	}
	rel, ok := strings.CutPrefix(file, g.module+"/")
	gen := false
	if ok {
		if f, err := os.Open(filepath.Join(g.root, filepath.FromSlash(rel))); err == nil {
			gen = hasGeneratedHeader(f)
			f.Close()
		}
	}
	g.cache[file] = gen
	return gen
}

// generatedRE is the Go convention for marking generated files.
var generatedRE = regexp.MustCompile(`^// Code generated .* DO NOT EDIT\.$`)

// hasGeneratedHeader reports whether the generated-code marker appears
// before the package clause.
func hasGeneratedHeader(r io.Reader) bool {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if generatedRE.MatchString(line) {
			return true
		}
		if strings.HasPrefix(line, "package ") {
			return false
		}
	}
	return false
}
