// Package helpdoc generates a plugin's help.md from its plugin.spec.yaml,
// in the layout Rapid7's validators require: the headers in generator
// order, the exact input and output table rows, 2-space indented example
// JSON, and the version history taken from the spec.
//
// # Hand-written text
//
// Prose that the spec cannot hold comes from Markdown files in docs/help/
// under the plugin directory, one per section. Each is optional; the
// fallback is built from the spec:
//
//	docs/help/description.md          # Description        (spec description)
//	docs/help/key_features.md         # Key Features       (spec key_features as bullets)
//	docs/help/requirements.md         # Requirements       (spec requirements as bullets)
//	docs/help/documentation_setup.md  ## Setup, after the connection table and its example
//	docs/help/troubleshooting.md      ## Troubleshooting   (spec troubleshooting as bullets)
//	docs/help/links.md                # Links              (spec links, else the resource URLs)
//	docs/help/references.md           ## References        (spec references, else the resource URLs)
//	docs/help/actions/<id>.md         appended under that action (triggers/<id>.md and
//	                                  tasks/<id>.md likewise)
//
// A file's text replaces the fallback as it is, trimmed of surrounding
// blank lines. The files must not repeat a header the generator writes:
// HelpValidator rejects help.md when a header appears twice.
package helpdoc

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/haloconnect/icon-haloitsm/icon/helpdoc/helprow"
	"github.com/haloconnect/icon-haloitsm/icon/spec"
)

// File names relative to the plugin directory.
const (
	SpecFile = "plugin.spec.yaml"
	HelpFile = "help.md"
	// SourceDir holds the hand-written sections.
	SourceDir = "docs/help"
)

// Generate returns the help.md for the plugin in dir, built from
// dir/plugin.spec.yaml and the hand-written sections in dir/docs/help.
// Errors name the file that could not be read or parsed.
func Generate(dir string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(dir, SpecFile))
	if err != nil {
		return nil, fmt.Errorf("helpdoc: %w", err)
	}
	s, err := spec.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("helpdoc: %s: %w", SpecFile, err)
	}
	src, err := readSources(filepath.Join(dir, filepath.FromSlash(SourceDir)))
	if err != nil {
		return nil, err
	}
	return Render(s, src)
}

// Sources holds hand-written sections keyed by their path relative to
// docs/help without the .md suffix: "description", "actions/add_note".
type Sources map[string]string

// readSources reads every .md file under dir; a missing dir is empty.
// Files are read through an os.Root, so a symbolic link cannot lead the
// walk outside dir.
func readSources(dir string) (Sources, error) {
	src := Sources{}
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return src, nil
	}
	if err != nil {
		return nil, fmt.Errorf("helpdoc: read %s: %w", SourceDir, err)
	}
	defer root.Close()

	fsys := root.FS()
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".md") {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		src[strings.TrimSuffix(p, ".md")] = strings.Trim(string(data), "\n\r ")
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("helpdoc: read %s: %w", SourceDir, err)
	}
	return src, nil
}

// writer accumulates help.md text.
type writer struct {
	b   bytes.Buffer
	err error
}

func (w *writer) line(s string) { w.b.WriteString(s + "\n") }

// para writes a block followed by a blank line.
func (w *writer) para(s string) { w.b.WriteString(s + "\n\n") }

func bullets(items []string) string {
	lines := make([]string, len(items))
	for i, it := range items {
		lines[i] = "* " + it
	}
	return strings.Join(lines, "\n")
}

// Render builds help.md from a parsed spec and hand-written sections.
// It fails only when an example cannot be encoded as JSON.
func Render(s *spec.Spec, src Sources) ([]byte, error) {
	w := &writer{}

	w.para("# Description")
	w.para(pick(src, "description", s.Description))

	w.para("# Key Features")
	features := bullets(s.KeyFeatures)
	if features == "" {
		features = "* " + s.Description
	}
	w.para(pick(src, "key_features", features))

	w.para("# Requirements")
	reqs := bullets(s.Requirements)
	if reqs == "" {
		reqs = "*This plugin does not contain any requirements.*"
	}
	w.para(pick(src, "requirements", reqs))

	if len(s.SupportedVersions) > 0 {
		w.para("# Supported Product Versions")
		w.para(bullets(s.SupportedVersions))
	}

	w.para("# Documentation")
	w.para("## Setup")
	if len(s.Connection) == 0 {
		w.para("*This plugin does not contain a connection.*")
	} else {
		w.para("The connection configuration accepts the following parameters:")
		w.inputTable(s.Connection)
		w.example("Example input:", s.Connection)
	}
	if t, ok := src["documentation_setup"]; ok && t != "" {
		w.para(t)
	}

	w.para("## Technical Details")
	w.components(s, "action", "Actions", s.Actions, src)
	w.components(s, "trigger", "Triggers", s.Triggers, src)
	if len(s.Tasks) > 0 {
		w.components(s, "task", "Tasks", s.Tasks, src)
	}
	w.customTypes(s)

	w.para("## Troubleshooting")
	trouble := bullets(s.Troubleshooting)
	if trouble == "" {
		trouble = "*There is no troubleshooting for this plugin.*"
	}
	w.para(pick(src, "troubleshooting", trouble))

	w.para("# Version History")
	w.para(bullets(s.VersionHistory))

	w.para("# Links")
	links := bullets(s.Links)
	if links == "" {
		links = resourceLinks(s)
	}
	w.para(pick(src, "links", links))

	w.para("## References")
	refs := bullets(s.References)
	if refs == "" {
		refs = resourceLinks(s)
	}
	w.b.WriteString(pick(src, "references", refs) + "\n")

	if w.err != nil {
		return nil, w.err
	}
	return w.b.Bytes(), nil
}

