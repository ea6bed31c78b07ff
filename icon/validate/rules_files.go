package validate

import (
	"bytes"
	"crypto/md5" //nolint:gosec // G501: Rapid7's .CHECKSUM format is md5, not a security control
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

const dockerfile = "Dockerfile"

func checkFiles(c *checker) {
	p := c.p
	if !p.fromGit {
		c.note("the directory is not in a git work tree; file rules looked at every file on disk")
	}
	required := []string{"Makefile", specFile, dockerfile}
	if p.isPythonLayout() {
		required = append(required, "setup.py", "requirements.txt")
	}
	for _, f := range required {
		if !p.has(f) {
			c.fail(f, 0, "required file is missing")
		}
	}
}

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// maxIconSize is the exclusive upper bound on icon.png's size.
const maxIconSize = 70000

func checkIcon(c *checker) {
	p := c.p
	if !p.has("icon.png") {
		c.fail("icon.png", 0, "icon.png is missing")
	} else if data, err := p.read("icon.png"); err != nil {
		c.fail("icon.png", 0, "cannot read: %v", err)
	} else {
		if len(data) >= maxIconSize {
			c.fail("icon.png", 0, "icon.png is %d bytes; it must be under %d", len(data), maxIconSize)
		}
		if !bytes.HasPrefix(data, pngMagic) {
			c.fail("icon.png", 0, "icon.png is not a PNG image")
		}
	}

	if !p.has("extension.png") {
		c.fail("extension.png", 0, "extension.png is missing")
	} else if data, err := p.read("extension.png"); err != nil || len(data) == 0 {
		c.fail("extension.png", 0, "extension.png is empty or unreadable")
	}
}

// allowedParents are the base images DockerfileParentValidator accepts.
var allowedParents = []string{
	"komand/go-plugin-2",
	"komand/python-3-plugin",
	"komand/python-3-slim-plugin",
	"komand/python-pypy3-plugin",
	"komand/python-pypy3-full-plugin",
	"komand/python-3-37-plugin",
	"komand/python-3-37-slim-plugin",
	"rapid7/insightconnect-python-3-38-plugin",
	"rapid7/insightconnect-python-3-38-slim-plugin",
	"rapid7/insightconnect-python-3-plugin",
	"rapid7/insightconnect-python-3-slim-plugin",
}

// readDockerfile returns the Dockerfile's lines, or nil and a failure.
func readDockerfile(c *checker) []string {
	if !c.p.has(dockerfile) {
		c.fail(dockerfile, 0, "Dockerfile is missing")
		return nil
	}
	data, err := c.p.read(dockerfile)
	if err != nil {
		c.fail(dockerfile, 0, "cannot read: %v", err)
		return nil
	}
	return strings.Split(string(data), "\n")
}

// imageName returns the repository of an image reference, without tag or
// digest.
func imageName(ref string) string {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref = ref[:i]
	}
	return ref
}

func checkDockerfileParent(c *checker) {
	lines := readDockerfile(c)
	if lines == nil {
		return
	}
	hasAdd := false
	for i, l := range lines {
		if strings.HasPrefix(l, "ADD ./plugin.spec.yaml /plugin.spec.yaml") {
			hasAdd = true
		}
		if !strings.HasPrefix(l, "FROM") {
			continue
		}
		fields := strings.Fields(strings.ReplaceAll(l, "--platform=linux/amd64", ""))
		if len(fields) < 2 {
			c.fail(dockerfile, i+1, "FROM without an image")
			continue
		}
		if name := imageName(fields[1]); !slices.Contains(allowedParents, name) {
			c.fail(dockerfile, i+1, "parent image %s is not one of Rapid7's plugin base images", name)
		}
	}
	if !hasAdd {
		c.fail(dockerfile, 0, "no line starting with \"ADD ./plugin.spec.yaml /plugin.spec.yaml\"")
	}
}

// bannedWords are the words ProfanityValidator rejects, compared lower
// case with surrounding punctuation removed.
var bannedWords = []string{
	"arse", "arsehole", "asshole", "bastard", "bitch", "bollocks", "bullshit", "crap",
	"damn", "dickhead", "fuck", "fucking", "motherfucker", "piss", "shit", "wanker",
}

// words splits s at white space.
func words(s string) []string { return strings.Fields(s) }

