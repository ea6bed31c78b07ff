package validate

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/haloconnect/icon-haloitsm/icon/helpdoc/helprow"
)

// semver converts the three captured version parts to numbers.
func semver(parts []string) []int {
	v := make([]int, len(parts))
	for i, s := range parts {
		v[i], _ = strconv.Atoi(s)
	}
	return v
}

// parseVersion parses "X.Y.Z"; ok is false otherwise.
func parseVersion(s string) ([]int, bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return nil, false
	}
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil || p == "" {
			return nil, false
		}
	}
	return semver(parts), true
}

// compareVersions returns -1, 0 or 1 as a is below, equal to or above b.
func compareVersions(a, b []int) int {
	for i := range min(len(a), len(b)) {
		switch {
		case a[i] < b[i]:
			return -1
		case a[i] > b[i]:
			return 1
		}
	}
	return 0
}

// git runs git in dir and returns its stdout. Callers pass a revision
// only after checking it with safeRef.
func git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	//nolint:gosec // G204: a fixed git subcommand; revisions are checked by safeRef first
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}

// safeRef reports whether ref can be handed to git as a revision: it
// must not read as an option (a leading '-', such as --output=FILE for
// git show) nor carry a path (':'), whitespace or control characters.
func safeRef(ref string) bool {
	if ref == "" || strings.HasPrefix(ref, "-") {
		return false
	}
	return !strings.ContainsFunc(ref, func(r rune) bool {
		return r == ':' || unicode.IsSpace(r) || unicode.IsControl(r)
	})
}

func checkVersionBump(c *checker) {
	p := c.p
	ref := p.opts.GitRef
	if ref == "" {
		if n := len(stringList(get(p.root, "version_history"))); n > 1 {
			c.note("no git ref given (--git-ref); the comparison with the previous release is not run")
		}
		return
	}
	if !safeRef(ref) {
		c.fail(specFile, 0, "git ref %q is not a revision: it must not start with '-' "+
			"or contain ':', spaces or control characters", ref)
		return
	}

	if _, err := git(c.ctx, p.dir, "rev-parse", "--verify", "--quiet", ref+"^{commit}"); err != nil {
		c.fail(specFile, 0, "git ref %q does not name a commit", ref)
		return
	}
	prefix, err := git(c.ctx, p.dir, "rev-parse", "--show-prefix")
	if err != nil {
		c.fail(specFile, 0, "the plugin directory is not in a git work tree")
		return
	}
	old, err := git(c.ctx, p.dir, "show", ref+":"+strings.TrimSpace(string(prefix))+specFile)
	if err != nil {
		c.note("%s has no plugin.spec.yaml: a new plugin, nothing to compare", ref)
		return
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(old, &doc); err != nil {
		c.fail(specFile, 0, "the spec at %s does not parse: %v", ref, err)
		return
	}
	compareSpecs(c, ref, helprow.Resolve(&doc), p.root)
}

// specChange is what changed between two specs.
type specChange struct {
	breaking []string // need a major bump
	added    []string // need at least a minor bump
	changed  bool     // anything at all differs
}

func compareSpecs(c *checker, ref string, old, cur *yaml.Node) {
	oldV, ok1 := parseVersion(scalarOr(old, "version"))
	curV, ok2 := parseVersion(scalarOr(cur, "version"))
	if !ok1 || !ok2 {
		return // VersionValidator reports the format
	}
	vline := line(get(cur, "version"))

	var ch specChange
	ch.changed = !sameValue(old, cur)
	for _, kind := range componentKinds {
		compareComponents(&ch, kind, get(old, kind), get(cur, kind))
	}
	connChanged := !sameValue(get(old, "connection"), get(cur, "connection"))
	compareParams(&ch, "connection", get(old, "connection"), get(cur, "connection"), true)

	switch cmp := compareVersions(curV, oldV); {
	case cmp < 0:
		c.fail(specFile, vline, "version %s is lower than %s at %s", scalarOr(cur, "version"), scalarOr(old, "version"), ref)
	case len(ch.breaking) > 0 && curV[0] <= oldV[0]:
		c.fail(specFile, vline, "breaking changes since %s need a major version bump: %s", ref, strings.Join(ch.breaking, "; "))
	case len(ch.added) > 0 && curV[0] == oldV[0] && curV[1] <= oldV[1]:
		c.fail(specFile, vline, "additions since %s need a minor version bump: %s", ref, strings.Join(ch.added, "; "))
	case ch.changed && cmp == 0:
		c.fail(specFile, vline, "the spec changed since %s but the version is still %s", ref, scalarOr(cur, "version"))
	}

	oldCV, okOld := intValue(get(old, "connection_version"))
	curCV, okCur := intValue(get(cur, "connection_version"))
	if !okOld || !okCur {
		return
	}
	cvline := line(get(cur, "connection_version"))
	switch {
	case connChanged && curCV != oldCV+1:
		c.fail(specFile, cvline, "the connection changed since %s: connection_version must be %d, got %d", ref, oldCV+1, curCV)
	case !connChanged && curCV != oldCV:
		c.fail(specFile, cvline, "the connection did not change since %s: connection_version must stay %d, got %d", ref, oldCV, curCV)
	}
}

func scalarOr(m *yaml.Node, key string) string {
	s, _ := scalar(m, key)
	return s
}

func intValue(n *yaml.Node) (int, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, false
	}
	i, err := strconv.Atoi(n.Value)
	return i, err == nil
}

