// Package iconhaloitsm holds the plugin's plugin.spec.yaml, embedded so
// that the plugin binary carries the spec it implements. It lives at the
// repository root because go:embed cannot reach a parent directory.
package iconhaloitsm

import _ "embed"

// Spec is the content of plugin.spec.yaml.
//
//go:embed plugin.spec.yaml
var Spec []byte
