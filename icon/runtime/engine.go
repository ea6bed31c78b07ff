package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	rtdebug "runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/haloconnect/icon-haloitsm/icon/runtime/exception"
	"github.com/haloconnect/icon-haloitsm/icon/spec"
)

// Step kinds, as used in metrics labels and messages.
const (
	kindAction     = "action"
	kindTrigger    = "trigger"
	kindTask       = "task"
	kindConnection = "connection"
)

// engine executes start messages for one plugin. It is shared by the CLI
// and HTTP modes and is safe for concurrent use.
type engine struct {
	p       Plugin
	spec    *spec.Spec
	debug   bool
	format  logFormat
	stderr  io.Writer
	conns   *connCache
	connV   *lazyValidator
	inputV  map[string]*lazyValidator // by kind + "/" + id
	outputV map[string]*lazyValidator
	metrics *metrics
}

// lazyValidator compiles the schema of one parameter list on first use.
// Compiling every step's schemas up front costs a run process, which
// runs one step, more CPU time than the step itself; HTTP mode compiles
// each step's schemas once, on the step's first call. It is safe for
// concurrent use.
type lazyValidator struct {
	spec   *spec.Spec
	what   string
	params []spec.Param

	once sync.Once
	v    *spec.Validator
	err  error
}

func newLazyValidator(s *spec.Spec, what string, params []spec.Param) *lazyValidator {
	return &lazyValidator{spec: s, what: what, params: params}
}

// get returns the compiled validator, compiling it on the first call. A
// schema that does not compile is a bug in the plugin's spec, reported
// as a *ConfigError, the same on every call.
func (l *lazyValidator) get() (*spec.Validator, error) {
	l.once.Do(func() {
		if l.v, l.err = l.spec.NewValidator(l.what, l.params); l.err != nil {
			l.err = &ConfigError{Msg: l.err.Error()}
		}
	})
	return l.v, l.err
}

// Prepare is spec.Validator.Prepare; when the schema does not compile it
// returns a copy of in, and Validate reports the compile error.
func (l *lazyValidator) Prepare(in map[string]any) map[string]any {
	v, err := l.get()
	if err != nil {
		return maps.Clone(in)
	}
	return v.Prepare(in)
}

// Validate is spec.Validator.Validate, or the *ConfigError of a schema
// that does not compile.
func (l *lazyValidator) Validate(value map[string]any) error {
	v, err := l.get()
	if err != nil {
		return err
	}
	return v.Validate(value)
}

// ConfigError reports a Plugin that does not match its spec.
type ConfigError struct {
	Msg string
}

func (e *ConfigError) Error() string { return "runtime: plugin: " + e.Msg }

