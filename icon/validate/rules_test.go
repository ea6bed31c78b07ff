package validate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/icon/validate/validatetest"
)

// edit replaces the only occurrence of old in the plugin file rel with
// repl.
func edit(t *testing.T, dir, rel, old, repl string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), old); n != 1 {
		t.Fatalf("edit %s: %q occurs %d times, want 1", rel, old, n)
	}
	write(t, dir, rel, strings.Replace(string(data), old, repl, 1))
}

// write creates or replaces the plugin file rel.
func write(t *testing.T, dir, rel, text string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, dir, rel string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
		t.Fatal(err)
	}
}

// appendTo appends text to the plugin file rel.
func appendTo(t *testing.T, dir, rel, text string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, rel, string(data)+text)
}

// Each case breaks the good fixture in one way and lists every failure
// and warning the whole run reports, so that a rule firing where it
// should not is caught as surely as one that stays silent.
func TestRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mutate   func(t *testing.T, dir string)
		failures []string
		warnings []string
	}{
		{
			name: "HelpValidator/help key in spec",
			mutate: func(t *testing.T, dir string) {
				appendTo(t, dir, specFile, "help: Some help\n")
			},
			failures: []string{
				"HelpValidator: plugin.spec.yaml:148: the spec must not have a help key; help text lives in help.md",
			},
		},
		{
			name: "HelpValidator/duplicate header and no bullet",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, helpFile, "* Create tickets and add notes to them", "Create tickets")
				appendTo(t, dir, helpFile, "\n# Links\n")
			},
			failures: []string{
				"HelpValidator: help.md:175: header \"# Links\" appears 2 times",
				"HelpValidator: help.md:5: Key Features must list at least one \"* \" bullet",
			},
		},
		{
			name: "HelpValidator/missing sections",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, helpFile, "## Troubleshooting\n", "")
				edit(t, dir, helpFile, "#### Close Ticket", "#### Shut Ticket")
				edit(t, dir, helpFile, "* 1.0.0 - Initial plugin", "* 1.0.0 - First release")
				edit(t, dir, helpFile, "* [Example ITSM](https://example.com)", "* Example ITSM")
			},
			failures: []string{
				"HelpValidator: help.md: missing header \"## Troubleshooting\"",
				"HelpValidator: help.md: no \"#### Close Ticket\" section for action close_ticket",
				"HelpValidator: help.md: Version History must contain \"- Initial plugin\"",
				"HelpValidator: help.md:166: Links must contain at least one http link",
				"HelpInputOutputValidator: help.md: no \"#### Close Ticket\" section for action close_ticket under ### Actions",
			},
		},
		{
			name: "HelpValidator/mis-cased title is a warning",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, helpFile, "Create and track tickets in Example ITSM\n", "Create and track tickets in Example Itsm\n")
			},
			warnings: []string{
				"HelpValidator: help.md:3: plugin title written as \"Example Itsm\", expected \"Example ITSM\"",
			},
		},
		{
			name: "help.md missing",
			mutate: func(t *testing.T, dir string) {
				remove(t, dir, helpFile)
			},
			failures: []string{
				"HelpValidator: help.md: help.md is missing",
				"ChangelogValidator: help.md: help.md is missing",
				"HelpInputOutputValidator: help.md: help.md is missing",
				"HelpExampleValidator: help.md: help.md is missing",
			},
		},
		{
			name: "ChangelogValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, helpFile, "* 1.1.0 - New trigger: New Ticket\n* 1.0.0 - Initial plugin\n",
					"* 1.0.0 - Initial plugin\n* 1.1.0 - New trigger: New Ticket\n* 0.9 - Beta\n")
			},
			failures: []string{
				"ChangelogValidator: help.md:165: version history is not in descending order at 1.1.0",
				"ChangelogValidator: help.md:166: version history line must read \"* X.Y.Z - text\": \"* 0.9 - Beta\"",
			},
		},
		{
			name: "ChangelogValidator/spec version missing",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "version: 1.1.0", "version: 1.2.0")
			},
			failures: []string{
				"ChangelogValidator: help.md:162: version history has no entry for the spec version 1.2.0",
			},
		}, {
			name: "CloudReadyConnectionCredentialTokenValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "type: credential_secret_key", "type: credential_token")
				appendTo(t, dir, specFile, "cloud_ready: true\n")
			},
			failures: []string{
				"CloudReadyConnectionCredentialTokenValidator: plugin.spec.yaml:48: connection.client_secret: type credential_token is not allowed in a cloud_ready plugin",
				"CloudReadyValidator: Dockerfile:1: a cloud_ready plugin's Dockerfile must start with FROM rapid7/insightconnect-python-3(-slim)-plugin:<4 or later>",
				"CloudReadyValidator: Dockerfile: a cloud_ready plugin must run as USER nobody",
			},
		},
		{
			name: "RequiredKeysValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "status: []\n", "")
				edit(t, dir, specFile, "extension: plugin", "extension: workflow")
				edit(t, dir, specFile, "products: [insightconnect]", "products: [insightidr]")
				edit(t, dir, specFile, "support: community", "support: vendor")
				edit(t, dir, specFile, "vendor_url: https://example.com", "vendor_url:")
				edit(t, dir, specFile, "  features: []\n", "")
			},
			failures: []string{
				"RequiredKeysValidator: plugin.spec.yaml:1: missing required key \"status\"",
				"RequiredKeysValidator: plugin.spec.yaml:11: support must be one of rapid7, community, partner, got \"vendor\"",
				"RequiredKeysValidator: plugin.spec.yaml:2: extension must be \"plugin\", got \"workflow\"",
				"RequiredKeysValidator: plugin.spec.yaml:3: products must contain insightconnect",
				"RequiredKeysValidator: plugin.spec.yaml:15: resources.vendor_url is null",
				"RequiredKeysValidator: plugin.spec.yaml:17: hub_tags is missing \"features\"",
			},
		},
		{
			name: "UseCaseValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "use_cases: [remediation_management]", "use_cases: [ticketing]")
				edit(t, dir, specFile, "keywords: [tickets, cloud_enabled]", "keywords: [tickets, devops]")
			},
			failures: []string{
				"UseCaseValidator: plugin.spec.yaml:19: hub_tags.use_cases: \"ticketing\" is not an approved use case",
				"UseCaseValidator: plugin.spec.yaml:20: hub_tags.keywords: \"devops\" is a use case; list it under use_cases only",
			},
		},
		{
			name: "UseCaseValidator/empty",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "use_cases: [remediation_management]", "use_cases: []")
			},
			failures: []string{
				"UseCaseValidator: plugin.spec.yaml:19: hub_tags.use_cases must list at least one use case",
			},
		},
		{
			name: "SpecPropertiesValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "    description: Close a ticket\n", "    description: Close a ticket\n    group: tickets\n")
				edit(t, dir, specFile, "        default: 60\n", "        default: 60\n        minimum: 1\n")
			},
			failures: []string{
				"SpecPropertiesValidator: plugin.spec.yaml:115: actions.close_ticket: key \"group\" is not allowed",
				"SpecPropertiesValidator: plugin.spec.yaml:134: triggers.new_ticket.input.interval: key \"minimum\" is not allowed",
			},
		},
		{
			name: "SpecVersionValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "plugin_spec_version: v2", "plugin_spec_version: v1")
			},
			failures: []string{"SpecVersionValidator: plugin.spec.yaml:1: plugin_spec_version must be v2"},
		},
		{
			name: "FilesValidator",
			mutate: func(t *testing.T, dir string) {
				remove(t, dir, "Makefile")
			},
			failures: []string{"FilesValidator: Makefile: required file is missing"},
		},
		{
			name: "FilesValidator/Python layout",
			mutate: func(t *testing.T, dir string) {
				write(t, dir, "bin/icon_example_itsm", "#!/usr/bin/env python\n")
			},
			failures: []string{
				"FilesValidator: setup.py: required file is missing",
				"FilesValidator: requirements.txt: required file is missing",
				"VersionPinValidator: requirements.txt: a Python plugin needs a requirements.txt with pinned versions",
			},
		},
		{
			name: "TagValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "tags: [itsm, ticketing]", "tags: [itsm, 7]")
			},
			failures: []string{
				"TagValidator: plugin.spec.yaml:17: tags: every tag must be a string",
				"TagValidator: plugin.spec.yaml:17: tags must list at least 2 tags, got 1",
			},
		},
		{
			name: "DescriptionValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "description: Close a ticket", "description: close a ticket.")
				edit(t, dir, specFile, "description: Identifier of the new note", "description: \" Identifier\"")
			},
			failures: []string{
				"DescriptionValidator: plugin.spec.yaml:114: actions.close_ticket: description must start with an upper-case letter",
				"DescriptionValidator: plugin.spec.yaml:114: actions.close_ticket: description ends with a period",
				"DescriptionValidator: plugin.spec.yaml:102: actions.add_note.output.action_id: description starts with a space",
				"HelpInputOutputValidator: help.md:43: action add_note: output action_id needs the row |action_id|integer|True| Identifier|5531|",
			},
		},
		{
			name: "TitleValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "title: Visibility", "title: visibility Of Note")
				edit(t, dir, specFile, "title: Action ID", "title: Action of The Note")
				edit(t, dir, specFile, "title: Interval", "title: Polling interval")
				edit(t, dir, specFile, "title: Text", "title: Text.\n        name: text")
			},
			failures: []string{
				"SpecPropertiesValidator: plugin.spec.yaml:95: actions.add_note.input.text: key \"name\" is not allowed",
				"TitleValidator: plugin.spec.yaml:86: actions.add_note.input.visibility: title must start with an upper-case letter",
				"TitleValidator: plugin.spec.yaml:94: actions.add_note.input.text: title ends with a period",
				"TitleValidator: plugin.spec.yaml:95: actions.add_note.input.text: use title, not name",
				"TitleValidator: plugin.spec.yaml:102: actions.add_note.output.action_id: title word \"The\" must be lower case",
				"TitleValidator: plugin.spec.yaml:129: triggers.new_ticket.input.interval: title word \"interval\" must start with an upper-case letter",
			},
		},
		{
			name: "VendorValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "vendor: examplevendor", `vendor: "examplevendor"`)
			},
			failures: []string{"VendorValidator: plugin.spec.yaml:10: vendor must not be quoted"},
		},
		{
			name: "VendorValidator/komand",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "vendor: examplevendor", "vendor: komand")
			},
			failures: []string{"VendorValidator: plugin.spec.yaml:10: vendor must not be komand"},
		},
		{
			name: "SupportValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "support: community", "support: Community")
			},
			failures: []string{
				"RequiredKeysValidator: plugin.spec.yaml:11: support must be one of rapid7, community, partner, got \"Community\"",
				"SupportValidator: plugin.spec.yaml:11: support must be lower case",
			},
		},
		{
			name: "DefaultValueValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "  ticket:\n    id:\n", "  ticket:\n    email:\n      title: Email\n      description: Reporter\n      type: string\n      required: false\n      default: nobody\n    domain:\n      title: Domain\n      description: Domain\n      type: string\n      required: false\n      default: example.com\n    id:\n")
			},
			failures: []string{"DefaultValueValidator: plugin.spec.yaml:61: types.ticket.email: default \"nobody\" is not a valid email address"},
		},
		{
			name: "IconValidator",
			mutate: func(t *testing.T, dir string) {
				write(t, dir, "icon.png", "GIF89a")
				write(t, dir, "extension.png", "")
			},
			failures: []string{
				"IconValidator: icon.png: icon.png is not a PNG image",
				"IconValidator: extension.png: extension.png is empty or unreadable",
			},
		},
		{
			name: "IconValidator/too large and missing",
			mutate: func(t *testing.T, dir string) {
				write(t, dir, "icon.png", "\x89PNG\r\n\x1a\n"+strings.Repeat("\x00", 70000))
				remove(t, dir, "extension.png")
			},
			failures: []string{
				"IconValidator: icon.png: icon.png is 70008 bytes; it must be under 70000",
				"IconValidator: extension.png: extension.png is missing",
			},
		},
		{
			name: "RequiredValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "        required: false\n        default: 60", "        required: \"no\"\n        default: 60")
				edit(t, dir, specFile, "      required: false\n      example: Printer on fire", "      example: Printer on fire")
			},
			failures: []string{
				"RequiredValidator: plugin.spec.yaml:130: triggers.new_ticket.input.interval: required must be true or false, got \"no\"",
				"RequiredValidator: plugin.spec.yaml:62: types.ticket.summary: missing required",
				"HelpInputOutputValidator: help.md:109: trigger new_ticket: input interval needs the row |interval|integer|60|no|Seconds between two polls|None|60|None|None|",
			},
		},
		{
			name: "VersionValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "version: 1.1.0", `version: "1.1.0"`)
			},
			failures: []string{"VersionValidator: plugin.spec.yaml:7: version must not be quoted"},
		},
		{
			name: "VersionValidator/format",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "version: 1.1.0", "version: 0.1.0")
			},
			failures: []string{
				"ChangelogValidator: help.md:162: version history has no entry for the spec version 0.1.0",
				"VersionValidator: plugin.spec.yaml:7: version \"0.1.0\" is not X.Y.Z with a major version of 1 or more",
			},
		},
		{
			name: "DockerfileParentValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, "Dockerfile", "FROM --platform=linux/amd64 komand/go-plugin-2:2\n", "FROM golang:1.26 AS build\nFROM scratch\n")
				edit(t, dir, "Dockerfile", "ADD ./plugin.spec.yaml /plugin.spec.yaml\n", "")
			},
			failures: []string{
				"DockerfileParentValidator: Dockerfile:1: parent image golang is not one of Rapid7's plugin base images",
				"DockerfileParentValidator: Dockerfile:2: parent image scratch is not one of Rapid7's plugin base images",
				"DockerfileParentValidator: Dockerfile: no line starting with \"ADD ./plugin.spec.yaml /plugin.spec.yaml\"",
			},
		},
		{
			name: "ProfanityValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, helpFile, "check the client ID and secret\n", "check the damn client ID and secret\n")
			},
			failures: []string{"ProfanityValidator: help.md:160: banned word \"damn\""},
		},
		{
			name: "AcronymValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, helpFile, "Create and track tickets in Example ITSM\n", "Create and track tickets through the Api\n")
				edit(t, dir, specFile, "description: Base URL of the", "description: Base url of the")
			},
			failures: []string{
				"AcronymValidator: plugin.spec.yaml:38: connection.url: \"url\" must be written URL",
				"AcronymValidator: help.md:3: \"Api\" must be written API",
			},
		},
		{
			name: "JSONValidator",
			mutate: func(t *testing.T, dir string) {
				write(t, dir, "tests/broken.json", "{\n  \"a\": 1,\n}\n")
			},
			failures: []string{"JSONValidator: tests/broken.json:3: invalid JSON: invalid character '}' looking for beginning of object key string"},
		},
		{
			name: "OutputValidator",
			mutate: func(t *testing.T, dir string) {
				write(t, dir, ".output/action_add_note.json", `{"action_id": "x", "extra": 1}`)
				write(t, dir, ".output/action_close_ticket.json", `{}`)
				write(t, dir, ".output/action_nope.json", `{}`)
			},
			failures: []string{
				"OutputValidator: .output/action_add_note.json: output action_id is not of type integer",
				"OutputValidator: .output/action_add_note.json: output extra is not in the spec",
				"OutputValidator: .output/action_nope.json: no action \"nope\" in the spec",
			},
		},
		{
			name: "HelpInputOutputValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, helpFile, "|action_id|integer|True|", "|action_id|int|True|")
				edit(t, dir, helpFile, "|visibility|string|agents|False|Who can see the note|[\"agents\", \"everyone\"]|", "|visibility|string|agents|False|Who can see the note|['agents', 'everyone']|")
				edit(t, dir, helpFile, "*This action does not contain any outputs.*", "Nothing.")
			},
			failures: []string{
				"HelpInputOutputValidator: help.md:43: action add_note: input visibility needs the row |visibility|string|agents|False|Who can see the note|[\"agents\", \"everyone\"]|agents|None|None|",
				"HelpInputOutputValidator: help.md:43: action add_note: output action_id needs the row |action_id|integer|True|Identifier of the new note|5531|",
				"HelpInputOutputValidator: help.md:85: action close_ticket has no outputs and must say \"This action does not contain any outputs.\"",
			},
		},
		{
			name: "RuntimeValidator",
			mutate: func(t *testing.T, dir string) {
				write(t, dir, "icon_example_itsm/util/helper.py", "import os\nfrom komand import Plugin\n")
			},
			failures: []string{"RuntimeValidator: icon_example_itsm/util/helper.py:2: komand is imported; use insightconnect_plugin_runtime"},
		},
		{
			name: "VersionPinValidator",
			mutate: func(t *testing.T, dir string) {
				write(t, dir, "requirements.txt", "# pinned\nrequests\nurllib3==2.0\ngit+https://example.com/x.git\n")
			},
			failures: []string{"VersionPinValidator: requirements.txt:2: \"requests\" is not pinned to a version"},
		},
		{
			name: "VersionPinValidator/empty",
			mutate: func(t *testing.T, dir string) {
				write(t, dir, "requirements.txt", "\n")
			},
			failures: []string{"VersionPinValidator: requirements.txt: requirements.txt is empty"},
		},
		{
			name: "EncodingValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "Short summary of the ticket", "Short summ\u00e4ry of the ticket")
			},
			failures: []string{"EncodingValidator: plugin.spec.yaml:64: non-ASCII character '\u00e4' in \"Short summ\u00e4ry of the ticket\""},
		},
		{
			name: "ExampleInputValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "    example: https://example.com\n", "")
			},
			failures: []string{"ExampleInputValidator: plugin.spec.yaml:36: connection.url: missing example"},
		},
		{
			name: "CloudReadyValidator",
			mutate: func(t *testing.T, dir string) {
				appendTo(t, dir, specFile, "cloud_ready: true\nenable_cache: true\n")
				edit(t, dir, "Dockerfile", "RUN make plugin\n", "RUN apt-get update\n")
				write(t, dir, "pkg/actions/add_note.go", "package actions\n\n// no cache here\n")
			},
			failures: []string{
				"RuntimeValidator: pkg/actions/add_note.go:3: a cloud_ready plugin must not use a cache",
				"CloudReadyValidator: plugin.spec.yaml:149: enable_cache must not be true in a cloud_ready plugin",
				"CloudReadyValidator: Dockerfile:1: a cloud_ready plugin's Dockerfile must start with FROM rapid7/insightconnect-python-3(-slim)-plugin:<4 or later>",
				"CloudReadyValidator: Dockerfile: a cloud_ready plugin must run as USER nobody",
				"CloudReadyValidator: Dockerfile:6: a cloud_ready plugin must not install packages (\"apt\" found)",
			},
		},
		{
			name: "SupportedVersionValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "supported_versions: [\"2025-01\"]\n", "")
			},
			failures: []string{"SupportedVersionValidator: plugin.spec.yaml:1: missing supported_versions"},
		},
		{
			name: "UnapprovedKeywordsValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "keywords: [tickets, cloud_enabled]", "keywords: []")
			},
			failures: []string{"UnapprovedKeywordsValidator: plugin.spec.yaml:20: hub_tags.keywords must list at least one keyword"},
		},
		{
			name: "HelpExampleValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, helpFile, "{\n  \"ticket_id\": 1042,\n  \"visibility\": \"agents\",", "{\n    \"ticket_id\": 1042,\n    \"visibility\": \"agents\",")
				edit(t, dir, helpFile, "{\n  \"ticket_id\": 1042\n}", "{\n  \"ticket_id\": 1042,\n}")
			},
			failures: []string{
				"HelpExampleValidator: help.md:55: Example input: is not indented with 2 spaces",
				"HelpExampleValidator: help.md:95: Example input: is not valid JSON: invalid character '}' looking for beginning of object key string",
			},
		},
		{
			name: "NameValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "name: example_itsm", "name: Example-ITSM")
			},
			failures: []string{"NameValidator: plugin.spec.yaml:4: name must be lower-case letters and digits in at most 7 _-separated words"},
		},
		{
			name: "CredentialsValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, "tests/add_note.json", `"secretKey": ""`, `"secretKey": "s3cr3t"`)
				edit(t, dir, "tests/add_note.json", `"client_id": ""`, `"client_id": "abc"`)
			},
			failures: []string{"CredentialsValidator: tests/add_note.json:9: \"client_secret\" holds a credential; sample files must leave credentials empty"},
		},
		{
			name: "PasswordValidator",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, specFile, "type: credential_secret_key", "type: password")
			},
			failures: []string{"PasswordValidator: plugin.spec.yaml:48: connection.client_secret: use a credential type, not password, in the connection"},
		},
		{
			name: "ConfidentialValidator",
			mutate: func(t *testing.T, dir string) {
				appendTo(t, dir, "docs/help/requirements.md", "Ask alice@corp.example.org for access.\n")
				edit(t, dir, helpFile, "user@example.com is only", "bob@example.net is only")
			},
			warnings: []string{
				"ConfidentialValidator: help.md:11: email address bob@example.net may be confidential; use user@example.com",
				"ConfidentialValidator: docs/help/requirements.md:2: email address alice@corp.example.org may be confidential; use user@example.com",
			},
		},
		{
			name: "ExceptionValidator and PrintValidator on Python sources",
			mutate: func(t *testing.T, dir string) {
				edit(t, dir, "Dockerfile", "komand/go-plugin-2:2", "rapid7/insightconnect-python-3-slim-plugin:6.1.0")
				write(t, dir, "icon_example_itsm/actions/add_note/action.py",
					"def run():\n    print('hi')\n    raise ValueError('bad')\n    raise PluginException(cause='x')\n")
			},
			failures: []string{"PrintValidator: icon_example_itsm/actions/add_note/action.py:2: print( writes to stdout, which belongs to the plugin protocol; use the logger"},
			warnings: []string{"ExceptionValidator: icon_example_itsm/actions/add_note/action.py:3: raise ValueError; raise PluginException or ConnectionTestException"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := validatetest.CopyDir(t, goodDir)
			tt.mutate(t, dir)
			res := run(t, dir, Options{})
			if tt.failures == nil {
				tt.failures = []string{}
			}
			if tt.warnings == nil {
				tt.warnings = []string{}
			}
			if diff := cmp.Diff(tt.failures, strs(res.Failures)); diff != "" {
				t.Errorf("failures (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.warnings, strs(res.Warnings)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}