// sameValue reports whether two nodes hold the same data, whatever their
// layout, comments or lines.
func sameValue(a, b *yaml.Node) bool {
	var va, vb any
	if a != nil {
		if err := a.Decode(&va); err != nil {
			return false
		}
	}
	if b != nil {
		if err := b.Decode(&vb); err != nil {
			return false
		}
	}
	return reflect.DeepEqual(va, vb)
}

// compareComponents compares the components of one kind (actions,
// triggers or tasks) by id, and the input and output of each kept one.
func compareComponents(ch *specChange, kind string, old, cur *yaml.Node) {
	compareKeys(ch, kind, old, cur,
		func(key string, o, n *yaml.Node) {
			where := kind + "." + key
			compareParams(ch, where+".input", get(o, "input"), get(n, "input"), true)
			compareParams(ch, where+".output", get(o, "output"), get(n, "output"), false)
		},
		func(key string, _ *yaml.Node) {
			ch.added = append(ch.added, fmt.Sprintf("%s.%s added", kind, key))
		})
}

// compareParams records removed, retyped and newly required parameters
// as breaking, and new parameters as additions. For inputs (isInput), a
// new required parameter is breaking, because existing workflows do not
// supply it.
func compareParams(ch *specChange, where string, old, cur *yaml.Node, isInput bool) {
	compareKeys(ch, where, old, cur,
		func(key string, o, n *yaml.Node) {
			if scalarOr(o, "type") != scalarOr(n, "type") {
				ch.breaking = append(ch.breaking, fmt.Sprintf("%s.%s type changed", where, key))
			}
			if isInput && !isTrue(o, "required") && isTrue(n, "required") {
				ch.breaking = append(ch.breaking, fmt.Sprintf("%s.%s became required", where, key))
			}
		},
		func(key string, n *yaml.Node) {
			if isInput && isTrue(n, "required") {
				ch.breaking = append(ch.breaking, fmt.Sprintf("%s.%s added as required", where, key))
			} else {
				ch.added = append(ch.added, fmt.Sprintf("%s.%s added", where, key))
			}
		})
}

// compareKeys matches the entries of the mappings old and cur by key. In
// old's order, a key missing from cur is recorded as "<where>.<key>
// removed", a breaking change, and kept is called for a key in both;
// then, in cur's order, added is called for each key missing from old.
func compareKeys(ch *specChange, where string, old, cur *yaml.Node,
	kept func(key string, o, n *yaml.Node), added func(key string, n *yaml.Node)) {
	curVals := map[string]*yaml.Node{}
	for _, e := range pairs(cur) {
		curVals[e.key.Value] = e.val
	}
	inOld := map[string]bool{}
	for _, e := range pairs(old) {
		inOld[e.key.Value] = true
		nv, ok := curVals[e.key.Value]
		if !ok {
			ch.breaking = append(ch.breaking, fmt.Sprintf("%s.%s removed", where, e.key.Value))
			continue
		}
		kept(e.key.Value, e.val, nv)
	}
	for _, e := range pairs(cur) {
		if !inOld[e.key.Value] {
			added(e.key.Value, e.val)
		}
	}
}
