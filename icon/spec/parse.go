package spec

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is a problem found while parsing a spec. Line is the 1-based line
// of the offending YAML node, or 0 when unknown.
type Error struct {
	Line int
	// Path names where the problem is, e.g. `action "get_ticket": input "id"`.
	Path string
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("spec: ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem Parse found, in document order. It is what Parse
// returns when the spec is invalid; errors.As reaches each *Error.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap exposes the individual errors to errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Parse reads a plugin.spec.yaml strictly: unknown keys, values of the wrong
// YAML type and malformed type names are errors carrying line numbers. All
// problems are reported together as Errors. Parameters, actions, triggers,
// tasks and types keep their declaration order.
func Parse(data []byte) (*Spec, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &Error{Msg: "empty document"}
	}
	p := &parser{}
	s := p.spec(doc.Content[0])
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	s.Root = &doc
	if err := s.checkTypes(); err != nil {
		return nil, err
	}
	return s, nil
}

type parser struct {
	errs Errors
}

func (p *parser) fail(n *yaml.Node, path, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, &Error{Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// entry is one key/value pair of a YAML mapping.
type entry struct {
	key string
	k   *yaml.Node
	v   *yaml.Node
}

// mapping returns n's entries, or reports n as the wrong kind.
func (p *parser) mapping(n *yaml.Node, path string) ([]entry, bool) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, true
	}
	if n.Kind != yaml.MappingNode {
		p.fail(n, path, "expected a mapping, got %s", kindName(n))
		return nil, false
	}
	out := make([]entry, 0, len(n.Content)/2)
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			p.fail(k, path, "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		out = append(out, entry{key: k.Value, k: k, v: deref(v)})
	}
	return out, true
}

// fields walks the mapping n at path in order: a key outside allowed is
// reported as unknown, and set is called with every other entry and the
// path of its value. It reports false, having reported n, when n is not
// a mapping.
func (p *parser) fields(n *yaml.Node, path string, allowed map[string]bool,
	set func(e entry, sub string)) bool {
	entries, ok := p.mapping(n, path)
	if !ok {
		return false
	}
	for _, e := range entries {
		if !allowed[e.key] {
			p.fail(e.k, path, "unknown key %q", e.key)
			continue
		}
		set(e, join(path, e.key))
	}
	return true
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!str":
			return "string"
		case "!!int":
			return "integer"
		case "!!float":
			return "number"
		case "!!bool":
			return "boolean"
		case "!!null":
			return "null"
		case "!!timestamp":
			return "timestamp"
		}
		return "scalar " + n.Tag
	}
	return "unknown node"
}

// str reads a string scalar. Numbers and timestamps written without quotes
// are accepted as their text (version: 1.0.0 is a string in YAML anyway).
func (p *parser) str(n *yaml.Node, path string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" || n.Tag == "!!bool" {
		p.fail(n, path, "expected string, got %s", kindName(n))
		return ""
	}
	return n.Value
}

func (p *parser) boolean(n *yaml.Node, path string) bool {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		p.fail(n, path, "expected boolean, got %s", kindName(n))
		return false
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		p.fail(n, path, "expected boolean: %v", err)
	}
	return b
}

func (p *parser) integer(n *yaml.Node, path string) int {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		p.fail(n, path, "expected integer, got %s", kindName(n))
		return 0
	}
	var i int
	if err := n.Decode(&i); err != nil {
		p.fail(n, path, "expected integer: %v", err)
	}
	return i
}

