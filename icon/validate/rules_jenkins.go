package validate

import (
	"bytes"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// credentialKeys are JSON keys whose values are secrets wherever they
// appear in a sample message, compared lower case.
var credentialKeys = []string{
	"password", "secretkey", "secret_key", "client_secret", "token", "access_token",
	"refresh_token", "api_key", "apikey", "privatekey", "private_key", "secret",
}

func checkCredentials(c *checker) {
	p := c.p
	// Connection fields with secret types are secrets under any name.
	secretIDs := map[string]bool{}
	for _, pr := range p.params(secConnection) {
		t, _ := scalar(pr.val, "type")
		if strings.HasPrefix(t, "credential_") || t == "password" {
			secretIDs[pr.id] = true
		}
	}

	for _, f := range p.glob("tests/*.json") {
		data, err := p.read(f)
		if err != nil {
			continue
		}
		v, ok := jsonDecode(data)
		if !ok {
			continue // JSONValidator reports it
		}
		var walk func(v any, depth int)
		walk = func(v any, depth int) {
			if depth > 64 {
				return
			}
			switch x := v.(type) {
			case map[string]any:
				for _, k := range slices.Sorted(maps.Keys(x)) {
					lk := strings.ToLower(k)
					secret := secretIDs[k]
					for _, ck := range credentialKeys {
						secret = secret || lk == ck
					}
					if secret && nonEmpty(x[k]) {
						c.fail(f, keyLine(data, k), "%q holds a credential; sample files must leave credentials empty", k)
						continue
					}
					walk(x[k], depth+1)
				}
			case []any:
				for _, e := range x {
					walk(e, depth+1)
				}
			}
		}
		walk(v, 0)
	}
}

// nonEmpty reports whether v holds any non-empty string or other scalar.
func nonEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case map[string]any:
		for _, e := range x {
			if nonEmpty(e) {
				return true
			}
		}
		return false
	case []any:
		for _, e := range x {
			if nonEmpty(e) {
				return true
			}
		}
		return false
	}
	return true
}

// keyLine returns the line of the first occurrence of "key" in data, or 0.
func keyLine(data []byte, key string) int {
	i := bytes.Index(data, []byte(`"`+key+`"`))
	if i < 0 {
		return 0
	}
	return jsonLine(data, int64(i))
}

var emailAddrRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)

// confidentialFiles are the files ConfidentialValidator reads: what ships
// with the plugin as text users see (the spec, help.md, its sources and
// sample messages).
func (p *plugin) confidentialFiles() []string {
	files := []string{specFile, helpFile}
	files = append(files, p.glob("tests/*.json")...)
	for _, f := range p.files {
		if strings.HasPrefix(f, "docs/help/") && strings.HasSuffix(f, ".md") {
			files = append(files, f)
		}
	}
	return files
}

func checkConfidential(c *checker) {
	for _, f := range c.p.confidentialFiles() {
		data, err := c.p.read(f)
		if err != nil {
			continue
		}
		for i, l := range strings.Split(string(data), "\n") {
			for _, e := range emailAddrRE.FindAllString(l, -1) {
				if e != "user@example.com" {
					c.warn(f, i+1, "email address %s may be confidential; use user@example.com", e)
				}
			}
		}
	}
}

var (
	printCallRE = regexp.MustCompile(`(?m)^[^#\n]*\bprint\(`)
	raiseRE     = regexp.MustCompile(`(?m)^\s*raise\s+([A-Za-z_][A-Za-z0-9_.]*)`)
)

// pluginPythonFiles returns the Python files of the plugin package
// (icon_<name>/ or komand_<name>/), where Exception and Print look.
func (p *plugin) pluginPythonFiles() []string {
	var out []string
	for _, f := range p.pythonFiles() {
		if strings.HasPrefix(f, "icon_") || strings.HasPrefix(f, "komand_") {
			out = append(out, f)
		}
	}
	return out
}

func checkException(c *checker) {
	files := c.p.pluginPythonFiles()
	if len(files) == 0 {
		c.note("not applicable: it inspects Python sources (icon_<name>/*.py) and this plugin has none; Go code reports errors through the runtime's typed exceptions")
		return
	}
	for _, f := range files {
		data, err := c.p.read(f)
		if err != nil {
			continue
		}
		for _, m := range raiseRE.FindAllSubmatchIndex(data, -1) {
			name := string(data[m[2]:m[3]])
			base := name[strings.LastIndexByte(name, '.')+1:]
			if base != "PluginException" && base != "ConnectionTestException" {
				c.warn(f, jsonLine(data, int64(m[0])), "raise %s; raise PluginException or ConnectionTestException", name)
			}
		}
	}
}

func checkPrint(c *checker) {
	if lines := dockerLines(c.p); len(lines) > 0 {
		for _, l := range lines {
			if strings.HasPrefix(l, "FROM") {
				if strings.Contains(l, "komand/go-plugin-2") {
					c.note("not applicable: the first FROM is komand/go-plugin-2")
					return
				}
				break
			}
		}
	}
	files := c.p.pluginPythonFiles()
	if len(files) == 0 {
		c.note("not applicable: it inspects Python sources (icon_<name>/*.py) and this plugin has none; the Go runtime keeps stdout for the protocol")
		return
	}
	for _, f := range files {
		data, err := c.p.read(f)
		if err != nil {
			continue
		}
		for _, loc := range printCallRE.FindAllIndex(data, -1) {
			c.fail(f, jsonLine(data, int64(loc[0])), "print( writes to stdout, which belongs to the plugin protocol; use the logger")
		}
	}
}

func dockerLines(p *plugin) []string {
	data, err := p.read(dockerfile)
	if err != nil {
		return nil
	}
	return strings.Split(string(data), "\n")
}
