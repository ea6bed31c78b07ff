package validate

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/haloconnect/icon-haloitsm/icon/helpdoc/helprow"
)

// requiredTopKeys are the keys every spec must have.
var requiredTopKeys = []string{
	"plugin_spec_version", "extension", "products", "name", "title", "description",
	"version", "vendor", "support", "status", "resources", "tags", "hub_tags",
}

// supportValues are the allowed values of support.
var supportValues = []string{"rapid7", "community", "partner"}

// useCases are the allowed hub_tags.use_cases values.
var useCases = []string{
	"data_enrichment", "alerting_and_notifications", "application_management", "devops",
	"asset_inventory", "cloud_security", "credential_management", "data_utility",
	"offensive_security", "remediation_management", "reporting_and_analytics",
	"threat_detection_and_response", "user_management", "vulnerability_management",
}

// line returns n's line, or the spec's first line for a missing node.
func line(n *yaml.Node) int {
	if n == nil {
		return 1
	}
	return n.Line
}

func checkCloudReadyCredentialToken(c *checker) {
	if !isTrue(c.p.root, "cloud_ready") {
		return
	}
	for _, pr := range c.p.params(secConnection) {
		if t, _ := scalar(pr.val, "type"); t == "credential_token" {
			c.fail(specFile, pr.line(), "%s: type credential_token is not allowed in a cloud_ready plugin", pr.path())
		}
	}
}

func checkRequiredKeys(c *checker) {
	root := c.p.root
	for _, k := range requiredTopKeys {
		if kn, _ := lookup(root, k); kn == nil {
			c.fail(specFile, 1, "missing required key %q", k)
		}
	}

	if v := get(root, "support"); v != nil && !slices.Contains(supportValues, v.Value) {
		c.fail(specFile, v.Line, "support must be one of %s, got %q", strings.Join(supportValues, ", "), v.Value)
	}
	if v := get(root, "extension"); v != nil && v.Value != "plugin" {
		c.fail(specFile, v.Line, "extension must be \"plugin\", got %q", v.Value)
	}
	if v := get(root, "products"); v != nil && !slices.Contains(stringList(v), "insightconnect") {
		c.fail(specFile, v.Line, "products must contain insightconnect")
	}

	if k, v := lookup(root, "resources"); k != nil {
		if v == nil || v.Kind != yaml.MappingNode {
			c.fail(specFile, k.Line, "resources must be a mapping of URLs")
		}
		for _, e := range pairs(v) {
			if isNull(e.val) {
				c.fail(specFile, e.key.Line, "resources.%s is null", e.key.Value)
			}
		}
	}

	if k, v := lookup(root, "hub_tags"); k != nil {
		for _, sub := range []string{"use_cases", "keywords", "features"} {
			if sk, _ := lookup(v, sub); sk == nil {
				c.fail(specFile, k.Line, "hub_tags is missing %q", sub)
			}
		}
	}
}

func checkUseCase(c *checker) {
	hub := get(c.p.root, "hub_tags")
	uc := get(hub, "use_cases")
	list := stringList(uc)
	if len(list) == 0 {
		c.fail(specFile, line(firstNonNil(uc, hub)), "hub_tags.use_cases must list at least one use case")
	}
	for _, u := range list {
		if !slices.Contains(useCases, u) {
			c.fail(specFile, uc.Line, "hub_tags.use_cases: %q is not an approved use case", u)
		}
	}
	if kw := get(hub, "keywords"); kw != nil {
		for _, k := range stringList(kw) {
			if slices.Contains(useCases, k) {
				c.fail(specFile, kw.Line, "hub_tags.keywords: %q is a use case; list it under use_cases only", k)
			}
		}
	}
}

func firstNonNil(ns ...*yaml.Node) *yaml.Node {
	for _, n := range ns {
		if n != nil {
			return n
		}
	}
	return nil
}