// strings reads a list of strings; a single string is not accepted.
func (p *parser) strs(n *yaml.Node, path string) []string {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.fail(n, path, "expected a list of strings, got %s", kindName(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		out = append(out, p.str(deref(c), fmt.Sprintf("%s[%d]", path, i)))
	}
	return out
}

func join(path, next string) string {
	if path == "" {
		return next
	}
	return path + ": " + next
}

func (p *parser) spec(root *yaml.Node) *Spec {
	s := &Spec{}
	entries, ok := p.mapping(root, "")
	if !ok {
		return s
	}
	for _, e := range entries {
		path := fmt.Sprintf("key %q", e.key)
		switch e.key {
		case "plugin_spec_version":
			s.PluginSpecVersion = p.str(e.v, path)
		case "extension":
			s.Extension = p.str(e.v, path)
		case "products":
			s.Products = p.strs(e.v, path)
		case "name":
			s.Name = p.str(e.v, path)
		case "title":
			s.Title = p.str(e.v, path)
		case "description":
			s.Description = p.str(e.v, path)
		case "version":
			s.Version = p.str(e.v, path)
		case "connection_version":
			s.ConnectionVersion = p.integer(e.v, path)
		case "supported_versions":
			s.SupportedVersions = p.strs(e.v, path)
		case "vendor":
			s.Vendor = p.str(e.v, path)
		case "support":
			s.Support = p.str(e.v, path)
		case "status":
			s.Status = p.strs(e.v, path)
		case "cloud_ready":
			s.CloudReady = p.boolean(e.v, path)
		case "enable_cache":
			s.EnableCache = p.boolean(e.v, path)
		case "resources":
			s.Resources = p.resources(e.v, path)
		case "tags":
			s.Tags = p.strs(e.v, path)
		case "hub_tags":
			s.HubTags = p.hubTags(e.v, path)
		case "key_features":
			s.KeyFeatures = p.strs(e.v, path)
		case "requirements":
			s.Requirements = p.strs(e.v, path)
		case "links":
			s.Links = p.strs(e.v, path)
		case "references":
			s.References = p.strs(e.v, path)
		case "troubleshooting":
			s.Troubleshooting = p.strs(e.v, path)
		case "version_history":
			s.VersionHistory = p.strs(e.v, path)
		case "sdk":
			s.SDK = p.sdk(e.v, path)
		case "connection":
			s.Connection = p.params(e.v, "", "connection field", paramKeys)
		case "types":
			s.Types = p.types(e.v)
		case "actions":
			s.Actions = p.components(e.v, "action", componentKeys)
		case "triggers":
			s.Triggers = p.components(e.v, "trigger", componentKeys)
		case "tasks":
			s.Tasks = p.components(e.v, "task", taskKeys)
		default:
			p.fail(e.k, "", "unknown key %q", e.key)
		}
	}
	return s
}

func (p *parser) resources(n *yaml.Node, path string) map[string]string {
	entries, ok := p.mapping(n, path)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		switch e.key {
		case "source_url", "license_url", "vendor_url", "docs_url":
			if e.v.Tag == "!!null" {
				p.fail(e.v, path, "%s must not be null", e.key)
				continue
			}
			out[e.key] = p.str(e.v, join(path, e.key))
		default:
			p.fail(e.k, path, "unknown key %q", e.key)
		}
	}
	return out
}

func (p *parser) hubTags(n *yaml.Node, path string) HubTags {
	var h HubTags
	entries, ok := p.mapping(n, path)
	if !ok {
		return h
	}
	for _, e := range entries {
		switch e.key {
		case "use_cases":
			h.UseCases = p.strs(e.v, join(path, e.key))
		case "keywords":
			h.Keywords = p.strs(e.v, join(path, e.key))
		case "features":
			h.Features = p.strs(e.v, join(path, e.key))
		default:
			p.fail(e.k, path, "unknown key %q", e.key)
		}
	}
	return h
}

func (p *parser) sdk(n *yaml.Node, path string) *SDK {
	s := &SDK{}
	entries, ok := p.mapping(n, path)
	if !ok {
		return s
	}
	for _, e := range entries {
		sub := join(path, e.key)
		switch e.key {
		case "type":
			s.Type = p.str(e.v, sub)
		case "version":
			s.Version = p.str(e.v, sub)
		case "user":
			s.User = p.str(e.v, sub)
		case "custom_cmd":
			if e.v.Kind == yaml.ScalarNode && e.v.Tag == "!!str" {
				s.CustomCmd = []string{e.v.Value}
			} else {
				s.CustomCmd = p.strs(e.v, sub)
			}
		case "packages":
			s.Packages = p.strs(e.v, sub)
		default:
			p.fail(e.k, path, "unknown key %q", e.key)
		}
	}
	return s
}

// Key sets allowed on each kind of parameter and component.
var (
	paramKeys = keySet("title", "type", "description", "required", "default", "enum",
		"order", "example", "excludeProduct", "placeholder", "tooltip")
	outputKeys    = keySet(append(keys(paramKeys), "persist_state")...)
	stateKeys     = keySet("title", "description", "type")
	scheduleKeys  = keySet("title", "type", "enum", "default")
	componentKeys = keySet("title", "description", "input", "output", "action_type")
	taskKeys      = keySet("title", "description", "input", "output", "state", "schedule")
)

