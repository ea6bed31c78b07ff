package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Message types of the protocol.
const (
	typeActionStart    = "action_start"
	typeTriggerStart   = "trigger_start"
	typeTaskStart      = "task_start"
	typeConnectionTest = "connection_test"

	typeActionEvent  = "action_event"
	typeTriggerEvent = "trigger_event"
	typeTaskEvent    = "task_event"
)

// maxMessageSize bounds a start message read from stdin or an HTTP body.
const maxMessageSize = 10 << 20

// startMessage is a decoded start message. Meta keeps its exact bytes so it
// can be echoed back unchanged.
type startMessage struct {
	Type string
	// Name is body.action, body.trigger or body.task.
	Name               string
	Meta               json.RawMessage
	Connection         map[string]any
	ConnectionCacheKey string
	Dispatcher         Dispatcher
	Input              map[string]any
	State              map[string]any
	CustomConfig       map[string]any
}

// MessageError reports a start message the runtime cannot accept.
type MessageError struct {
	Msg string
}

func (e *MessageError) Error() string { return "runtime: start message: " + e.Msg }

// parseStart decodes a start message. Only version v1 is accepted; missing
// meta, connection, dispatcher and input default to {}.
func parseStart(data []byte) (*startMessage, error) {
	var outer struct {
		Version *string         `json:"version"`
		Type    string          `json:"type"`
		Body    json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(data, &outer); err != nil {
		return nil, &MessageError{Msg: fmt.Sprintf("invalid JSON: %v", err)}
	}
	if outer.Version == nil {
		return nil, &MessageError{Msg: `missing "version"`}
	}
	if *outer.Version != "v1" {
		return nil, &MessageError{Msg: fmt.Sprintf(`unsupported version %q, want "v1"`, *outer.Version)}
	}
	switch outer.Type {
	case typeActionStart, typeTriggerStart, typeTaskStart, typeConnectionTest:
	case "":
		return nil, &MessageError{Msg: `missing "type"`}
	default:
		return nil, &MessageError{Msg: fmt.Sprintf("unsupported type %q", outer.Type)}
	}

	var body struct {
		Action             string          `json:"action"`
		Trigger            string          `json:"trigger"`
		Task               string          `json:"task"`
		Meta               json.RawMessage `json:"meta"`
		Connection         map[string]any  `json:"connection"`
		ConnectionCacheKey string          `json:"connection_cache_key"`
		Dispatcher         *Dispatcher     `json:"dispatcher"`
		Input              map[string]any  `json:"input"`
		State              map[string]any  `json:"state"`
		CustomConfig       map[string]any  `json:"custom_config"`
	}
	if len(outer.Body) > 0 && !bytes.Equal(outer.Body, []byte("null")) {
		if err := json.Unmarshal(outer.Body, &body); err != nil {
			return nil, &MessageError{Msg: fmt.Sprintf("invalid body: %v", err)}
		}
	}

	m := &startMessage{
		Type:               outer.Type,
		Meta:               body.Meta,
		Connection:         orEmpty(body.Connection),
		ConnectionCacheKey: body.ConnectionCacheKey,
		Input:              orEmpty(body.Input),
		State:              orEmpty(body.State),
		CustomConfig:       orEmpty(body.CustomConfig),
	}
	if len(m.Meta) == 0 || bytes.Equal(m.Meta, []byte("null")) {
		m.Meta = json.RawMessage("{}")
	}
	if body.Dispatcher != nil {
		m.Dispatcher = *body.Dispatcher
	}
	switch outer.Type {
	case typeActionStart:
		m.Name = body.Action
	case typeTriggerStart:
		m.Name = body.Trigger
	case typeTaskStart:
		m.Name = body.Task
	case typeConnectionTest:
		m.Name = body.Task
	}
	if m.Name == "" && outer.Type != typeConnectionTest {
		return nil, &MessageError{Msg: fmt.Sprintf("body has no step name for %s", outer.Type)}
	}
	return m, nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// eventType returns the envelope type answering a start message type.
func eventType(start string) string {
	switch start {
	case typeTriggerStart:
		return typeTriggerEvent
	case typeTaskStart:
		return typeTaskEvent
	case typeConnectionTest:
		return typeConnectionTest
	}
	return typeActionEvent
}

// exceptionBody is the envelope's exception object.
type exceptionBody struct {
	Cause      string `json:"cause"`
	Assistance string `json:"assistance"`
	Data       string `json:"data"`
}

// envelope is a result envelope. Exactly one of Output (status ok) and
// Error (status error) is meaningful.
type envelope struct {
	Type      string
	Log       string
	Meta      json.RawMessage
	OK        bool
	Output    map[string]any
	Error     string
	Exception *exceptionBody
	// Task adds state, has_more_pages and status_code for task events.
	Task *TaskResult
}

// encode writes the envelope as one line of JSON. It is assembled by hand
// so that meta is written back with exactly the bytes it arrived with;
// encoding/json would re-compact it.
func (e *envelope) encode() []byte {
	var b bytes.Buffer
	b.WriteString(`{"version":"v1","type":`)
	writeJSON(&b, e.Type)
	b.WriteString(`,"body":{"log":`)
	writeJSON(&b, e.Log)
	if e.OK {
		b.WriteString(`,"status":"ok","meta":`)
	} else {
		b.WriteString(`,"status":"error","meta":`)
	}
	b.Write(oneLine(e.Meta))
	if e.OK {
		b.WriteString(`,"output":`)
		if e.Output == nil {
			b.WriteString("{}")
		} else {
			writeJSON(&b, e.Output)
		}
	} else {
		b.WriteString(`,"error":`)
		writeJSON(&b, e.Error)
		if e.Exception != nil {
			b.WriteString(`,"exception":`)
			writeJSON(&b, e.Exception)
		}
	}
	if e.Task != nil {
		state := e.Task.State
		if state == nil {
			state = map[string]any{}
		}
		code := e.Task.StatusCode
		if code == 0 {
			code = 200
		}
		b.WriteString(`,"state":`)
		writeJSON(&b, state)
		b.WriteString(`,"has_more_pages":`)
		writeJSON(&b, e.Task.HasMorePages)
		b.WriteString(`,"status_code":`)
		writeJSON(&b, code)
	}
	b.WriteString("}}\n")
	return b.Bytes()
}

// triggerEvent encodes the envelope POSTed to the dispatcher for one event.
func triggerEvent(meta json.RawMessage, output map[string]any, log string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"version":"v1","type":"trigger_event","body":{"meta":`)
	b.Write(oneLine(meta))
	b.WriteString(`,"output":`)
	writeJSON(&b, output)
	b.WriteString(`,"log":`)
	writeJSON(&b, log)
	b.WriteString("}}\n")
	return b.Bytes()
}

// oneLine returns meta unchanged unless it spans lines, in which case it is
// compacted so that every envelope stays on one line.
func oneLine(raw json.RawMessage) []byte {
	if !bytes.ContainsAny(raw, "\r\n") {
		return raw
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return []byte("{}")
	}
	return b.Bytes()
}

// writeJSON encodes v without HTML escaping and without a newline. Values
// here are decoded JSON or plain strings, so encoding cannot fail; should
// it, null is written so the envelope stays valid.
func writeJSON(b *bytes.Buffer, v any) {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		b.WriteString("null")
		return
	}
	b.Write(bytes.TrimSuffix(tmp.Bytes(), []byte("\n")))
}
