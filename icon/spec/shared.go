package spec

import "sync"

// shared holds the specs ParseShared has parsed, by content.
var shared struct {
	sync.Mutex
	m map[string]*Spec
}

// ParseShared is Parse for callers that only read the result: it parses
// each distinct content once per process and returns the same *Spec to
// every later call with equal data. A plugin binary reads its embedded
// spec in several places while starting (command help, the engine, its
// trigger list); parsing it once keeps a short-lived run process from
// paying for the YAML decoding more than once.
//
// The returned Spec, its slices and its YAML nodes are shared: callers
// must not modify them. Errors are not remembered; invalid data is parsed
// again on every call. It is safe for concurrent use.
func ParseShared(data []byte) (*Spec, error) {
	shared.Lock()
	s, ok := shared.m[string(data)]
	shared.Unlock()
	if ok {
		return s, nil
	}

	s, err := Parse(data)
	if err != nil {
		return nil, err
	}
	shared.Lock()
	defer shared.Unlock()
	if prev, ok := shared.m[string(data)]; ok {
		// Another caller won the race; everyone gets the same Spec.
		return prev, nil
	}
	if shared.m == nil {
		shared.m = map[string]*Spec{}
	}
	shared.m[string(data)] = s
	return s, nil
}