func trimPunct(w string) string {
	return strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func checkProfanity(c *checker) {
	check := func(file string, ln int, text string) {
		for _, w := range words(text) {
			if slices.Contains(bannedWords, strings.ToLower(trimPunct(w))) {
				c.fail(file, ln, "banned word %q", trimPunct(w))
			}
		}
	}
	walkScalars(c.p.root, func(n *yaml.Node) { check(specFile, n.Line, n.Value) })
	for i, l := range c.p.helpLines {
		check(helpFile, i+1, l)
	}
}

// walkScalars calls fn for every scalar node under n, keys included.
func walkScalars(n *yaml.Node, fn func(*yaml.Node)) {
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > 128 {
			return
		}
		if n.Kind == yaml.ScalarNode {
			fn(n)
		}
		for _, ch := range n.Content {
			walk(ch, depth+1)
		}
	}
	walk(n, 0)
}

// acronyms must be written upper case where they appear as a word. "id"
// written all lower case is allowed (it is usually an identifier).
var acronyms = []string{
	"API", "AWS", "CC", "CI", "CPU", "CSV", "CVE", "DB", "DNS", "FTP", "GUID", "HTML", "HTTP",
	"HTTPS", "ID", "IO", "IOC", "IP", "JSON", "JWT", "LDAP", "MD5", "OS", "PDF", "SHA1", "SHA256",
	"SLA", "SMTP", "SQL", "SSH", "SSL", "TCP", "TLS", "UDP", "UI", "URI", "URL", "UUID", "VM",
	"VPN", "XML",
}

func acronymProblem(w string) (string, bool) {
	up := strings.ToUpper(w)
	if w == up || w == "id" || !slices.Contains(acronyms, up) {
		return "", false
	}
	return up, true
}

func checkAcronym(c *checker) {
	check := func(file string, ln int, where, text string) {
		for _, w := range words(text) {
			if up, bad := acronymProblem(w); bad {
				c.fail(file, ln, "%s%q must be written %s", where, w, up)
			}
		}
	}
	texts := func(where string, m *yaml.Node) {
		for _, k := range []string{"title", "description"} {
			if v := get(m, k); v != nil && v.Kind == yaml.ScalarNode {
				check(specFile, v.Line, where+": ", v.Value)
			}
		}
	}
	texts("plugin", c.p.root)
	for _, comp := range c.p.components() {
		texts(comp.kind+"."+comp.id, comp.val)
	}
	for _, pr := range c.p.params(secConnection, secInput, secOutput, secState) {
		texts(pr.path(), pr.val)
	}

	// help.md outside fenced blocks: example JSON holds field names, not
	// prose.
	inFence := false
	for i, l := range c.p.helpLines {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			inFence = !inFence
			continue
		}
		if !inFence {
			check(helpFile, i+1, "", l)
		}
	}
}

