// Package helprow renders the help.md table rows that Rapid7's
// HelpInputOutputValidator expects, and the Python str() forms of YAML
// values those rows are made of.
//
// Rapid7's tooling is written in Python: it loads plugin.spec.yaml with
// PyYAML and formats each table cell with str(). A missing key prints
// None, booleans print True and False, a list prints as a Python list with
// every ' turned into ", and a mapping prints as a Python dict repr. The
// generator (package helpdoc) and the validator (package validate) both
// build their rows here, so the two can never disagree on a format.
//
// Values are taken from YAML nodes rather than decoded Go values because a
// dict repr keeps the key order the spec was written in, which a Go map
// would lose.
package helprow

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// InputHeader and InputSeparator open an input table (also used for the
// connection table under Setup).
const (
	InputHeader    = "|Name|Type|Default|Required|Description|Enum|Example|Placeholder|Tooltip|"
	InputSeparator = "| :--- | :--- | :--- | :--- | :--- | :--- | :--- | :--- | :--- |"
)

// OutputHeader and OutputSeparator open an output table. The validator
// looks for OutputHeaderPrefix to find the table.
const (
	OutputHeader       = "|Name|Type|Required|Description|Example|"
	OutputHeaderPrefix = "|Name|Type|Required|Description|"
	OutputSeparator    = "| :--- | :--- | :--- | :--- | :--- |"
)

// TypeHeader and TypeSeparator open a custom-type table.
const (
	TypeHeader    = "|Name|Type|Default|Required|Description|Example|"
	TypeSeparator = "| :--- | :--- | :--- | :--- | :--- | :--- |"
)

// InputRow returns the row for the input (or connection field) id whose
// spec mapping is param:
//
//	|{id}|{type}|{default}|{required}|{description}|{enum}|{example}|{placeholder}|{tooltip}|
func InputRow(id string, param *yaml.Node) string {
	cells := []string{
		id,
		field(param, "type"),
		field(param, "default"),
		field(param, "required"),
		field(param, "description"),
		field(param, "enum"),
		field(param, "example"),
		field(param, "placeholder"),
		field(param, "tooltip"),
	}
	return "|" + strings.Join(cells, "|") + "|"
}

// OutputRow returns the row for the output id whose spec mapping is param:
//
//	|{id}|{type}|{required}|{description}|{example}|
//
// An output without a required key prints False, as Rapid7's tooling does.
func OutputRow(id string, param *yaml.Node) string {
	required := "False"
	if v := Lookup(param, "required"); v != nil {
		required = Str(v)
	}
	cells := []string{
		id,
		field(param, "type"),
		required,
		field(param, "description"),
		field(param, "example"),
	}
	return "|" + strings.Join(cells, "|") + "|"
}

// TypeRow returns the row for a custom-type field. Rapid7's generator names
// the row by the field's title, falling back to the id when there is none.
//
//	|{title}|{type}|{default}|{required}|{description}|{example}|
func TypeRow(id string, param *yaml.Node) string {
	name := id
	if v := Lookup(param, "title"); v != nil && v.Kind == yaml.ScalarNode && v.Value != "" {
		name = v.Value
	}
	cells := []string{
		name,
		field(param, "type"),
		field(param, "default"),
		field(param, "required"),
		field(param, "description"),
		field(param, "example"),
	}
	return "|" + strings.Join(cells, "|") + "|"
}

func field(param *yaml.Node, key string) string {
	return Str(Lookup(param, key))
}

// Lookup returns the value node of key in the mapping m, following a
// document node and aliases, or nil when m is not a mapping or lacks key.
func Lookup(m *yaml.Node, key string) *yaml.Node {
	m = Resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return Resolve(m.Content[i+1])
		}
	}
	return nil
}

// Resolve unwraps document nodes and aliases. It returns nil for nil.
func Resolve(n *yaml.Node) *yaml.Node {
	for n != nil {
		switch n.Kind {
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		case yaml.AliasNode:
			n = n.Alias
		default:
			return n
		}
	}
	return nil
}

// Str returns Python's str() of the value PyYAML would load from n, in the
// form help.md tables use: nil prints None, a sequence prints as a Python
// list with ' replaced by ", a mapping prints as a Python dict repr, and a
// string prints verbatim.
//
// Timestamps are printed as written: Rapid7's validator normalises
// date-time cells on both sides before comparing, so any spelling passes.
func Str(n *yaml.Node) string {
	n = Resolve(n)
	if n == nil {
		return "None"
	}
	switch n.Kind {
	case yaml.SequenceNode:
		return strings.ReplaceAll(repr(n, 0), "'", `"`)
	case yaml.MappingNode:
		return repr(n, 0)
	}
	if n.ShortTag() == "!!str" || n.ShortTag() == "!!timestamp" || n.ShortTag() == "!!binary" {
		return n.Value
	}
	return scalarRepr(n)
}

// maxDepth bounds recursion on pathological documents.
const maxDepth = 64

// repr returns Python's repr() of the value loaded from n.
func repr(n *yaml.Node, depth int) string {
	n = Resolve(n)
	if n == nil {
		return "None"
	}
	if depth > maxDepth {
		return "..."
	}
	switch n.Kind {
	case yaml.SequenceNode:
		parts := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			parts = append(parts, repr(c, depth+1))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case yaml.MappingNode:
		parts := make([]string, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			parts = append(parts, repr(n.Content[i], depth+1)+": "+repr(n.Content[i+1], depth+1))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	if n.ShortTag() == "!!str" || n.ShortTag() == "!!timestamp" || n.ShortTag() == "!!binary" {
		return QuoteString(n.Value)
	}
	return scalarRepr(n)
}

// scalarRepr formats a null, bool, int or float scalar the way Python does.
func scalarRepr(n *yaml.Node) string {
	switch n.ShortTag() {
	case "!!null":
		return "None"
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil && b {
			return "True"
		}
		return "False"
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return strconv.FormatInt(i, 10)
		}
		var u uint64
		if err := n.Decode(&u); err == nil {
			return strconv.FormatUint(u, 10)
		}
		return n.Value
	case "!!float":
		var f float64
		if err := n.Decode(&f); err == nil {
			return FloatRepr(f)
		}
		return n.Value
	}
	return n.Value
}

// FloatRepr returns Python's repr() of f: the shortest digits that round
// trip, in positional form for exponents -4 to 15 (always with a decimal
// point) and in scientific form otherwise.
func FloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}

	// Shortest round-trip digits and the decimal exponent.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	sign := ""
	if strings.HasPrefix(mant, "-") {
		sign, mant = "-", mant[1:]
	}
	digits := strings.Replace(mant, ".", "", 1)

	if exp < -4 || exp >= 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := "+"
		if exp < 0 {
			es, exp = "-", -exp
		}
		return fmt.Sprintf("%s%se%s%02d", sign, m, es, exp)
	}
	if exp < 0 {
		return sign + "0." + strings.Repeat("0", -exp-1) + digits
	}
	if len(digits) <= exp+1 {
		return sign + digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	}
	return sign + digits[:exp+1] + "." + digits[exp+1:]
}

// QuoteString returns Python's repr() of the string s: single quotes
// unless s holds a single quote and no double quote, with backslash,
// the chosen quote and control characters escaped.
func QuoteString(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteByte(q)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}
