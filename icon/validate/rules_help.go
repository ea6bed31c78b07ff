package validate

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/haloconnect/icon-haloitsm/icon/helpdoc/helprow"
)

// helpHeader is a help.md header HelpValidator looks for.
type helpHeader struct {
	text     string // as written, e.g. "## Setup"
	optional bool
}

// helpHeaders are the help.md headers in generator order. The Tasks header
// is required only when the spec has tasks; the Custom Types header may be
// spelt "Custom Output Types"; both are handled in checkHelp.
var helpHeaders = []helpHeader{
	{text: "# Description"},
	{text: "# Key Features"},
	{text: "# Requirements"},
	{text: "# Supported Product Versions", optional: true},
	{text: "# Documentation"},
	{text: "## Setup"},
	{text: "## Technical Details"},
	{text: "### Actions"},
	{text: "### Triggers"},
	{text: "## Troubleshooting"},
	{text: "# Version History"},
	{text: "# Links"},
	{text: "## References"},
}

// headerRE matches a header word the way HelpValidator counts it: a "#",
// optional spaces, then the word, anywhere in the text.
func headerRE(word string) *regexp.Regexp {
	return regexp.MustCompile(`#[ \t]*` + regexp.QuoteMeta(word))
}

// helpLine returns the 1-based line of the first help.md line equal to
// text (after trimming trailing spaces) at or after line from, or 0.
func (p *plugin) helpLine(text string, from int) int {
	for i := max(from-1, 0); i < len(p.helpLines); i++ {
		if strings.TrimRight(p.helpLines[i], " \t\r") == text {
			return i + 1
		}
	}
	return 0
}

// lineAt returns the 1-based line of byte offset off in help.md.
func (p *plugin) lineAt(off int) int {
	return bytes.Count(p.help[:off], []byte("\n")) + 1
}

func checkHelp(c *checker) {
	p := c.p
	if k, _ := lookup(p.root, "help"); k != nil {
		c.fail(specFile, k.Line, "the spec must not have a help key; help text lives in help.md")
	}
	for _, comp := range p.components() {
		if k, _ := lookup(comp.val, "help"); k != nil {
			c.fail(specFile, k.Line, "%s.%s: help key is not allowed; help text lives in help.md", comp.kind, comp.id)
		}
	}
	if p.help == nil {
		c.fail(helpFile, 0, "help.md is missing")
		return
	}
	text := string(p.help)

	headers := slices.Clone(helpHeaders)
	headers = append(headers, helpHeader{text: "### Tasks", optional: len(p.components("tasks")) == 0})
	for _, h := range headers {
		word := strings.TrimLeft(h.text, "# ")
		locs := headerRE(word).FindAllStringIndex(text, -1)
		if len(locs) == 0 && !h.optional {
			c.fail(helpFile, 0, "missing header %q", h.text)
		}
		if len(locs) > 1 {
			c.fail(helpFile, p.lineAt(locs[1][0]), "header %q appears %d times", h.text, len(locs))
		}
	}
	custom := headerRE("Custom Types").FindAllStringIndex(text, -1)
	customOut := headerRE("Custom Output Types").FindAllStringIndex(text, -1)
	if len(custom)+len(customOut) == 0 {
		c.fail(helpFile, 0, `missing header "### Custom Types"`)
	}
	if len(custom) > 1 {
		c.fail(helpFile, p.lineAt(custom[1][0]), `header "### Custom Types" appears %d times`, len(custom))
	}
	if len(customOut) > 1 {
		c.fail(helpFile, p.lineAt(customOut[1][0]), `header "### Custom Output Types" appears %d times`, len(customOut))
	}

	for _, comp := range p.components() {
		title, _ := scalar(comp.val, "title")
		if !strings.Contains(text, "#### "+title) {
			c.fail(helpFile, 0, "no \"#### %s\" section for %s %s", title, comp.singular(), comp.id)
		}
	}

	if !strings.Contains(text, "- Initial plugin") {
		c.fail(helpFile, 0, `Version History must contain "- Initial plugin"`)
	}

	if body, ln := p.helpSection("# Key Features"); ln > 0 && !hasBullet(body) {
		c.fail(helpFile, ln, `Key Features must list at least one "* " bullet`)
	}
	if body, ln := p.helpSection("# Links"); ln > 0 && !strings.Contains(body, "http") {
		c.fail(helpFile, ln, "Links must contain at least one http link")
	}

	checkTitleSpelling(c)
}