var (
	paramKeys = []string{
		"title", "type", "description", "required", "default", "enum", "order",
		"example", "excludeProduct", "placeholder", "tooltip",
	}
	stateKeys          = []string{"title", "description", "type"}
	scheduleKeys       = []string{"title", "type", "enum", "default"}
	actionKeys         = []string{"input", "output", "title", "description", "action_type"}
	taskKeys           = []string{"input", "output", "title", "description", "schedule", "state"}
	taskOutputKeys     = append(slices.Clone(paramKeys), "persist_state")
	componentSectionOf = map[string][]string{"actions": actionKeys, "triggers": actionKeys, "tasks": taskKeys}
)

func checkSpecProperties(c *checker) {
	for _, comp := range c.p.components() {
		for _, e := range pairs(comp.val) {
			if !slices.Contains(componentSectionOf[comp.kind], e.key.Value) {
				c.fail(specFile, e.key.Line, "%s.%s: key %q is not allowed", comp.kind, comp.id, e.key.Value)
			}
		}
		if comp.kind == "tasks" {
			for _, e := range pairs(get(comp.val, "schedule")) {
				if !slices.Contains(scheduleKeys, e.key.Value) {
					c.fail(specFile, e.key.Line, "tasks.%s.schedule: key %q is not allowed", comp.id, e.key.Value)
				}
			}
		}
	}

	for _, pr := range c.p.params(secConnection, secInput, secOutput, secState) {
		allowed := paramKeys
		switch {
		case pr.section == secState:
			allowed = stateKeys
		case pr.section == secOutput && pr.comp.kind == "tasks":
			allowed = taskOutputKeys
		}
		if pr.val == nil || pr.val.Kind != yaml.MappingNode {
			c.fail(specFile, pr.line(), "%s must be a mapping", pr.path())
			continue
		}
		for _, e := range pairs(pr.val) {
			if !slices.Contains(allowed, e.key.Value) {
				c.fail(specFile, e.key.Line, "%s: key %q is not allowed", pr.path(), e.key.Value)
			}
		}
	}
}

func checkSpecVersion(c *checker) {
	v := get(c.p.root, "plugin_spec_version")
	if v == nil || v.Value != "v2" {
		c.fail(specFile, line(v), "plugin_spec_version must be v2")
	}
}

func checkTag(c *checker) {
	v := get(c.p.root, "tags")
	if v == nil || v.Kind != yaml.SequenceNode {
		c.fail(specFile, line(v), "tags must be a list of at least 2 strings")
		return
	}
	n := 0
	for _, t := range v.Content {
		if t = helprow.Resolve(t); t.Kind == yaml.ScalarNode && t.ShortTag() == "!!str" {
			n++
		} else {
			c.fail(specFile, t.Line, "tags: every tag must be a string")
		}
	}
	if n < 2 {
		c.fail(specFile, v.Line, "tags must list at least 2 tags, got %d", n)
	}
}

// checkDescriptionText applies DescriptionValidator's format to one
// description.
func checkDescriptionText(c *checker, where string, ln int, m *yaml.Node) {
	k, v := lookup(m, "description")
	if k == nil {
		c.fail(specFile, ln, "%s: missing description", where)
		return
	}
	d := v.Value
	switch {
	case d == "":
		c.fail(specFile, v.Line, "%s: description is empty", where)
	case strings.HasPrefix(d, " "):
		c.fail(specFile, v.Line, "%s: description starts with a space", where)
	case !startsUpper(d):
		c.fail(specFile, v.Line, "%s: description must start with an upper-case letter", where)
	}
	if strings.HasSuffix(d, ".") {
		c.fail(specFile, v.Line, "%s: description ends with a period", where)
	}
}

func startsUpper(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}

func checkDescription(c *checker) {
	checkDescriptionText(c, "plugin", 1, c.p.root)
	for _, comp := range c.p.components() {
		checkDescriptionText(c, comp.kind+"."+comp.id, comp.key.Line, comp.val)
	}
	for _, pr := range c.p.params(secInput, secOutput, secState) {
		checkDescriptionText(c, pr.path(), pr.line(), pr.val)
	}
}

