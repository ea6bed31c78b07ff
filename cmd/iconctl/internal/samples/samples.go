// Package samples writes the sample start messages of a plugin, one
// tests/<id>.json per action, trigger and task, in the shapes Rapid7's
// "insight-plugin samples" writes and the plugin's run command reads.
//
// Inputs take each parameter's spec default, else an empty value of its
// type (spec.SampleInput). The connection is null when the spec has none;
// otherwise its fields are filled the same way, except that credential and
// password fields are always left empty: Rapid7's CredentialsValidator
// rejects sample files that hold credentials, and real ones must never be
// committed.
package samples

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/haloconnect/icon-haloitsm/icon/spec"
)

// Dir is where the samples go, relative to the plugin directory.
const Dir = "tests"

// Dispatcher is the dispatcher block of trigger samples.
var Dispatcher = map[string]string{"url": "http://localhost:8000", "webhook_url": ""}

// message is a start message; field order is the order written.
type message struct {
	Version string `json:"version"`
	Type    string `json:"type"`
	Body    any    `json:"body"`
}

type actionBody struct {
	Action     string         `json:"action"`
	Meta       map[string]any `json:"meta"`
	Connection map[string]any `json:"connection"`
	Input      map[string]any `json:"input"`
}

type triggerBody struct {
	Trigger    string            `json:"trigger"`
	Meta       map[string]any    `json:"meta"`
	Connection map[string]any    `json:"connection"`
	Dispatcher map[string]string `json:"dispatcher"`
	Input      map[string]any    `json:"input"`
}

type taskBody struct {
	Task       string         `json:"task"`
	Meta       map[string]any `json:"meta"`
	Connection map[string]any `json:"connection"`
	Input      map[string]any `json:"input"`
	State      map[string]any `json:"state"`
}

// Messages returns the sample start message of every component, keyed by
// file name relative to the plugin directory ("tests/add_note.json"). It
// fails when two components share an id, as their files would collide,
// and when an id is not a plain file name (empty, "." or "..", or holding
// a path separator), as its file would land outside tests/.
func Messages(s *spec.Spec) (map[string][]byte, error) {
	conn := connection(s)
	out := map[string][]byte{}
	add := func(kind, id string, m message) error {
		if id == "" || id == "." || id == ".." || strings.ContainsAny(id, `/\`) {
			return fmt.Errorf("samples: %s %q: the id must be a plain file name", kind, id)
		}
		name := Dir + "/" + id + ".json"
		if _, dup := out[name]; dup {
			return fmt.Errorf("samples: %s %q: another component already uses %s", kind, id, name)
		}
		data, err := encode(m)
		if err != nil {
			return fmt.Errorf("samples: %s %q: %w", kind, id, err)
		}
		out[name] = data
		return nil
	}

	for _, c := range s.Actions {
		body := actionBody{Action: c.ID, Meta: map[string]any{}, Connection: conn, Input: c.SampleInput(s)}
		if err := add("action", c.ID, message{"v1", "action_start", body}); err != nil {
			return nil, err
		}
	}
	for _, c := range s.Triggers {
		body := triggerBody{Trigger: c.ID, Meta: map[string]any{}, Connection: conn,
			Dispatcher: Dispatcher, Input: c.SampleInput(s)}
		if err := add("trigger", c.ID, message{"v1", "trigger_start", body}); err != nil {
			return nil, err
		}
	}
	for _, c := range s.Tasks {
		body := taskBody{Task: c.ID, Meta: map[string]any{}, Connection: conn,
			Input: c.SampleInput(s), State: map[string]any{}}
		if err := add("task", c.ID, message{"v1", "task_start", body}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// connection returns the sample connection, with secrets left empty; nil
// (JSON null) when the spec has no connection.
func connection(s *spec.Spec) map[string]any {
	conn := s.SampleConnection()
	if conn == nil {
		return nil
	}
	for _, p := range s.Connection {
		if !strings.HasPrefix(p.Type, "credential_") && p.Type != "password" {
			continue
		}
		empty := p
		empty.HasDefault, empty.Default = false, nil
		conn[p.ID] = s.SampleInput([]spec.Param{empty})[p.ID]
	}
	return conn
}

func encode(m message) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Write parses dir/plugin.spec.yaml and writes every sample into dir,
// replacing existing files of the same name. It returns the written file
// names relative to dir, sorted.
func Write(dir string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "plugin.spec.yaml"))
	if err != nil {
		return nil, fmt.Errorf("samples: %w", err)
	}
	s, err := spec.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("samples: plugin.spec.yaml: %w", err)
	}
	msgs, err := Messages(s)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, Dir), 0o755); err != nil {
		return nil, fmt.Errorf("samples: %w", err)
	}
	// Writing through a Root keeps every file inside the plugin
	// directory, even when tests/ holds a symbolic link.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("samples: %w", err)
	}
	defer root.Close()
	names := make([]string, 0, len(msgs))
	for name := range msgs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := root.WriteFile(filepath.FromSlash(name), msgs[name], 0o644); err != nil {
			return nil, fmt.Errorf("samples: %w", err)
		}
	}
	return names, nil
}