// helpSection returns the text after the header line text up to the next
// header of any level, and the header's line (0 when absent).
func (p *plugin) helpSection(text string) (string, int) {
	ln := p.helpLine(text, 1)
	if ln == 0 {
		return "", 0
	}
	var b strings.Builder
	for _, l := range p.helpLines[ln:] {
		if strings.HasPrefix(l, "#") {
			break
		}
		b.WriteString(l + "\n")
	}
	return b.String(), ln
}

func hasBullet(s string) bool {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "* ") {
			return true
		}
	}
	return false
}

// checkTitleSpelling warns where help.md spells the plugin title with
// other casing. Occurrences inside URLs, paths and identifiers (next to a
// letter, digit, ".", "/", "_" or "-") are names, not prose, and are left
// alone.
func checkTitleSpelling(c *checker) {
	title, _ := scalar(c.p.root, "title")
	if title == "" {
		return
	}
	lowTitle := strings.ToLower(title)
	for i, l := range c.p.helpLines {
		low := strings.ToLower(l)
		for off := 0; ; {
			j := strings.Index(low[off:], lowTitle)
			if j < 0 {
				break
			}
			start, end := off+j, off+j+len(lowTitle)
			off = end
			if isNameChar(low, start-1) || isNameChar(low, end) {
				continue
			}
			if l[start:end] != title {
				c.warn(helpFile, i+1, "plugin title written as %q, expected %q", l[start:end], title)
			}
		}
	}
}

func isNameChar(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	b := s[i]
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' ||
		b == '.' || b == '/' || b == '_' || b == '-'
}

var versionLineRE = regexp.MustCompile(`^\* ([0-9]+)\.([0-9]+)\.([0-9]+)$`)

func checkChangelog(c *checker) {
	p := c.p
	if p.help == nil {
		c.fail(helpFile, 0, "help.md is missing")
		return
	}
	h := p.helpLine("# Version History", 1)
	if h == 0 {
		c.fail(helpFile, 0, `no "# Version History" section`)
		return
	}

	// The block starts after the header and blank lines and runs to the
	// next blank line.
	i := h
	for i < len(p.helpLines) && strings.TrimSpace(p.helpLines[i]) == "" {
		i++
	}
	version, _ := scalar(p.root, "version")
	var prev []int
	found := false
	for ; i < len(p.helpLines) && strings.TrimSpace(p.helpLines[i]) != ""; i++ {
		l := strings.TrimRight(p.helpLines[i], " \t\r")
		head, _, _ := strings.Cut(l, " - ")
		m := versionLineRE.FindStringSubmatch(head)
		if m == nil {
			c.fail(helpFile, i+1, `version history line must read "* X.Y.Z - text": %q`, l)
			continue
		}
		v := semver(m[1:])
		if prev != nil && compareVersions(v, prev) >= 0 {
			c.fail(helpFile, i+1, "version history is not in descending order at %s", strings.TrimPrefix(head, "* "))
		}
		prev = v
		if strings.TrimPrefix(head, "* ") == version {
			found = true
		}
	}
	if !found {
		c.fail(helpFile, h, "version history has no entry for the spec version %s", version)
	}
}

// helpRegion returns the help.md text from the header line start to the
// first of the headers ends after it (or the end), with its byte offset.
func (p *plugin) helpRegion(start string, ends ...string) (string, int) {
	text := string(p.help)
	i := indexLine(text, start, 0)
	if i < 0 {
		return "", -1
	}
	end := len(text)
	for _, e := range ends {
		if j := indexLine(text, e, i+len(start)); j >= 0 && j < end {
			end = j
		}
	}
	return text[i:end], i
}

// indexLine returns the byte offset of the first line of text, at or after
// from, that is exactly line, or -1.
func indexLine(text, line string, from int) int {
	for off := from; off < len(text); {
		j := strings.Index(text[off:], line)
		if j < 0 {
			return -1
		}
		at := off + j
		startOK := at == 0 || text[at-1] == '\n'
		endOK := at+len(line) == len(text) || text[at+len(line)] == '\n' || text[at+len(line)] == '\r'
		if startOK && endOK {
			return at
		}
		off = at + 1
	}
	return -1
}

var outputHeadingRE = regexp.MustCompile(`#+ Output`)