// jsonLine returns the line of byte offset off in data.
func jsonLine(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// parseJSONFile parses a plugin JSON file, reporting a failure when it does
// not parse.
func parseJSONFile(c *checker, f string) (any, bool) {
	data, err := c.p.read(f)
	if err != nil {
		c.fail(f, 0, "cannot read: %v", err)
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		ln := 0
		var se *json.SyntaxError
		if errors.As(err, &se) {
			ln = jsonLine(data, se.Offset)
		} else if errors.Is(err, io.ErrUnexpectedEOF) {
			ln = jsonLine(data, int64(len(data)))
		}
		c.fail(f, ln, "invalid JSON: %v", err)
		return nil, false
	}
	if dec.More() {
		c.fail(f, 0, "invalid JSON: more than one value")
		return nil, false
	}
	return v, true
}

func checkJSON(c *checker) {
	for _, f := range c.p.glob("tests/*.json") {
		parseJSONFile(c, f)
	}
}

func checkOutput(c *checker) {
	files := c.p.glob(".output/action_*.json")
	if len(files) == 0 {
		return
	}
	actions := map[string]component{}
	for _, comp := range c.p.components("actions") {
		actions[comp.id] = comp
	}
	for _, f := range files {
		id := strings.TrimSuffix(strings.TrimPrefix(path.Base(f), "action_"), ".json")
		comp, ok := actions[id]
		if !ok {
			c.fail(f, 0, "no action %q in the spec", id)
			continue
		}
		v, ok := parseJSONFile(c, f)
		if !ok {
			continue
		}
		obj, ok := v.(map[string]any)
		if !ok {
			c.fail(f, 0, "output must be a JSON object")
			continue
		}
		outs := pairs(get(comp.val, "output"))
		known := map[string]bool{}
		for _, e := range outs {
			known[e.key.Value] = true
			val, present := obj[e.key.Value]
			if !present {
				if isTrue(e.val, "required") {
					c.fail(f, 0, "required output %s is missing", e.key.Value)
				}
				continue
			}
			t, _ := scalar(e.val, "type")
			if !matchesType(t, val) {
				c.fail(f, 0, "output %s is not of type %s", e.key.Value, t)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			if !known[k] {
				c.fail(f, 0, "output %s is not in the spec", k)
			}
		}
	}
}

// matchesType reports whether the JSON value v fits the spec type t. Custom
// and credential types only need to be objects; nulls pass, as the Python
// schema allows them for optional values.
func matchesType(t string, v any) bool {
	if v == nil {
		return true
	}
	if elem, ok := strings.CutPrefix(t, "[]"); ok {
		list, ok := v.([]any)
		if !ok {
			return false
		}
		for _, e := range list {
			if !matchesType(elem, e) {
				return false
			}
		}
		return true
	}
	switch t {
	case "string", "text", "date", "date-time", "bytes", "password", "python":
		_, ok := v.(string)
		return ok
	case "integer", "int":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		_, err := n.Int64()
		return err == nil
	case "number", "float":
		_, ok := v.(json.Number)
		return ok
	case "boolean", "bool":
		_, ok := v.(bool)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	}
	_, ok := v.(map[string]any)
	return ok
}

// checksumFile is the layout of .CHECKSUM.
type checksumFile struct {
	Spec     string  `json:"spec"`
	Manifest string  `json:"manifest"`
	Setup    *string `json:"setup"`
	Schemas  []struct {
		Identifier string `json:"identifier"`
		Hash       string `json:"hash"`
	} `json:"schemas"`
}

func md5Hex(data []byte) string {
	sum := md5.Sum(data) //nolint:gosec // G401: the .CHECKSUM format Rapid7 defines is md5
	return hex.EncodeToString(sum[:])
}

func (p *plugin) md5Of(f string) string {
	data, err := p.read(f)
	if err != nil {
		return "missing"
	}
	return md5Hex(data)
}

func checkRegeneration(c *checker) {
	const file = ".CHECKSUM"
	p := c.p
	if !p.has(file) {
		c.note("no .CHECKSUM; nothing to compare")
		return
	}
	data, err := p.read(file)
	if err != nil {
		c.fail(file, 0, "cannot read: %v", err)
		return
	}
	var sum checksumFile
	if err := json.Unmarshal(data, &sum); err != nil {
		c.fail(file, 0, "invalid JSON: %v", err)
		return
	}

	if got := md5Hex(p.specData); sum.Spec != got {
		c.fail(file, 0, "spec hash %s does not match plugin.spec.yaml (%s); regenerate the plugin", sum.Spec, got)
	}

	want := map[string]string{}
	var manifest string
	if p.has("setup.py") {
		if bins := p.glob("bin/*"); len(bins) > 0 {
			manifest = p.md5Of(bins[0])
		}
		for _, f := range p.files {
			if path.Base(f) == "schema.py" {
				want[path.Base(path.Dir(f))+"/schema.py"] = p.md5Of(f)
			}
		}
	} else {
		manifest = p.md5Of("cmd/main.go")
		for _, dir := range []string{"actions", "triggers"} {
			for _, f := range p.glob(dir + "/*") {
				if !strings.Contains(path.Base(f), "_custom.go") {
					want[f] = p.md5Of(f)
				}
			}
		}
		want["connection/connection.go"] = p.md5Of("connection/connection.go")
	}
	if sum.Manifest != manifest {
		c.fail(file, 0, "manifest hash %s does not match (%s); regenerate the plugin", sum.Manifest, manifest)
	}

	got := map[string]string{}
	for _, s := range sum.Schemas {
		got[s.Identifier] = s.Hash
	}
	for _, id := range slices.Sorted(maps.Keys(want)) {
		if got[id] != want[id] {
			c.fail(file, 0, "schema %s hash %q does not match (%s)", id, got[id], want[id])
		}
	}
	for _, id := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[id]; !ok {
			c.fail(file, 0, "schema %s is listed but no such file exists", id)
		}
	}
}

var (
	pythonParentRE = regexp.MustCompile(`^FROM\s+(?:--platform=linux/amd64\s+)?rapid7/insightconnect-python-3(?:-slim)?-plugin:(\S+)`)
	komandImportRE = regexp.MustCompile(`(?m)^\s*(?:from|import)\s+komand\b`)
)

func (p *plugin) pythonFiles() []string {
	var out []string
	for _, f := range p.files {
		if strings.HasSuffix(f, ".py") {
			out = append(out, f)
		}
	}
	return out
}

func checkRuntime(c *checker) {
	p := c.p
	if data, err := p.read(dockerfile); err == nil && p.has("setup.py") {
		for i, l := range strings.Split(string(data), "\n") {
			m := pythonParentRE.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			if m[1] != "latest" {
				c.note("%s:%d: tag %s cannot be compared with Docker Hub's newest tags offline", dockerfile, i+1, m[1])
			}
		}
	}

	for _, f := range p.pythonFiles() {
		data, err := p.read(f)
		if err != nil {
			continue
		}
		if loc := komandImportRE.FindIndex(data); loc != nil {
			c.fail(f, jsonLine(data, int64(loc[0])), "komand is imported; use insightconnect_plugin_runtime")
		}
	}

	if !isTrue(p.root, "cloud_ready") {
		return
	}
	for _, kind := range []string{"actions", "tasks"} {
		dir := firstMatchDir(p, kind)
		if dir == "" {
			c.note("no */%s directory; the cloud_ready cache check has nothing to look at", kind)
			continue
		}
		for _, f := range p.files {
			if !strings.HasPrefix(f, dir+"/") {
				continue
			}
			data, err := p.read(f)
			if err != nil {
				continue
			}
			if i := bytes.Index(data, []byte("cache")); i >= 0 {
				c.fail(f, jsonLine(data, int64(i)), "a cloud_ready plugin must not use a cache")
			}
		}
	}
}

// firstMatchDir returns the first directory, in sorted order, matching
// <dir>/*/<name> that holds a file, or "".
func firstMatchDir(p *plugin, name string) string {
	var dirs []string
	for _, f := range p.files {
		parts := strings.Split(f, "/")
		if len(parts) >= 3 && parts[1] == name {
			dirs = append(dirs, parts[0]+"/"+name)
		}
	}
	if len(dirs) == 0 {
		return ""
	}
	sort.Strings(dirs)
	return dirs[0]
}

var pinOps = []string{"==", "<", ">", "~=", "!="}

func checkVersionPin(c *checker) {
	const file = "requirements.txt"
	p := c.p
	if !p.has(file) {
		if p.isPythonLayout() {
			c.fail(file, 0, "a Python plugin needs a requirements.txt with pinned versions")
			return
		}
		c.note("no requirements.txt and not a Python layout: a Go plugin pins its dependencies in go.mod/go.sum")
		return
	}
	data, err := p.read(file)
	if err != nil {
		c.fail(file, 0, "cannot read: %v", err)
		return
	}
	if strings.TrimSpace(string(data)) == "" {
		c.fail(file, 0, "requirements.txt is empty")
		return
	}
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "git+") {
			continue
		}
		pinned := false
		for _, op := range pinOps {
			if strings.Contains(l, op) {
				pinned = true
			}
		}
		if !pinned {
			c.fail(file, i+1, "%q is not pinned to a version", l)
		}
	}
}

