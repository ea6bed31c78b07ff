package haloitsm

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/haloconnect/icon-haloitsm/halo"
	"github.com/haloconnect/icon-haloitsm/icon/runtime/exception"
)

// The tests in this file keep docs/troubleshooting.md in step with the
// code: every exception cause the plugin (and the runtime in front of it)
// can raise must be documented there.

// troubleshootingDoc is the operator's list of exception causes.
const troubleshootingDoc = "../docs/troubleshooting.md"

// causeSources are the directories whose non-test Go files can build an
// exception cause.
var causeSources = []string{".", "../icon/runtime"}

// messageBuilders are functions whose every string literal can end up in
// a cause, because their result becomes an error message that failure or
// the connection test quotes.
var messageBuilders = []string{"unknownNameMessage", "checkServerURL"}

// minCauseSources is the fewest cause-building expressions the scan must
// find; fewer means the scan no longer recognises how the code builds
// exceptions, and would pass without checking anything.
const minCauseSources = 60

// readDoc returns the troubleshooting page with runs of white space
// collapsed to one space.
func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(troubleshootingDoc)
	if err != nil {
		t.Fatalf("read %s: %v", troubleshootingDoc, err)
	}
	return collapse(string(b))
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestTroubleshootingCoversSourceCauses reads the Go source of this
// package and of icon/runtime and finds every expression that becomes an
// exception cause: Cause fields of exception literals, exception.Custom,
// the runtime's badRequest, messages of inputError and settingsError
// (badInput, the connection checks), cause variables and results, and
// preset exceptions. Each constant piece of text in them (format strings
// split at their verbs) must appear in docs/troubleshooting.md, ignoring
// case; pieces with fewer than four letters or digits are too short to
// check.
func TestTroubleshootingCoversSourceCauses(t *testing.T) {
	t.Parallel()
	doc := strings.ToLower(readDoc(t))

	srcs := scanCauseSources(t)
	if len(srcs) < minCauseSources {
		t.Fatalf("found %d cause-building expressions, want at least %d; the scan no longer "+
			"matches how the code builds exceptions", len(srcs), minCauseSources)
	}
	for _, s := range srcs {
		for _, frag := range s.fragments {
			if !strings.Contains(doc, strings.ToLower(frag)) {
				t.Errorf("%s: %q (from %s) is not in %s", s.pos, frag, s.what,
					troubleshootingDoc)
			}
		}
	}
}

// causeSource is one expression that becomes (part of) a cause.
type causeSource struct {
	pos       string
	what      string
	fragments []string
}

func scanCauseSources(t *testing.T) []causeSource {
	t.Helper()
	fset := token.NewFileSet()
	var out []causeSource
	for _, dir := range causeSources {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatalf("parse %s: %v", name, err)
			}
			out = append(out, causeSourcesIn(t, fset, f)...)
		}
	}
	return out
}

// causeSourcesIn finds the cause-building expressions of one file.
func causeSourcesIn(t *testing.T, fset *token.FileSet, f *ast.File) []causeSource {
	t.Helper()
	var out []causeSource
	add := func(what string, e ast.Node) {
		out = append(out, causeSource{pos: fset.Position(e.Pos()).String(), what: what,
			fragments: literalFragments(e)})
	}
	addPreset := func(e ast.Expr) {
		sel, ok := e.(*ast.SelectorExpr)
		if !ok {
			return
		}
		p, ok := presetNamed(sel.Sel.Name)
		if !ok {
			t.Errorf("%s: unknown exception preset %s", fset.Position(e.Pos()), sel.Sel.Name)
			return
		}
		out = append(out, causeSource{pos: fset.Position(e.Pos()).String(),
			what: "preset " + sel.Sel.Name, fragments: splitFormat(p.Cause())})
	}

	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		if slices.Contains(messageBuilders, fn.Name.Name) {
			add("message builder "+fn.Name.Name, fn.Body)
		}
		namedCause := hasNamedResult(fn, "cause")
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				key := ""
				switch typeName(n.Type) {
				case "PluginException", "ConnectionTestException":
					key = "Cause"
				case "inputError", "settingsError":
					key = "msg"
				}
				for _, el := range n.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if id, isID := kvKey(kv); ok && isID && key != "" && id == key {
						add(typeName(n.Type)+"."+key, kv.Value)
					}
				}
			case *ast.CallExpr:
				switch callName(n.Fun) {
				case "exception.Custom", "badRequest":
					add(callName(n.Fun), n.Args[0])
				case "badInput", "bad":
					add(callName(n.Fun), n.Args[1])
				case "unknownInput":
					add(callName(n.Fun), n.Args[2])
				case "outOfRange":
					add(callName(n.Fun), n.Args[3])
				case "exception.New", "exception.Wrap", "exception.NewTest", "exception.WrapTest":
					addPreset(n.Args[0])
				}
			case *ast.AssignStmt:
				for i, lhs := range n.Lhs {
					if id, ok := lhs.(*ast.Ident); ok && id.Name == "cause" && i < len(n.Rhs) {
						add("cause variable", n.Rhs[i])
					}
				}
			case *ast.ReturnStmt:
				if namedCause && len(n.Results) > 0 {
					add("cause result of "+fn.Name.Name, n.Results[0])
				}
			}
			return true
		})
	}
	return out
}

