package main

import (
	"cmp"
	"strings"
)

// semver is a parsed Semantic Versioning 2.0.0 version as OSV writes it
// for Go modules: without a "v" prefix, with an optional pre-release, and
// with any build metadata ignored.
type semver struct {
	core [3]string // decimal, no leading zeros
	pre  []string  // dot-separated pre-release identifiers
}

// parseSemver parses "1.2.3", "1.2.3-rc.1" or "1.2.3+meta". A bare major
// or major.minor ("0", "1.2") is accepted as shorthand with the missing
// parts zero, as OSV uses "0" for "every version".
func parseSemver(s string) (semver, bool) {
	var v semver
	if s == "" {
		return v, false
	}
	s, _, _ = strings.Cut(s, "+")
	core, pre, hasPre := strings.Cut(s, "-")

	parts := strings.Split(core, ".")
	if len(parts) > 3 || (hasPre && len(parts) != 3) {
		return v, false
	}
	v.core = [3]string{"0", "0", "0"}
	for i, p := range parts {
		if !isNumber(p) {
			return v, false
		}
		v.core[i] = p
	}

	if hasPre {
		v.pre = strings.Split(pre, ".")
		for _, id := range v.pre {
			if id == "" || (isDigits(id) && !isNumber(id)) || !isIdent(id) {
				return v, false
			}
		}
	}
	return v, true
}

// compareSemver orders two versions: -1 if a < b, 0 if equal, +1 if
// a > b. An invalid version (including "") sorts before every valid one,
// and two invalid versions are equal.
func compareSemver(a, b string) int {
	va, okA := parseSemver(a)
	vb, okB := parseSemver(b)
	switch {
	case !okA && !okB:
		return 0
	case !okA:
		return -1
	case !okB:
		return 1
	}

	for i := range va.core {
		if c := compareNumbers(va.core[i], vb.core[i]); c != 0 {
			return c
		}
	}

	// A version without a pre-release is newer than one with.
	switch {
	case len(va.pre) == 0 && len(vb.pre) == 0:
		return 0
	case len(va.pre) == 0:
		return 1
	case len(vb.pre) == 0:
		return -1
	}
	for i := 0; i < len(va.pre) && i < len(vb.pre); i++ {
		if c := comparePrerelease(va.pre[i], vb.pre[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(va.pre), len(vb.pre))
}

// comparePrerelease orders two pre-release identifiers: numeric ones by
// value and before alphanumeric ones, alphanumeric ones in ASCII order.
func comparePrerelease(a, b string) int {
	na, nb := isDigits(a), isDigits(b)
	switch {
	case na && nb:
		return compareNumbers(a, b)
	case na:
		return -1
	case nb:
		return 1
	}
	return strings.Compare(a, b)
}

// compareNumbers orders two decimal strings without leading zeros, of
// any length.
func compareNumbers(a, b string) int {
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// isNumber reports whether s is a decimal number without leading zeros.
func isNumber(s string) bool {
	return isDigits(s) && (s == "0" || s[0] != '0')
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// isIdent reports whether s has only the characters SemVer allows in an
// identifier.
func isIdent(s string) bool {
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && r != '-' {
			return false
		}
	}
	return true
}