var cloudReadyParentRE = regexp.MustCompile(
	`^FROM\s+(?:--platform=linux/amd64\s+)?rapid7/insightconnect-python-3(?:-slim)?-plugin:(?:(?:[4-9]|[1-9][0-9])(?:\.[0-9]+)*|latest)(?:\s|$)`)

var pythonExecRE = regexp.MustCompile(`os\.system\(|\bexec\(|subprocess\.run`)

func checkCloudReady(c *checker) {
	p := c.p
	if !isTrue(p.root, "cloud_ready") {
		return
	}
	if isTrue(p.root, "enable_cache") {
		k, _ := lookup(p.root, "enable_cache")
		c.fail(specFile, k.Line, "enable_cache must not be true in a cloud_ready plugin")
	}
	for _, f := range p.pythonFiles() {
		data, err := p.read(f)
		if err != nil {
			continue
		}
		if loc := pythonExecRE.FindIndex(data); loc != nil {
			c.fail(f, jsonLine(data, int64(loc[0])), "a cloud_ready plugin must not run commands (%s)", data[loc[0]:loc[1]])
		}
	}

	data, err := p.read(dockerfile)
	if err != nil {
		c.fail(dockerfile, 0, "Dockerfile is missing")
		return
	}
	text := string(data)
	if !cloudReadyParentRE.MatchString(text) {
		c.fail(dockerfile, 1, "a cloud_ready plugin's Dockerfile must start with FROM rapid7/insightconnect-python-3(-slim)-plugin:<4 or later>")
	}
	if !strings.Contains(text, "USER nobody") {
		c.fail(dockerfile, 0, "a cloud_ready plugin must run as USER nobody")
	}
	for _, w := range []string{"apt", "apk", "dpkg"} {
		if i := strings.Index(text, w); i >= 0 {
			c.fail(dockerfile, jsonLine(data, int64(i)), "a cloud_ready plugin must not install packages (%q found)", w)
		}
	}
}

func checkDocker(c *checker) {
	c.note("needs a Docker engine (docker build, then docker run ... info) and is not run")
}

func checkURL(c *checker) {
	c.note("needs the network (a HEAD request to every URL) and is not run")
}

// jsonDecode decodes a single JSON value with numbers kept as json.Number.
func jsonDecode(data []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, false
	}
	return v, true
}
