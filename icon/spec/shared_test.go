package spec

import (
	"os"
	"sync"
	"testing"
)

// sharedSpec is a small valid spec; its name is unique to these tests so
// that no other test shares its cache entry.
const sharedSpec = `plugin_spec_version: v2
extension: plugin
products: [insightconnect]
name: shared_demo
title: Shared Demo
description: Demo plugin
version: 1.0.0
vendor: example
support: community
status: []
resources: {source_url: "https://example.com", license_url: "https://example.com/l", vendor_url: "https://example.com"}
tags: [a, b]
hub_tags: {use_cases: [data_utility], keywords: [x], features: []}
actions:
  get_thing:
    title: Get Thing
    description: Get a thing
    input:
      id: {title: ID, description: Thing ID, type: integer, required: true, example: 1}
`

func TestParseSharedParsesOnce(t *testing.T) {
	t.Parallel()
	data := []byte(sharedSpec)
	// A copy: equal content at another address is the same spec.
	other := append([]byte(nil), data...)

	var wg sync.WaitGroup
	got := make([]*Spec, 8)
	for i := range got {
		wg.Go(func() {
			in := data
			if i%2 == 1 {
				in = other
			}
			s, err := ParseShared(in)
			if err != nil {
				t.Errorf("ParseShared: %v", err)
			}
			got[i] = s
		})
	}
	wg.Wait()
	for i, s := range got {
		if s == nil || s != got[0] {
			t.Fatalf("call %d returned %p, call 0 %p: want one shared Spec", i, s, got[0])
		}
	}
	if got[0].Name != "shared_demo" || len(got[0].Actions) != 1 {
		t.Errorf("shared spec = %q with %d actions", got[0].Name, len(got[0].Actions))
	}

	fresh, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if fresh == got[0] {
		t.Errorf("Parse returned the shared Spec; it must return a new one")
	}
}

func TestParseSharedDoesNotRememberErrors(t *testing.T) {
	t.Parallel()
	bad := []byte("name: [unclosed\n")
	for range 2 {
		if s, err := ParseShared(bad); err == nil || s != nil {
			t.Fatalf("ParseShared(bad) = %v, %v; want an error", s, err)
		}
	}
	shared.Lock()
	_, kept := shared.m[string(bad)]
	shared.Unlock()
	if kept {
		t.Errorf("a failed parse was cached")
	}
}

// BenchmarkParseShared compares parsing the HaloITSM plugin's spec with
// fetching it from the shared cache.
func BenchmarkParseShared(b *testing.B) {
	data, err := os.ReadFile("../../plugin.spec.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Parse", func(b *testing.B) {
		for b.Loop() {
			if _, err := Parse(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ParseShared", func(b *testing.B) {
		for b.Loop() {
			if _, err := ParseShared(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