// titleSmallWords stay lower case inside a title.
var titleSmallWords = []string{
	"a", "an", "as", "also", "and", "of", "the", "but", "from", "when", "in", "out", "if",
	"than", "where", "while", "that", "by", "with", "to", "so", "for", "or", "nor", "then",
	"after", "before", "is", "on", "at",
}

// titleProblem returns what is wrong with title, or "".
func titleProblem(title string) string {
	if strings.TrimSpace(title) == "" {
		return "title is empty"
	}
	if strings.HasSuffix(title, ".") {
		return "title ends with a period"
	}
	words := strings.Fields(title)
	if len(words) > 7 {
		return "title has more than 7 words"
	}
	if !startsUpper(title) {
		return "title must start with an upper-case letter"
	}
	for i, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsLetter(r) {
			continue
		}
		small := slices.Contains(titleSmallWords, strings.ToLower(w))
		inner := i > 0 && i < len(words)-1
		switch {
		case small && inner && w != strings.ToLower(w):
			return "title word " + quote(w) + " must be lower case"
		case (!small || !inner) && !unicode.IsUpper(r):
			return "title word " + quote(w) + " must start with an upper-case letter"
		}
	}
	return ""
}

func quote(s string) string { return `"` + s + `"` }

func checkTitleOf(c *checker, where string, ln int, m *yaml.Node) {
	k, v := lookup(m, "title")
	if k == nil {
		c.fail(specFile, ln, "%s: missing title", where)
		return
	}
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
		c.fail(specFile, v.Line, "%s: title must be a string", where)
		return
	}
	if msg := titleProblem(v.Value); msg != "" {
		c.fail(specFile, v.Line, "%s: %s", where, msg)
	}
}

func checkTitle(c *checker) {
	checkTitleOf(c, "plugin", 1, c.p.root)
	for _, comp := range c.p.components() {
		checkTitleOf(c, comp.kind+"."+comp.id, comp.key.Line, comp.val)
	}
	for _, pr := range c.p.params(secConnection, secInput, secOutput) {
		checkTitleOf(c, pr.path(), pr.line(), pr.val)
		if k, _ := lookup(pr.val, "name"); k != nil {
			c.fail(specFile, k.Line, "%s: use title, not name", pr.path())
		}
	}
}

// checkIdentifierValue applies the vendor/support format: lower case, no
// spaces, no trailing period, not quoted.
func checkIdentifierValue(c *checker, key string) {
	v := get(c.p.root, key)
	if v == nil || v.Kind != yaml.ScalarNode {
		c.fail(specFile, line(v), "%s must be a plain lower-case string", key)
		return
	}
	switch {
	case v.Value != strings.ToLower(v.Value):
		c.fail(specFile, v.Line, "%s must be lower case", key)
	case strings.ContainsAny(v.Value, " \t"):
		c.fail(specFile, v.Line, "%s must not contain spaces", key)
	case strings.HasSuffix(v.Value, "."):
		c.fail(specFile, v.Line, "%s must not end with a period", key)
	case v.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
		c.fail(specFile, v.Line, "%s must not be quoted", key)
	}
}

func checkVendor(c *checker) {
	checkIdentifierValue(c, "vendor")
	if v := get(c.p.root, "vendor"); v != nil && v.Value == "komand" {
		c.fail(specFile, v.Line, "vendor must not be komand")
	}
}

func checkSupport(c *checker) { checkIdentifierValue(c, "support") }

var (
	emailRE  = regexp.MustCompile(`^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$`)
	domainRE = regexp.MustCompile(`^(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,}$`)
)