func checkHelpInputOutput(c *checker) {
	p := c.p
	if p.help == nil {
		c.fail(helpFile, 0, "help.md is missing")
		return
	}
	regions := map[string][]string{
		"actions":  {"### Actions", "### Triggers"},
		"triggers": {"### Triggers", "### Tasks"},
		"tasks":    {"### Tasks", "### Custom Types", "### Custom Output Types", "## Troubleshooting"},
	}
	for _, comp := range p.components() {
		bounds := regions[comp.kind]
		region, base := p.helpRegion(bounds[0], bounds[1:]...)
		if base < 0 {
			c.fail(helpFile, 0, "no %q section for %s %s", bounds[0], comp.singular(), comp.id)
			continue
		}
		title, _ := scalar(comp.val, "title")
		start := strings.Index(region, "#### "+title)
		if start < 0 {
			c.fail(helpFile, 0, "no \"#### %s\" section for %s %s under %s", title, comp.singular(), comp.id, bounds[0])
			continue
		}
		ln := p.lineAt(base + start)
		step := region[start:]
		stepEnd := len(step)
		if j := strings.Index(step[1:], "\n#### "); j >= 0 {
			stepEnd = j + 1
		}

		inputs := step
		outLoc := outputHeadingRE.FindStringIndex(step)
		if outLoc != nil {
			inputs = step[:outLoc[0]]
		}
		for _, e := range pairs(get(comp.val, "input")) {
			row := helprow.InputRow(e.key.Value, e.val)
			if !strings.Contains(inputs, row) {
				c.fail(helpFile, ln, "%s %s: input %s needs the row %s", comp.singular(), comp.id, e.key.Value, row)
			}
		}

		outputs := pairs(get(comp.val, "output"))
		if len(outputs) == 0 {
			want := "This " + comp.singular() + " does not contain any outputs."
			if !strings.Contains(step[:stepEnd], want) {
				c.fail(helpFile, ln, "%s %s has no outputs and must say %q", comp.singular(), comp.id, want)
			}
			continue
		}
		block := ""
		if outLoc != nil {
			after := step[outLoc[0]:]
			if k := strings.Index(after, helprow.OutputHeaderPrefix); k >= 0 {
				block = after[k:]
				if e := strings.Index(block, "\n\n"); e >= 0 {
					block = block[:e]
				}
			}
		}
		if block == "" {
			c.fail(helpFile, ln, "%s %s: no output table", comp.singular(), comp.id)
			continue
		}
		for _, e := range outputs {
			row := helprow.OutputRow(e.key.Value, e.val)
			if !strings.Contains(block, row) {
				c.fail(helpFile, ln, "%s %s: output %s needs the row %s", comp.singular(), comp.id, e.key.Value, row)
			}
		}
	}
}

func checkHelpExample(c *checker) {
	p := c.p
	if p.help == nil {
		c.fail(helpFile, 0, "help.md is missing")
		return
	}
	region, base := p.helpRegion("### Actions", "### Tasks", "### Custom Types", "### Custom Output Types", "## Troubleshooting")
	if base < 0 {
		return
	}
	first := p.lineAt(base)
	lines := strings.Split(region, "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if l != "Example input:" && l != "Example output:" {
			continue
		}
		ln := first + i

		j := i + 1
		for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
			j++
		}
		if j >= len(lines) || !strings.HasPrefix(strings.TrimSpace(lines[j]), "```") {
			c.fail(helpFile, ln, "%s must be followed by a fenced JSON block", l)
			continue
		}
		k := j + 1
		for k < len(lines) && strings.TrimSpace(lines[k]) != "```" {
			k++
		}
		if k >= len(lines) {
			c.fail(helpFile, ln, "%s: the fenced block is not closed", l)
			continue
		}
		body := strings.Join(lines[j+1:k], "\n")
		i = k

		if msg := exampleProblem(body); msg != "" {
			c.fail(helpFile, ln, "%s %s", l, msg)
		}
	}
}

// exampleProblem returns what is wrong with an example block, or "". The
// block must be JSON and hold exactly as many spaces as its 2-space
// indented form, which is how Rapid7's validator tells the indentation.
func exampleProblem(body string) string {
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "is not valid JSON: " + err.Error()
	}
	if dec.More() {
		return "holds more than one JSON value"
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return "cannot be re-encoded: " + err.Error()
	}
	if got, want := strings.Count(body, " "), strings.Count(buf.String(), " "); got != want {
		return "is not indented with 2 spaces"
	}
	return ""
}
