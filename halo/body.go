package halo

import "maps"

// wireBody is a JSON request object under construction: it starts as a
// copy of the caller's extra wire fields, and the typed fields of the
// request are then set over them.
type wireBody map[string]any

// newWireBody returns a copy of extra with room for n more fields. The
// caller's map is never changed.
func newWireBody(extra map[string]any, n int) wireBody {
	b := make(wireBody, len(extra)+n)
	maps.Copy(b, extra)
	return b
}

// setIf sets field k to v when ok, replacing any value extra gave it: a
// typed field that is sent takes precedence over an extra field of the
// same name, and one that is not sent leaves that extra field alone.
func (b wireBody) setIf(k string, v any, ok bool) {
	if ok {
		b[k] = v
	}
}
