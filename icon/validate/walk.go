package validate

import "go.yaml.in/yaml/v3"

// componentKinds are the spec's component sections in help.md order.
var componentKinds = []string{"actions", "triggers", "tasks"}

// component is one action, trigger or task of the spec.
type component struct {
	kind string // "actions", "triggers" or "tasks"
	id   string
	key  *yaml.Node
	val  *yaml.Node // the component's mapping
}

// singular returns "action", "trigger" or "task".
func (c component) singular() string { return c.kind[:len(c.kind)-1] }

// components returns the spec's components of the given kinds (all kinds
// when none are given) in spec order.
func (p *plugin) components(kinds ...string) []component {
	if len(kinds) == 0 {
		kinds = componentKinds
	}
	var out []component
	for _, k := range kinds {
		for _, e := range pairs(get(p.root, k)) {
			out = append(out, component{kind: k, id: e.key.Value, key: e.key, val: e.val})
		}
	}
	return out
}

// Sections a parameter can belong to.
const (
	secConnection = "connection"
	secInput      = "input"
	secOutput     = "output"
	secState      = "state"
	secType       = "type"
)

// param is one parameter of the spec: a connection field, a component
// input, output or state entry, or a custom-type field.
type param struct {
	section string
	comp    *component // nil for connection fields and type fields
	typ     string     // the custom type's name for type fields
	id      string
	key     *yaml.Node
	val     *yaml.Node // the parameter's mapping
}

// path names the parameter for messages, e.g. "actions.add_note.input.text".
func (pr param) path() string {
	switch pr.section {
	case secConnection:
		return "connection." + pr.id
	case secType:
		return "types." + pr.typ + "." + pr.id
	}
	return pr.comp.kind + "." + pr.comp.id + "." + pr.section + "." + pr.id
}

// line is the parameter's line in the spec.
func (pr param) line() int { return pr.key.Line }

// params returns the spec's parameters in the given sections, in spec
// order: connection fields first, then each component's input, output and
// state, then custom-type fields.
func (p *plugin) params(sections ...string) []param {
	want := map[string]bool{}
	for _, s := range sections {
		want[s] = true
	}
	var out []param
	if want[secConnection] {
		for _, e := range pairs(get(p.root, "connection")) {
			out = append(out, param{section: secConnection, id: e.key.Value, key: e.key, val: e.val})
		}
	}
	for _, c := range p.components() {
		for _, s := range []string{secInput, secOutput, secState} {
			if !want[s] {
				continue
			}
			for _, e := range pairs(get(c.val, s)) {
				out = append(out, param{section: s, comp: &c, id: e.key.Value, key: e.key, val: e.val})
			}
		}
	}
	if want[secType] {
		for _, t := range pairs(get(p.root, "types")) {
			for _, e := range pairs(t.val) {
				out = append(out, param{section: secType, typ: t.key.Value, id: e.key.Value, key: e.key, val: e.val})
			}
		}
	}
	return out
}