func checkDefaultValue(c *checker) {
	for _, pr := range c.p.params(secConnection, secInput, secOutput, secState, secType) {
		k, v := lookup(pr.val, "default")
		if k == nil || isNull(v) {
			continue
		}
		switch pr.id {
		case "email", "email_address":
			if v.Kind != yaml.ScalarNode || !emailRE.MatchString(v.Value) {
				c.fail(specFile, v.Line, "%s: default %q is not a valid email address", pr.path(), v.Value)
			}
		case "domain":
			if v.Kind != yaml.ScalarNode || !domainRE.MatchString(v.Value) {
				c.fail(specFile, v.Line, "%s: default %q is not a valid domain", pr.path(), v.Value)
			}
		}
	}
}

func checkRequired(c *checker) {
	for _, pr := range c.p.params(secConnection, secInput, secOutput, secType) {
		k, v := lookup(pr.val, "required")
		switch {
		case k == nil:
			c.fail(specFile, pr.line(), "%s: missing required", pr.path())
		case v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool":
			c.fail(specFile, v.Line, "%s: required must be true or false, got %q", pr.path(), v.Value)
		}
	}
}

var versionRE = regexp.MustCompile(`^[1-9][0-9]*\.[0-9]+\.[0-9]+$`)

func checkVersion(c *checker) {
	c.note("the Extension Library comparison (is this version already published?) needs the network and is not run")
	v := get(c.p.root, "version")
	if v == nil || v.Kind != yaml.ScalarNode {
		c.fail(specFile, line(v), "version must be X.Y.Z")
		return
	}
	if !versionRE.MatchString(v.Value) {
		c.fail(specFile, v.Line, "version %q is not X.Y.Z with a major version of 1 or more", v.Value)
	}
	if v.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		c.fail(specFile, v.Line, "version must not be quoted")
	}
}

func checkEncoding(c *checker) {
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > 128 {
			return
		}
		if n.Kind == yaml.ScalarNode {
			for _, r := range n.Value {
				if r > unicode.MaxASCII {
					c.fail(specFile, n.Line, "non-ASCII character %q in %q", r, n.Value)
					return
				}
			}
		}
		for _, ch := range n.Content {
			walk(ch, depth+1)
		}
	}
	walk(c.p.root, 0)
}

func checkExampleInput(c *checker) {
	for _, pr := range c.p.params(secConnection, secInput) {
		if pr.comp != nil && pr.comp.kind == "tasks" {
			continue
		}
		if k, _ := lookup(pr.val, "example"); k == nil {
			c.fail(specFile, pr.line(), "%s: missing example", pr.path())
		}
	}
}

func checkSupportedVersion(c *checker) {
	k, v := lookup(c.p.root, "supported_versions")
	if k == nil {
		c.fail(specFile, 1, "missing supported_versions")
		return
	}
	if v == nil || v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		c.fail(specFile, k.Line, "supported_versions must be a non-empty list")
	}
}

func checkUnapprovedKeywords(c *checker) {
	c.note("the check of keywords against the Extension Library's approved list needs the network and is not run")
	hub := get(c.p.root, "hub_tags")
	kw := get(hub, "keywords")
	if len(stringList(kw)) == 0 {
		c.fail(specFile, line(firstNonNil(kw, hub)), "hub_tags.keywords must list at least one keyword")
	}
}

var nameRE = regexp.MustCompile(`^[a-z0-9]+(?:_[a-z0-9]+){0,6}$`)

func checkName(c *checker) {
	v := get(c.p.root, "name")
	if v == nil || v.Kind != yaml.ScalarNode || !nameRE.MatchString(v.Value) {
		c.fail(specFile, line(v), "name must be lower-case letters and digits in at most 7 _-separated words")
	}
}

func checkPassword(c *checker) {
	for _, pr := range c.p.params(secConnection) {
		if t, _ := scalar(pr.val, "type"); t == "password" {
			c.fail(specFile, pr.line(), "%s: use a credential type, not password, in the connection", pr.path())
		}
	}
}