// typeName returns the bare type name of a composite literal's type
// ("PluginException" for exception.PluginException).
func typeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	}
	return ""
}

func kvKey(kv *ast.KeyValueExpr) (string, bool) {
	if kv == nil {
		return "", false
	}
	id, ok := kv.Key.(*ast.Ident)
	if !ok {
		return "", false
	}
	return id.Name, true
}

// callName returns "pkg.Func" or "Func" for a call's function.
func callName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok {
			return x.Name + "." + e.Sel.Name
		}
	}
	return ""
}

func hasNamedResult(fn *ast.FuncDecl, name string) bool {
	if fn.Type.Results == nil {
		return false
	}
	for _, field := range fn.Type.Results.List {
		for _, n := range field.Names {
			if n.Name == name {
				return true
			}
		}
	}
	return false
}

// presetNamed finds the preset whose Go constant is name (Unknown,
// InvalidCredentials, APIKey, ...).
func presetNamed(name string) (exception.Preset, bool) {
	for _, p := range exception.Presets() {
		if strings.ReplaceAll(string(p), "_", "") == strings.ToLower(name) {
			return p, true
		}
	}
	return "", false
}

// literalFragments returns the checkable pieces of every string literal
// in n.
func literalFragments(n ast.Node) []string {
	var out []string
	ast.Inspect(n, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			return true
		}
		out = append(out, splitFormat(s)...)
		return true
	})
	return out
}

// formatVerb matches a fmt verb with its flags, width and precision.
var formatVerb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// splitFormat cuts s at its fmt verbs and returns the pieces long enough
// to check, white space collapsed.
func splitFormat(s string) []string {
	var out []string
	for _, piece := range formatVerb.Split(s, -1) {
		piece = collapse(piece)
		if significant(piece) >= 4 {
			out = append(out, piece)
		}
	}
	return out
}

// significant counts the letters and digits of s.
func significant(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// TestTroubleshootingCoversMappedCauses runs the error mapping (failure,
// the connection test's testException, the token advice and the runtime's
// fallbacks) over every class of error, with placeholders for the parts
// that vary, and requires each resulting cause, exactly as written, in
// docs/troubleshooting.md.
func TestTroubleshootingCoversMappedCauses(t *testing.T) {
	t.Parallel()
	doc := readDoc(t)

	const subject, step = "<subject>", "<step>"
	apiErr := func(status int, msg string) error {
		return fmt.Errorf("halo: get ticket 42: %w", &halo.APIError{StatusCode: status,
			Method: "GET", URL: "https://example.haloitsm.com/api/Tickets/42", Message: msg})
	}
	tokenErr := func(te halo.TokenError) error {
		te.URL, te.Err = "https://example.haloitsm.com/auth/token", errors.New("refused")
		return fmt.Errorf("halo: get ticket 42: %w", &te)
	}
	// Every class of error the mapping tells apart.
	classes := []struct {
		name string
		err  error
	}{
		{"settings", &settingsError{Field: "<field>", msg: "<reason>"}},
		{"ambiguous write", fmt.Errorf("halo: create action on ticket 42: %w", halo.ErrAmbiguous)},
		{"token invalid_client", tokenErr(halo.TokenError{Code: "invalid_client"})},
		{"token unauthorized_client", tokenErr(halo.TokenError{Code: "unauthorized_client"})},
		{"token invalid_scope", tokenErr(halo.TokenError{Code: "invalid_scope"})},
		{"token other code", tokenErr(halo.TokenError{Code: "<code>"})},
		{"token unreachable", tokenErr(halo.TokenError{})},
		{"token 5xx", tokenErr(halo.TokenError{StatusCode: 599})},
		{"token 404", tokenErr(halo.TokenError{StatusCode: 404})},
		{"token other status", tokenErr(halo.TokenError{StatusCode: 429, Suspect: "tenant"})},
		{"404", apiErr(404, "")},
		{"403", apiErr(403, "")},
		{"401", apiErr(401, "")},
		{"429", apiErr(429, "")},
		{"4xx with message", apiErr(400, "<Halo's message>")},
		{"4xx without message", apiErr(422, "")},
		{"5xx", apiErr(503, "")},
		{"timeout", fmt.Errorf("halo: get ticket 42: %w", context.DeadlineExceeded)},
		{"cancelled", fmt.Errorf("halo: get ticket 42: %w", context.Canceled)},
		{"unexpected", errors.New("halo: get ticket 42: decode ticket: unexpected end")},
	}
	// placeholders turns the stand-in values that cannot be strings back
	// into the doc's placeholders.
	placeholders := strings.NewReplacer("422 Unprocessable Entity", "<status> <status text>",
		"(599)", "(<status>)")

	var causes []string
	for _, c := range classes {
		causes = append(causes, exception.From(failure(c.err, subject)).Cause,
			testException(c.err, step).Cause)
	}
	causes = append(causes,
		exception.From(errors.New("boom")).Cause,
		exception.FromTest(errors.New("boom")).Cause)

	for _, cause := range causes {
		cause = placeholders.Replace(cause)
		if cause == "" {
			t.Errorf("a mapped error has an empty cause")
			continue
		}
		if !strings.Contains(doc, collapse(cause)) {
			t.Errorf("cause %q is not in %s", cause, troubleshootingDoc)
		}
	}
}