// newEngine builds the engine of p. Invocations log in format, at debug
// level and to stderr too with debug.
func newEngine(p Plugin, debug bool, format logFormat, stderr io.Writer) (*engine, error) {
	s, err := spec.ParseShared(p.Spec)
	if err != nil {
		return nil, err
	}
	e := &engine{
		p: p, spec: s, debug: debug, format: format, stderr: stderr,
		conns:   newConnCache(p.ConnectionCacheSize),
		connV:   newLazyValidator(s, "connection", s.Connection),
		inputV:  map[string]*lazyValidator{},
		outputV: map[string]*lazyValidator{},
	}
	if err := e.checkHandlers(); err != nil {
		return nil, err
	}
	// Schemas compile on first use (see lazyValidator).
	for kind, cs := range map[string][]spec.Component{
		kindAction: s.Actions, kindTrigger: s.Triggers, kindTask: s.Tasks,
	} {
		for _, c := range cs {
			key := kind + "/" + c.ID
			e.inputV[key] = newLazyValidator(s, "input", c.Input)
			e.outputV[key] = newLazyValidator(s, "output", c.Output)
		}
	}
	if p.Metrics != nil {
		if e.metrics, err = newMetrics(p.Metrics); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// checkHandlers reports handlers without a spec entry. A spec entry
// without a handler is allowed, so that a plugin can be built step by
// step; running it reports that the step is not implemented.
func (e *engine) checkHandlers() error {
	var bad []string
	for id := range e.p.Actions {
		if e.spec.Action(id) == nil {
			bad = append(bad, fmt.Sprintf("action %q", id))
		}
	}
	for id := range e.p.Triggers {
		if e.spec.Trigger(id) == nil {
			bad = append(bad, fmt.Sprintf("trigger %q", id))
		}
	}
	for id := range e.p.Tasks {
		if e.spec.Task(id) == nil {
			bad = append(bad, fmt.Sprintf("task %q", id))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return &ConfigError{Msg: fmt.Sprintf("handlers without a spec entry: %v", bad)}
}

// result is the outcome of executing one start message.
type result struct {
	env        *envelope
	httpStatus int
}

// failed reports whether the envelope carries an error.
func (r *result) failed() bool { return !r.env.OK }

// stepKind maps a start message type to its step kind.
func stepKind(msgType string) string {
	switch msgType {
	case typeTriggerStart:
		return kindTrigger
	case typeTaskStart:
		return kindTask
	case typeConnectionTest:
		return kindConnection
	}
	return kindAction
}

// component returns the spec entry a message names, or nil.
func (e *engine) component(kind, name string) *spec.Component {
	switch kind {
	case kindAction:
		return e.spec.Action(name)
	case kindTrigger:
		return e.spec.Trigger(name)
	case kindTask:
		return e.spec.Task(name)
	}
	return nil
}

// invalidInput builds the exception for input that fails validation.
func invalidInput(err error) *exception.PluginException {
	return &exception.PluginException{
		Cause:      fmt.Sprintf("Invalid plugin input: %v.", err),
		Assistance: exception.BadRequest.Assistance(),
		Preset:     exception.BadRequest,
		Err:        err,
	}
}

// invalidOutput builds the exception for a handler whose output does not
// match the spec: a bug in the plugin, not in the user's input.
func invalidOutput(err error) *exception.PluginException {
	return &exception.PluginException{
		Cause:      fmt.Sprintf("The plugin produced output that does not match its specification: %v.", err),
		Assistance: "This is a bug in the plugin; report it to the plugin's maintainer.",
		Err:        err,
	}
}

// badRequest builds an exception for a request the plugin cannot serve.
func badRequest(cause string) *exception.PluginException {
	return &exception.PluginException{
		Cause: cause, Assistance: exception.BadRequest.Assistance(), Preset: exception.BadRequest,
	}
}

// secrets returns the values an invocation masks: the connection's
// secret fields (see spec.SecretValues) and the step's inputs of type
// password, such as a webhook password or a TLS private key.
func (e *engine) secrets(msg *startMessage) []string {
	out := e.spec.SecretValues(msg.Connection)
	c := e.component(stepKind(msg.Type), msg.Name)
	if c == nil {
		return out
	}
	for _, p := range c.Input {
		if v, ok := msg.Input[p.ID].(string); ok && v != "" && p.Type == "password" {
			out = append(out, v)
		}
	}
	return out
}

// connect validates the message's connection and returns the cached or a
// newly built Connection. It records the secrets in the invocation's
// masker first, so nothing logged afterwards can leak them.
func (e *engine) connect(ctx context.Context, msg *startMessage, inv *invocation) (Connection, error) {
	inv.mask.set(e.secrets(msg))
	if e.p.Connect == nil {
		return nil, nil
	}
	if _, err := e.connV.get(); err != nil {
		return nil, err
	}
	params := e.connV.Prepare(msg.Connection)
	if err := e.connV.Validate(params); err != nil {
		return nil, &exception.PluginException{
			Cause:      fmt.Sprintf("Invalid connection: %v.", err),
			Assistance: "Verify the connection settings are correct and try again.",
			Preset:     exception.BadRequest,
			Err:        err,
		}
	}
	key := cacheKey(msg.ConnectionCacheKey, params)
	return e.conns.get(key, func() (conn Connection, err error) {
		inv.log.Debug("building connection")
		err = e.safely(inv, func() error {
			var cerr error
			conn, cerr = e.p.Connect(ctx, &ConnectRequest{Params: params, CacheKey: key, Logger: inv.log})
			return cerr
		})
		if err == nil && conn == nil {
			err = errors.New("runtime: Connect returned a nil connection")
		}
		return conn, err
	})
}

// safely runs fn, turning a panic into an Unknown exception; the stack
// goes to the log only.
func (e *engine) safely(inv *invocation, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			inv.log.Error("handler panicked", "panic", fmt.Sprint(r), "stack", string(rtdebug.Stack()))
			err = exception.New(exception.Unknown, fmt.Sprintf("panic: %v", r))
		}
	}()
	return fn()
}

// fail fills env with err's error and exception and returns the HTTP
// status it maps to. In test mode every error is reported as a connection
// test failure. This is the one place errors become exceptions and status
// codes.
func (e *engine) fail(env *envelope, inv *invocation, err error, test bool) int {
	env.OK = false
	env.Output = nil
	if test {
		te := exception.FromTest(err)
		inv.log.Error("connection test failed", "error", te.Error())
		env.Error = inv.mask.String(te.Error())
		env.Exception = &exceptionBody{
			Cause:      inv.mask.String(te.Cause),
			Assistance: inv.mask.String(te.Assistance),
			Data:       inv.mask.String(te.Data),
		}
		return 400
	}
	pe := exception.From(err)
	inv.log.Error("step failed", "error", pe.Error())
	env.Error = inv.mask.String(pe.Error())
	env.Exception = &exceptionBody{
		Cause:      inv.mask.String(pe.Cause),
		Assistance: inv.mask.String(pe.Assistance),
		Data:       inv.mask.String(pe.Data),
	}
	if pe.Preset == exception.BadRequest {
		return 400
	}
	return 500
}

// execute runs an action or task start message, or a connection test when
// test is set (or the message is a connection_test). headerID is the
// X-REQUEST-ID header, if any. Triggers run through runTrigger instead.
func (e *engine) execute(ctx context.Context, msg *startMessage, test bool, headerID string) *result {
	return e.executeMode(ctx, msg, test, false, headerID)
}

// executeMode is execute; testTask selects the task connection test
// (TaskTester) whatever the message type, and answers 501 when the
// connection has none.
func (e *engine) executeMode(ctx context.Context, msg *startMessage, test, testTask bool, headerID string) *result {
	start := time.Now()
	kind := stepKind(msg.Type)
	inv := newInvocation(requestID(headerID, msg.Meta), e.debug, e.format, e.stderr)
	env := &envelope{Type: eventType(msg.Type), Meta: msg.Meta}
	res := &result{env: env, httpStatus: 200}

	if test || kind == kindConnection || testTask {
		if testTask && !e.hasTaskTest(ctx, msg, inv) {
			res.httpStatus = e.fail(env, inv, errNoTest, true)
			res.httpStatus = 501
		} else {
			e.test(ctx, msg, inv, res, kind == kindTask || testTask)
		}
	} else {
		e.run(ctx, msg, kind, inv, res)
	}

	outcome := "ok"
	if res.failed() {
		outcome = "error"
	}
	metricKind := kind
	if test {
		metricKind = kind + "_test"
	}
	e.metrics.observeRun(metricKind, msg.Name, outcome, time.Since(start))
	env.Log = inv.cap.Text()
	return res
}

// run executes an action or a task.
func (e *engine) run(ctx context.Context, msg *startMessage, kind string, inv *invocation, res *result) {
	env := res.env
	inv.log.Info("running step", "kind", kind, "name", msg.Name)

	comp := e.component(kind, msg.Name)
	if comp == nil {
		res.httpStatus = e.fail(env, inv, badRequest(fmt.Sprintf("The plugin has no %s %q.", kind, msg.Name)), false)
		return
	}
	key := kind + "/" + msg.Name

	// Secrets first, so that nothing below can log them.
	inv.mask.set(e.secrets(msg))
	if _, err := e.inputV[key].get(); err != nil {
		res.httpStatus = e.fail(env, inv, err, false)
		return
	}
	input := e.inputV[key].Prepare(msg.Input)
	if err := e.inputV[key].Validate(input); err != nil {
		res.httpStatus = e.fail(env, inv, invalidInput(err), false)
		return
	}
	conn, err := e.connect(ctx, msg, inv)
	if err != nil {
		res.httpStatus = e.fail(env, inv, err, false)
		return
	}
	req := &Request{
		Name: msg.Name, Conn: conn, Input: input, Logger: inv.log, Meta: msg.Meta,
		RequestID: inv.id, Dispatcher: msg.Dispatcher, State: msg.State,
		CustomConfig: msg.CustomConfig,
	}

	var out any
	switch kind {
	case kindAction:
		h := e.p.Actions[msg.Name]
		if h == nil {
			res.httpStatus = e.fail(env, inv, notImplemented(kind, msg.Name), false)
			return
		}
		err = e.safely(inv, func() (herr error) { out, herr = h(ctx, req); return herr })
	case kindTask:
		h := e.p.Tasks[msg.Name]
		if h == nil {
			res.httpStatus = e.fail(env, inv, notImplemented(kind, msg.Name), false)
			return
		}
		var tr *TaskResult
		err = e.safely(inv, func() (herr error) { tr, herr = h(ctx, req); return herr })
		if tr == nil {
			tr = &TaskResult{}
		}
		out = tr.Output
		env.Task = &TaskResult{State: inv.mask.Map(tr.State), HasMorePages: tr.HasMorePages, StatusCode: tr.StatusCode}
	}
	if err != nil {
		res.httpStatus = e.fail(env, inv, err, false)
		return
	}

	obj, err := e.checkOutput(comp, e.outputV[key], out)
	if err != nil {
		res.httpStatus = e.fail(env, inv, err, false)
		return
	}
	env.OK = true
	env.Output = inv.mask.Map(obj)
	inv.log.Info("step finished", "kind", kind, "name", msg.Name)
}

func notImplemented(kind, name string) *exception.PluginException {
	return &exception.PluginException{
		Cause:      fmt.Sprintf("The %s %q is not implemented by this plugin.", kind, name),
		Assistance: "This is a bug in the plugin; report it to the plugin's maintainer.",
	}
}

// checkOutput turns a handler's output into a JSON object, drops null
// optional fields, and validates it against the spec.
func (e *engine) checkOutput(comp *spec.Component, v *lazyValidator, out any) (map[string]any, error) {
	if _, err := v.get(); err != nil {
		return nil, err
	}
	obj, err := toObject(out)
	if err != nil {
		return nil, invalidOutput(err)
	}
	for _, p := range comp.Output {
		if val, ok := obj[p.ID]; ok && val == nil && !p.Required {
			delete(obj, p.ID)
		}
	}
	if err := v.Validate(obj); err != nil {
		return nil, invalidOutput(err)
	}
	return obj, nil
}

// toObject converts a handler's output (a map, a struct, nil) to a decoded
// JSON object. Numbers stay json.Number so large integers keep their
// digits.
func toObject(v any) (map[string]any, error) {
	if v == nil {
		return map[string]any{}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("output cannot be encoded as JSON: %w", err)
	}
	if bytes.Equal(b, []byte("null")) {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("output is not a JSON object: %s", shortJSON(b))
	}
	return obj, nil
}

func shortJSON(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// errNoTest means the plugin has no connection test to run.
var errNoTest = errors.New("runtime: the plugin has no connection test")

// test runs the connection test for a message: with task set, the task
// test when the connection implements TaskTester, else Test.
func (e *engine) test(ctx context.Context, msg *startMessage, inv *invocation, res *result, task bool) {
	env := res.env
	inv.log.Info("testing connection", "kind", stepKind(msg.Type), "name", msg.Name)

	conn, err := e.connect(ctx, msg, inv)
	if err != nil {
		res.httpStatus = e.fail(env, inv, err, true)
		return
	}
	if conn == nil {
		res.httpStatus = e.fail(env, inv, errNoTest, true)
		res.httpStatus = 501
		return
	}
	var out map[string]any
	if tt, ok := conn.(TaskTester); ok && task {
		var message string
		err = e.safely(inv, func() (terr error) { out, message, terr = tt.TestTask(ctx, inv.log); return terr })
		e.finishTest(env, inv, res, out, err)
		// The task test's message replaces the log; on failure the
		// exception's data does.
		if err == nil {
			inv.cap.Take()
			inv.cap.Write([]byte(message)) //nolint:errcheck // capture never fails
		} else {
			inv.cap.Take()
			inv.cap.Write([]byte(env.Exception.Data)) //nolint:errcheck // capture never fails
		}
		return
	}
	err = e.safely(inv, func() (terr error) { out, terr = conn.Test(ctx, inv.log); return terr })
	e.finishTest(env, inv, res, out, err)
}

// hasTaskTest reports whether the message's connection implements
// TaskTester. Building the connection here is not wasted: it is cached.
func (e *engine) hasTaskTest(ctx context.Context, msg *startMessage, inv *invocation) bool {
	conn, err := e.connect(ctx, msg, inv)
	if err != nil {
		return true // let the test report the connection error
	}
	_, ok := conn.(TaskTester)
	return ok
}

func (e *engine) finishTest(env *envelope, inv *invocation, res *result, out map[string]any, err error) {
	if err != nil {
		res.httpStatus = e.fail(env, inv, err, true)
		return
	}
	env.OK = true
	if out == nil {
		res.httpStatus = 204
	}
	obj, jerr := toObject(out)
	if jerr != nil {
		res.httpStatus = e.fail(env, inv, jerr, true)
		return
	}
	env.Output = inv.mask.Map(obj)
}

// stderrLogger returns a logger for runtime messages outside any
// invocation (server start, shutdown), writing to w in format.
func stderrLogger(w io.Writer, debug bool, format logFormat) *slog.Logger {
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	return slog.New(newLogHandler(w, format, level))
}