func keySet(ks ...string) map[string]bool {
	m := make(map[string]bool, len(ks))
	for _, k := range ks {
		m[k] = true
	}
	return m
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func (p *parser) types(n *yaml.Node) []Type {
	entries, ok := p.mapping(n, "types")
	if !ok {
		return nil
	}
	out := make([]Type, 0, len(entries))
	for _, e := range entries {
		path := fmt.Sprintf("type %q", e.key)
		out = append(out, Type{
			Name:   e.key,
			Fields: p.params(e.v, path, "field", paramKeys),
			Line:   e.k.Line,
			Node:   e.v,
		})
	}
	return out
}

func (p *parser) components(n *yaml.Node, kind string, allowed map[string]bool) []Component {
	entries, ok := p.mapping(n, kind+"s")
	if !ok {
		return nil
	}
	out := make([]Component, 0, len(entries))
	for _, e := range entries {
		out = append(out, p.component(e, kind, allowed))
	}
	return out
}

func (p *parser) component(ce entry, kind string, allowed map[string]bool) Component {
	c := Component{ID: ce.key, Line: ce.k.Line, Node: ce.v}
	path := fmt.Sprintf("%s %q", kind, ce.key)
	p.fields(ce.v, path, allowed, func(e entry, sub string) {
		switch e.key {
		case "title":
			c.Title = p.str(e.v, sub)
		case "description":
			c.Description = p.str(e.v, sub)
		case "action_type":
			c.ActionType = p.str(e.v, sub)
		case "input":
			c.Input = p.params(e.v, path, "input", paramKeys)
		case "output":
			keys := paramKeys
			if kind == "task" {
				keys = outputKeys
			}
			c.Output = p.params(e.v, path, "output", keys)
		case "state":
			c.State = p.params(e.v, path, "state", stateKeys)
		case "schedule":
			sched := p.param(e, path, "schedule", scheduleKeys, 0)
			sched.ID = "schedule"
			c.Schedule = &sched
		}
	})
	return c
}

func (p *parser) params(n *yaml.Node, path, what string, allowed map[string]bool) []Param {
	entries, ok := p.mapping(n, path)
	if !ok {
		return nil
	}
	out := make([]Param, 0, len(entries))
	for i, e := range entries {
		out = append(out, p.param(e, path, what, allowed, i+1))
	}
	return out
}

func (p *parser) param(pe entry, path, what string, allowed map[string]bool, pos int) Param {
	prm := Param{ID: pe.key, Node: pe.v, Line: pe.k.Line, Order: pos}
	path = join(path, fmt.Sprintf("%s %q", what, pe.key))
	ok := p.fields(pe.v, path, allowed, func(e entry, sub string) {
		switch e.key {
		case "title":
			prm.Title = p.str(e.v, sub)
		case "description":
			prm.Description = p.str(e.v, sub)
		case "type":
			prm.Type = p.str(e.v, sub)
		case "required":
			prm.Required = p.boolean(e.v, sub)
		case "default":
			prm.Default, prm.HasDefault = Value(e.v), true
		case "enum":
			if e.v.Kind != yaml.SequenceNode {
				p.fail(e.v, sub, "expected a list, got %s", kindName(e.v))
				return
			}
			prm.Enum, _ = Value(e.v).([]any)
		case "example":
			prm.Example, prm.HasExample = Value(e.v), true
		case "order":
			prm.Order, prm.HasOrder = p.integer(e.v, sub), true
		case "placeholder":
			prm.Placeholder = p.str(e.v, sub)
		case "tooltip":
			prm.Tooltip = p.str(e.v, sub)
		case "excludeProduct":
			prm.ExcludeProduct = Value(e.v)
		case "persist_state":
			prm.PersistState = p.boolean(e.v, sub)
		}
	})
	if !ok {
		return prm
	}
	if prm.Type == "" {
		p.fail(pe.k, path, "missing key \"type\"")
	}
	return prm
}

// Value converts a YAML node to a plain Go value: string, int, float64,
// bool, nil, []any or map[string]any. Timestamps stay the string they were
// written as, and mapping keys are their text.
func Value(n *yaml.Node) any {
	n = deref(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return Value(n.Content[0])
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			out = append(out, Value(c))
		}
		return out
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			out[n.Content[i].Value] = Value(n.Content[i+1])
		}
		return out
	}
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int":
		var i int
		if n.Decode(&i) == nil {
			return i
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil {
			return f
		}
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	}
	return n.Value
}

// checkTypes reports parameters whose type names neither a base type nor a
// declared custom type.
func (s *Spec) checkTypes() error {
	var errs Errors
	check := func(path string, ps []Param) {
		for _, prm := range ps {
			if !s.knownType(prm.Type) {
				errs = append(errs, &Error{
					Line: prm.Line,
					Path: fmt.Sprintf("%s %q", path, prm.ID),
					Msg:  fmt.Sprintf("unknown type %q", prm.Type),
				})
			}
		}
	}
	check("connection", s.Connection)
	for _, t := range s.Types {
		check(fmt.Sprintf("type %q: field", t.Name), t.Fields)
	}
	for kind, cs := range map[string][]Component{"action": s.Actions, "trigger": s.Triggers, "task": s.Tasks} {
		for _, c := range cs {
			path := fmt.Sprintf("%s %q: ", kind, c.ID)
			if c.Schedule != nil {
				check(path+"schedule", []Param{*c.Schedule})
			}
			check(path+"input", c.Input)
			check(path+"output", c.Output)
			check(path+"state", c.State)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	sortErrors(errs)
	return errs
}

func sortErrors(es Errors) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].Line < es[j-1].Line; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

func (s *Spec) knownType(t string) bool {
	t = strings.TrimPrefix(t, "[]")
	if _, ok := baseTypes[t]; ok {
		return true
	}
	return s.typeByName(t) != nil
}

func (s *Spec) typeByName(name string) *Type {
	for i := range s.Types {
		if s.Types[i].Name == name {
			return &s.Types[i]
		}
	}
	return nil
}
