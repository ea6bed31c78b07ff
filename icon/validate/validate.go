// Package validate checks an InsightConnect plugin directory against the
// offline part of Rapid7's plugin validators (the icon-validate tool).
//
// Each rule carries the name of the Rapid7 validator it reimplements, with
// the same run order; the Jenkins rules (Rapid7's --all list) follow. Rules
// that need the network (the Extension Library, Docker Hub, URL checks) or
// a Docker engine are not run, or only their offline part is; the rule's
// Note says so. Run never reaches the network; it runs git only to list
// the plugin's files and, for VersionBumpValidator, to read the spec at a
// ref.
//
// A violation prints as one line:
//
//	RuleName: file:line: message
//
// with ":line" left out when the problem has no single line (a missing
// file, for example). Paths are relative to the plugin directory.
package validate

import (
	"context"
	"fmt"
	"strconv"
)

// Options tunes a run.
type Options struct {
	// GitRef, when set, is the git revision (e.g. "origin/main") whose
	// plugin.spec.yaml VersionBumpValidator compares against.
	GitRef string
}

// Violation is one problem found by a rule.
type Violation struct {
	Rule    string
	File    string
	Line    int // 1-based; 0 when the problem has no single line
	Message string
}

// String formats v as "Rule: file:line: message".
func (v Violation) String() string {
	loc := v.File
	if v.Line > 0 {
		loc += ":" + strconv.Itoa(v.Line)
	}
	return v.Rule + ": " + loc + ": " + v.Message
}

// Note records that a rule was skipped or only partly applied, and why.
type Note struct {
	Rule    string
	Message string
}

// String formats n as "Rule: message".
func (n Note) String() string { return n.Rule + ": " + n.Message }

// Result is the outcome of Run. Failures fail validation; Warnings do not.
// Each list is in rule order, then in the order a rule found its problems.
type Result struct {
	Failures []Violation
	Warnings []Violation
	Notes    []Note
	// Rules lists the names of the rules that ran.
	Rules []string
}

// OK reports whether there were no failures.
func (r *Result) OK() bool { return len(r.Failures) == 0 }

// Run validates the plugin directory dir. It returns an error only when
// plugin.spec.yaml is missing or is not a YAML mapping, or the directory
// cannot be listed; every other problem is a Violation in the Result.
func Run(ctx context.Context, dir string, opts Options) (*Result, error) {
	p, err := load(ctx, dir, opts)
	if err != nil {
		return nil, err
	}

	res := &Result{}
	for _, r := range rules {
		c := &checker{rule: r.name, p: p, ctx: ctx}
		r.check(c)
		res.Rules = append(res.Rules, r.name)
		res.Failures = append(res.Failures, c.failures...)
		res.Warnings = append(res.Warnings, c.warnings...)
		res.Notes = append(res.Notes, c.notes...)
	}
	return res, nil
}

// RuleNames returns the names of all rules in run order.
func RuleNames() []string {
	names := make([]string, len(rules))
	for i, r := range rules {
		names[i] = r.name
	}
	return names
}

type rule struct {
	name  string
	check func(*checker)
}

// rules holds every rule in Rapid7's run order, then the Jenkins list.
var rules = []rule{
	{"HelpValidator", checkHelp},
	{"ChangelogValidator", checkChangelog},
	{"CloudReadyConnectionCredentialTokenValidator", checkCloudReadyCredentialToken},
	{"RequiredKeysValidator", checkRequiredKeys},
	{"UseCaseValidator", checkUseCase},
	{"SpecPropertiesValidator", checkSpecProperties},
	{"SpecVersionValidator", checkSpecVersion},
	{"FilesValidator", checkFiles},
	{"TagValidator", checkTag},
	{"DescriptionValidator", checkDescription},
	{"TitleValidator", checkTitle},
	{"VendorValidator", checkVendor},
	{"DefaultValueValidator", checkDefaultValue},
	{"IconValidator", checkIcon},
	{"RequiredValidator", checkRequired},
	{"VersionValidator", checkVersion},
	{"DockerfileParentValidator", checkDockerfileParent},
	{"ProfanityValidator", checkProfanity},
	{"AcronymValidator", checkAcronym},
	{"JSONValidator", checkJSON},
	{"OutputValidator", checkOutput},
	{"RegenerationValidator", checkRegeneration},
	{"HelpInputOutputValidator", checkHelpInputOutput},
	{"SupportValidator", checkSupport},
	{"RuntimeValidator", checkRuntime},
	{"VersionPinValidator", checkVersionPin},
	{"EncodingValidator", checkEncoding},
	{"ExampleInputValidator", checkExampleInput},
	{"CloudReadyValidator", checkCloudReady},
	{"SupportedVersionValidator", checkSupportedVersion},
	{"UnapprovedKeywordsValidator", checkUnapprovedKeywords},
	{"HelpExampleValidator", checkHelpExample},
	{"VersionBumpValidator", checkVersionBump},
	{"NameValidator", checkName},

	// Rapid7's Jenkins list (icon-validate --all).
	{"ExceptionValidator", checkException},
	{"CredentialsValidator", checkCredentials},
	{"PasswordValidator", checkPassword},
	{"PrintValidator", checkPrint},
	{"ConfidentialValidator", checkConfidential},
	{"DockerValidator", checkDocker},
	{"URLValidator", checkURL},
}

// checker collects one rule's findings.
type checker struct {
	rule string
	p    *plugin
	ctx  context.Context

	failures []Violation
	warnings []Violation
	notes    []Note
}

func (c *checker) fail(file string, line int, format string, args ...any) {
	c.failures = append(c.failures, Violation{c.rule, file, line, fmt.Sprintf(format, args...)})
}

func (c *checker) warn(file string, line int, format string, args ...any) {
	c.warnings = append(c.warnings, Violation{c.rule, file, line, fmt.Sprintf(format, args...)})
}

func (c *checker) note(format string, args ...any) {
	c.notes = append(c.notes, Note{c.rule, fmt.Sprintf(format, args...)})
}
