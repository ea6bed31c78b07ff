// Package spec reads an InsightConnect plugin.spec.yaml into typed values.
//
// The spec is the single source of truth for a plugin: the runtime derives
// JSON Schemas and input validation from it, the tooling generates help.md
// and sample start messages from it, and the validators check it. Values
// keep their declaration order, because the platform shows parameters in
// that order, and keep a pointer to their YAML node, because some validator
// rules care about how a value was written (quoted or not, its line).
package spec

import "go.yaml.in/yaml/v3"

// Spec is a parsed plugin.spec.yaml.
type Spec struct {
	PluginSpecVersion string
	Extension         string
	Products          []string
	Name              string
	Title             string
	Description       string
	Version           string
	ConnectionVersion int
	SupportedVersions []string
	Vendor            string
	Support           string
	Status            []string
	CloudReady        bool
	EnableCache       bool
	Resources         map[string]string
	Tags              []string
	HubTags           HubTags
	KeyFeatures       []string
	Requirements      []string
	Links             []string
	References        []string
	Troubleshooting   []string
	VersionHistory    []string
	// SDK is the Python generator's sdk block, nil when absent.
	SDK *SDK

	// Connection holds the connection parameters in declaration order.
	Connection []Param
	// Types holds the custom types in declaration order.
	Types    []Type
	Actions  []Component
	Triggers []Component
	Tasks    []Component

	// Root is the YAML document node the spec was read from.
	Root *yaml.Node
}

// HubTags is the spec's hub_tags block.
type HubTags struct {
	UseCases []string
	Keywords []string
	Features []string
}

// Type is a custom type declared under the spec's types key.
type Type struct {
	Name   string
	Fields []Param
	Line   int
	// Node is the type's YAML mapping node.
	Node *yaml.Node
}

// Component is an action, trigger or task.
type Component struct {
	ID          string
	Title       string
	Description string
	ActionType  string
	Input       []Param
	Output      []Param
	// State and Schedule are used by tasks only.
	State    []Param
	Schedule *Param
	Line     int
	// Node is the component's YAML mapping node.
	Node *yaml.Node
}

// Param is one connection field, input, output, state entry or custom-type
// field.
type Param struct {
	ID          string
	Title       string
	Description string
	// Type is the spec type as written: "string", "[]ticket",
	// "credential_secret_key", ...
	Type     string
	Required bool
	// Default, Enum and Example hold decoded YAML values: string, int,
	// float64, bool, nil, []any or map[string]any.
	Default    any
	HasDefault bool
	Enum       []any
	Example    any
	HasExample bool
	Order      int
	// HasOrder reports whether order was written in the spec.
	HasOrder    bool
	Placeholder string
	Tooltip     string
	// ExcludeProduct is the excludeProduct key as written, nil when absent.
	ExcludeProduct any
	// PersistState is the persist_state key of task outputs.
	PersistState bool
	// Node is the parameter's YAML mapping node.
	Node *yaml.Node
	Line int
}

// SDK is the spec's sdk block, read by Rapid7's Python code generator.
type SDK struct {
	Type      string
	Version   string
	User      string
	CustomCmd []string
	Packages  []string
}