// pick returns the hand-written section key, or fallback.
func pick(src Sources, key, fallback string) string {
	if t, ok := src[key]; ok && t != "" {
		return t
	}
	return fallback
}

// resourceLinks lists the spec's resource URLs as Markdown links.
func resourceLinks(s *spec.Spec) string {
	var items []string
	for _, r := range []struct{ key, text string }{
		{"vendor_url", s.Title},
		{"source_url", "Source code"},
		{"docs_url", "Documentation"},
	} {
		if u := s.Resources[r.key]; u != "" {
			items = append(items, fmt.Sprintf("[%s](%s)", r.text, u))
		}
	}
	if len(items) == 0 {
		return "*This plugin does not contain any links.*"
	}
	return bullets(items)
}

// byID returns params sorted by id, as the generator orders table rows.
func byID(params []spec.Param) []spec.Param {
	out := slices.Clone(params)
	slices.SortFunc(out, func(a, b spec.Param) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func (w *writer) inputTable(params []spec.Param) {
	w.line(helprow.InputHeader)
	w.line(helprow.InputSeparator)
	for _, p := range byID(params) {
		w.line(helprow.InputRow(p.ID, p.Node))
	}
	w.line("")
}

func (w *writer) outputTable(params []spec.Param) {
	w.line(helprow.OutputHeader)
	w.line(helprow.OutputSeparator)
	for _, p := range byID(params) {
		w.line(helprow.OutputRow(p.ID, p.Node))
	}
	w.line("")
}

// example writes label and a fenced JSON object of the params' examples in
// spec order. Nothing is written when no param has an example.
func (w *writer) example(label string, params []spec.Param) {
	obj := object{}
	for _, p := range params {
		if !p.HasExample {
			continue
		}
		obj = append(obj, member{p.ID, exampleValue(p.Type, helprow.Lookup(p.Node, "example"))})
	}
	if len(obj) == 0 {
		return
	}
	js, err := indent(obj)
	if err != nil {
		if w.err == nil {
			w.err = fmt.Errorf("helpdoc: %s: %w", strings.TrimSuffix(label, ":"), err)
		}
		return
	}
	w.para(label)
	w.para("```\n" + js + "\n```")
}

// sentence turns a description into the end of "This action is used to
// ...": the first letter is lowered unless the first word is an acronym.
func sentence(desc string) string {
	r, size := utf8.DecodeRuneInString(desc)
	next, _ := utf8.DecodeRuneInString(desc[size:])
	if unicode.IsUpper(next) {
		return desc
	}
	return string(unicode.ToLower(r)) + desc[size:]
}

func (w *writer) components(s *spec.Spec, kind, header string, comps []spec.Component, src Sources) {
	w.para("### " + header)
	if len(comps) == 0 {
		w.para(fmt.Sprintf("*This plugin does not contain any %s.*", strings.ToLower(header)))
		return
	}
	for _, c := range comps {
		w.para("#### " + c.Title)
		w.para(fmt.Sprintf("This %s is used to %s", kind, sentence(c.Description)))

		w.para("##### Input")
		if len(c.Input) == 0 {
			w.para(fmt.Sprintf("*This %s does not contain any inputs.*", kind))
		} else {
			w.inputTable(c.Input)
			w.example("Example input:", c.Input)
		}

		w.para("##### Output")
		if len(c.Output) == 0 {
			w.para(fmt.Sprintf("*This %s does not contain any outputs.*", kind))
		} else {
			w.outputTable(c.Output)
			w.example("Example output:", c.Output)
		}

		if t, ok := src[kind+"s/"+c.ID]; ok && t != "" {
			w.para(t)
		}
	}
}

func (w *writer) customTypes(s *spec.Spec) {
	w.para("### Custom Types")
	if len(s.Types) == 0 {
		w.para("*This plugin does not contain any custom output types.*")
		return
	}
	for _, t := range s.Types {
		w.para("**" + t.Name + "**")
		w.line(helprow.TypeHeader)
		w.line(helprow.TypeSeparator)
		rows := make([]string, 0, len(t.Fields))
		for _, f := range t.Fields {
			rows = append(rows, helprow.TypeRow(f.ID, f.Node))
		}
		slices.Sort(rows)
		for _, r := range rows {
			w.line(r)
		}
		w.line("")
	}
}
