package validate

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/haloconnect/icon-haloitsm/icon/helpdoc/helprow"
)

// Well-known file names, relative to the plugin directory.
const (
	specFile = "plugin.spec.yaml"
	helpFile = "help.md"
)

// plugin is everything the rules look at, read once.
type plugin struct {
	dir  string
	opts Options

	specData []byte
	// root is the top-level mapping node of plugin.spec.yaml.
	root *yaml.Node

	help      []byte // nil when help.md is missing
	helpLines []string

	// files lists the plugin's files as slash-separated paths relative to
	// dir, sorted. See listFiles for which files count.
	files []string
	// fromGit reports whether files came from git rather than a
	// directory walk.
	fromGit bool
}

// load reads the plugin directory. Only a missing or unparsable
// plugin.spec.yaml is an error: every other problem is a rule's business.
func load(ctx context.Context, dir string, opts Options) (*plugin, error) {
	p := &plugin{dir: dir, opts: opts}

	data, err := os.ReadFile(filepath.Join(dir, specFile))
	if err != nil {
		return nil, fmt.Errorf("validate: read %s: %w", specFile, err)
	}
	p.specData = data

	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("validate: parse %s: %w", specFile, err)
	}
	root := helprow.Resolve(&doc)
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("validate: parse %s: the document is not a mapping", specFile)
	}
	p.root = root

	if h, err := os.ReadFile(filepath.Join(dir, helpFile)); err == nil {
		p.help = h
		p.helpLines = strings.Split(string(h), "\n")
	}

	p.files, p.fromGit, err = listFiles(ctx, dir)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// listFiles returns the files that make up the plugin as it is packaged
// and committed.
//
// When dir is inside a git work tree, that is what git would commit: the
// tracked files plus untracked files that are not ignored, which exist on
// disk. Build output is ignored by git (bin/ holds the compiled plugin in
// a Go plugin), and Rapid7's FilesValidator treats a top-level bin/ as
// the mark of a Python plugin, so a directory listing would misjudge a Go
// plugin whose developer has run a build. Outside git the directory
// listing is all there is, and it is used instead. Directories named .git
// are never listed.
func listFiles(ctx context.Context, dir string) (files []string, fromGit bool, err error) {
	if files, ok := gitFiles(ctx, dir); ok {
		return files, true, nil
	}

	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("validate: list files: %w", err)
	}
	sort.Strings(files)
	return files, false, nil
}

// gitFiles lists dir's files through git. ok is false when git is not
// installed or dir is not in a work tree.
func gitFiles(ctx context.Context, dir string) (files []string, ok bool) {
	// Paths print relative to dir because git runs there (-C).
	cmd := exec.CommandContext(ctx, "git", "-C", dir, "ls-files", "-z",
		"--cached", "--others", "--exclude-standard", "--", ".")
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return nil, false
	}

	seen := map[string]bool{}
	for _, f := range strings.Split(out.String(), "\x00") {
		if f == "" || seen[f] {
			continue
		}
		seen[f] = true
		// A tracked file deleted from the work tree is not part of the
		// plugin any more.
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			continue
		}
		files = append(files, f)
	}
	sort.Strings(files)
	return files, true
}

// has reports whether the plugin has the file rel.
func (p *plugin) has(rel string) bool {
	i := sort.SearchStrings(p.files, rel)
	return i < len(p.files) && p.files[i] == rel
}

// hasDir reports whether the plugin has a file under the directory rel.
func (p *plugin) hasDir(rel string) bool {
	prefix := strings.TrimSuffix(rel, "/") + "/"
	i := sort.SearchStrings(p.files, prefix)
	return i < len(p.files) && strings.HasPrefix(p.files[i], prefix)
}

// glob returns the plugin's files matching the path.Match pattern.
func (p *plugin) glob(pattern string) []string {
	var out []string
	for _, f := range p.files {
		if ok, _ := path.Match(pattern, f); ok {
			out = append(out, f)
		}
	}
	return out
}

// read returns the contents of the plugin file rel.
func (p *plugin) read(rel string) ([]byte, error) {
	return os.ReadFile(filepath.Join(p.dir, filepath.FromSlash(rel)))
}

// isGoLayout reports whether the plugin is laid out as a Go plugin in
// FilesValidator's sense: a top-level connection/ directory.
func (p *plugin) isGoLayout() bool { return p.hasDir("connection") }

// isPythonLayout reports whether the plugin is laid out as a Python plugin:
// no top-level connection/ directory, but a bin/ directory or a setup.py.
func (p *plugin) isPythonLayout() bool {
	return !p.isGoLayout() && (p.hasDir("bin") || p.has("setup.py"))
}

// pair is one key and value of a YAML mapping.
type pair struct {
	key, val *yaml.Node
}

// pairs returns the entries of the mapping m in order; nil when m is not a
// mapping.
func pairs(m *yaml.Node) []pair {
	m = helprow.Resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]pair, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		out = append(out, pair{m.Content[i], helprow.Resolve(m.Content[i+1])})
	}
	return out
}

// lookup returns the key and value nodes of key in mapping m, or nils.
func lookup(m *yaml.Node, key string) (k, v *yaml.Node) {
	for _, e := range pairs(m) {
		if e.key.Value == key {
			return e.key, e.val
		}
	}
	return nil, nil
}

// get returns the value node of key in mapping m, or nil.
func get(m *yaml.Node, key string) *yaml.Node {
	_, v := lookup(m, key)
	return v
}

// scalar returns the value of key in m when it is a scalar.
func scalar(m *yaml.Node, key string) (string, bool) {
	v := get(m, key)
	if v == nil || v.Kind != yaml.ScalarNode {
		return "", false
	}
	return v.Value, true
}

// isTrue reports whether key in m is the YAML boolean true.
func isTrue(m *yaml.Node, key string) bool {
	v := get(m, key)
	if v == nil || v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
		return false
	}
	var b bool
	return v.Decode(&b) == nil && b
}

// isNull reports whether n is missing or a YAML null.
func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// stringList returns the scalar items of the sequence n.
func stringList(n *yaml.Node) []string {
	n = helprow.Resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	var out []string
	for _, c := range n.Content {
		if c = helprow.Resolve(c); c != nil && c.Kind == yaml.ScalarNode {
			out = append(out, c.Value)
		}
	}
	return out
}
