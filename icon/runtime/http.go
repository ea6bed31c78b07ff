package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	goruntime "runtime"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/haloconnect/icon-haloitsm/icon/spec"
)

// HTTP server limits.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = time.Minute
	// writeTimeout bounds a whole request, so it must outlast the slowest
	// action the platform waits for.
	writeTimeout    = 15 * time.Minute
	idleTimeout     = 2 * time.Minute
	shutdownTimeout = 30 * time.Second
)

// Handler returns the HTTP mode handler for p, with both route sets
// (legacy at / and /api/v1), for serving in-process (tests, embedding).
// The handler is safe for concurrent use; its connection cache lives as
// long as it does.
func Handler(p Plugin) (http.Handler, error) {
	eng, err := newEngine(p, false, logText, io.Discard)
	if err != nil {
		return nil, err
	}
	return newServer(eng), nil
}

// server is the HTTP mode's routes around an engine.
type server struct {
	eng *engine
	mux *http.ServeMux
}

func newServer(eng *engine) *server {
	s := &server{eng: eng, mux: http.NewServeMux()}
	for _, prefix := range []string{"", "/api/v1"} {
		s.route("POST "+prefix+"/actions/{name}", s.step(kindAction, false))
		s.route("POST "+prefix+"/actions/{name}/test", s.step(kindAction, true))
		s.route("POST "+prefix+"/triggers/{name}", s.triggerRun)
		s.route("POST "+prefix+"/triggers/{name}/test", s.step(kindTrigger, true))
		s.route("POST "+prefix+"/tasks/{name}", s.step(kindTask, false))
		s.route("POST "+prefix+"/tasks/{name}/test", s.step(kindTask, true))
	}
	s.route("GET /api/v1/info", s.info)
	s.route("GET /api/v1/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSONResponse(w, 200, map[string]any{"status": "Ready"})
	})
	s.route("GET /api/v1/actions", s.list(eng.spec.Actions))
	s.route("GET /api/v1/triggers", s.list(eng.spec.Triggers))
	s.route("GET /api/v1/tasks", s.list(eng.spec.Tasks))
	s.route("GET /api/v1/actions/{name}", s.entry(kindAction))
	s.route("GET /api/v1/triggers/{name}", s.entry(kindTrigger))
	s.route("GET /api/v1/tasks/{name}", s.entry(kindTask))
	s.route("GET /api/v1/spec", s.specDoc)
	s.route("GET /api/v1/api", s.swagger)
	s.route("GET /api/v1/connection", func(w http.ResponseWriter, r *http.Request) {
		writeJSONResponse(w, 200, eng.spec.ConnectionSchema())
	})
	s.route("GET /api/v1/definitions/actions", s.actionDefinitions)
	s.route("POST /api/v1/connection/{test}", s.connectionTest)
	if eng.p.Metrics != nil {
		s.route("GET /metrics", promhttp.HandlerFor(eng.p.Metrics, promhttp.HandlerOpts{}).ServeHTTP)
	}
	s.route("/", func(w http.ResponseWriter, r *http.Request) {
		frameworkError(w, r, http.StatusNotFound, "The requested URL was not found on the server.")
	})
	return s
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// route registers h under pattern, counting requests by pattern and code.
func (s *server) route(pattern string, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: 200}
		h(rec, r)
		s.eng.metrics.observeRequest(pattern, rec.code)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// frameworkError writes an error that is not a step's: the JSON shape
// {code, description, name, response, url, method}.
func frameworkError(w http.ResponseWriter, r *http.Request, code int, description string) {
	writeJSONResponse(w, code, map[string]any{
		"code": code, "description": description, "name": http.StatusText(code),
		"response": nil, "url": r.URL.String(), "method": r.Method,
	})
}

func writeJSONResponse(w http.ResponseWriter, code int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		code = 500
		b.Reset()
		b.WriteString(`{"error":"response cannot be encoded"}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(b.Bytes()) //nolint:errcheck // the client went away
}

// readStart reads and parses a start message body, answering 413 or 400
// itself when it cannot.
func readStart(w http.ResponseWriter, r *http.Request) (*startMessage, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxMessageSize))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			frameworkError(w, r, http.StatusRequestEntityTooLarge,
				fmt.Sprintf("The request body is larger than %d bytes.", maxMessageSize))
			return nil, false
		}
		frameworkError(w, r, http.StatusBadRequest, "The request body could not be read.")
		return nil, false
	}
	msg, err := parseStart(body)
	if err != nil {
		frameworkError(w, r, http.StatusBadRequest, err.Error())
		return nil, false
	}
	return msg, true
}

// startTypes is the start message type each step route accepts.
var startTypes = map[string]string{
	kindAction: typeActionStart, kindTrigger: typeTriggerStart, kindTask: typeTaskStart,
}

// step serves POST /{kind}s/{name} and /{kind}s/{name}/test.
func (s *server) step(kind string, test bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		msg, ok := readStart(w, r)
		if !ok {
			return
		}
		name := r.PathValue("name")
		if msg.Type != startTypes[kind] {
			frameworkError(w, r, http.StatusBadRequest,
				fmt.Sprintf("The start message type %q does not match this route; want %q.",
					msg.Type, startTypes[kind]))
			return
		}
		if msg.Name != name {
			frameworkError(w, r, http.StatusBadRequest,
				fmt.Sprintf("The %s in the URL (%q) does not match the %s in the body (%q).",
					kind, name, kind, msg.Name))
			return
		}
		res := s.eng.execute(r.Context(), msg, test, r.Header.Get("X-REQUEST-ID"))
		code := res.httpStatus
		if code == 204 {
			// Only the connection routes answer a null test output
			// with 204; step tests return the envelope.
			code = 200
		}
		writeEnvelope(w, code, res.env)
	}
}

func writeEnvelope(w http.ResponseWriter, code int, env *envelope) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(env.encode()) //nolint:errcheck // the client went away
}

func (s *server) triggerRun(w http.ResponseWriter, r *http.Request) {
	frameworkError(w, r, http.StatusBadRequest,
		"Triggers cannot be run over HTTP: a trigger should be started in legacy mode (the run command).")
}

// connectionTest serves POST /api/v1/connection/{test|test_task}.
func (s *server) connectionTest(w http.ResponseWriter, r *http.Request) {
	testType := r.PathValue("test")
	if testType != "test" && testType != "test_task" {
		frameworkError(w, r, http.StatusNotFound,
			fmt.Sprintf("Unknown connection test type %q; use test or test_task.", testType))
		return
	}
	msg, ok := readStart(w, r)
	if !ok {
		return
	}
	msg.Type = typeConnectionTest
	res := s.eng.executeMode(r.Context(), msg, true, testType == "test_task", r.Header.Get("X-REQUEST-ID"))
	if res.httpStatus == 204 {
		w.WriteHeader(204)
		return
	}
	writeEnvelope(w, res.httpStatus, res.env)
}

func (s *server) info(w http.ResponseWriter, r *http.Request) {
	sp := s.eng.spec
	tags := sp.Tags
	if tags == nil {
		tags = []string{}
	}
	writeJSONResponse(w, 200, map[string]any{
		"name": sp.Name, "description": sp.Description, "version": sp.Version,
		"vendor": sp.Vendor, "plugin_spec_version": sp.PluginSpecVersion, "title": sp.Title,
		"support": sp.Support, "tags": tags, "enable_cache": sp.EnableCache,
		"number_of_workers": 1, "threads": goruntime.GOMAXPROCS(0), "sdk_version": Version,
	})
}

func (s *server) list(cs []spec.Component) http.HandlerFunc {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return func(w http.ResponseWriter, r *http.Request) { writeJSONResponse(w, 200, ids) }
}

func (s *server) entry(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		c := s.eng.component(kind, name)
		if c == nil {
			writeJSONResponse(w, 400, map[string]any{
				"error": fmt.Sprintf("Unknown %s %q.", kind, name),
			})
			return
		}
		writeJSONResponse(w, 200, spec.Value(c.Node))
	}
}

func (s *server) specDoc(w http.ResponseWriter, r *http.Request) {
	switch format := r.URL.Query().Get("format"); format {
	case "", "json":
		writeJSONResponse(w, 200, spec.Value(s.eng.spec.Root))
	case "yaml":
		w.Header().Set("Content-Type", "application/x-yaml")
		w.WriteHeader(200)
		w.Write(s.eng.p.Spec) //nolint:errcheck // the client went away
	default:
		writeJSONResponse(w, 422, map[string]any{
			"error": fmt.Sprintf("Unsupported format %q; use json or yaml.", format),
		})
	}
}

func (s *server) actionDefinitions(w http.ResponseWriter, r *http.Request) {
	defs := []any{}
	for _, c := range s.eng.spec.Actions {
		defs = append(defs, map[string]any{
			"identifier": c.ID, "inputJsonSchema": c.InputSchema(s.eng.spec),
		})
	}
	writeJSONResponse(w, 200, map[string]any{"actionsDefinitions": defs})
}

// swagger serves a minimal Swagger 2.0 description of the routes.
func (s *server) swagger(w http.ResponseWriter, r *http.Request) {
	sp := s.eng.spec
	ok := map[string]any{"200": map[string]any{"description": "OK"}}
	get := func(summary string) map[string]any {
		return map[string]any{"get": map[string]any{"summary": summary, "produces": []string{"application/json"}, "responses": ok}}
	}
	post := func(summary string) map[string]any {
		return map[string]any{"post": map[string]any{
			"summary": summary, "consumes": []string{"application/json"},
			"produces": []string{"application/json"},
			"parameters": []any{map[string]any{
				"in": "body", "name": "body", "required": true,
				"schema": map[string]any{"type": "object"},
			}},
			"responses": map[string]any{
				"200": map[string]any{"description": "The result envelope"},
				"400": map[string]any{"description": "Invalid input or request"},
				"500": map[string]any{"description": "The step failed"},
			},
		}}
	}
	paths := map[string]any{
		"/api/v1/info":                 get("Plugin information"),
		"/api/v1/status":               get("Readiness"),
		"/api/v1/actions":              get("Action ids"),
		"/api/v1/triggers":             get("Trigger ids"),
		"/api/v1/tasks":                get("Task ids"),
		"/api/v1/spec":                 get("The plugin spec (format=json or yaml)"),
		"/api/v1/connection":           get("Connection JSON Schema"),
		"/api/v1/definitions/actions":  get("Action input JSON Schemas"),
		"/api/v1/connection/test":      post("Test the connection"),
		"/api/v1/connection/test_task": post("Test the connection for tasks"),
	}
	for _, c := range sp.Actions {
		paths["/api/v1/actions/"+c.ID] = post("Run action " + c.ID)
		paths["/api/v1/actions/"+c.ID+"/test"] = post("Test the connection of action " + c.ID)
	}
	for _, c := range sp.Triggers {
		paths["/api/v1/triggers/"+c.ID+"/test"] = post("Test the connection of trigger " + c.ID)
	}
	for _, c := range sp.Tasks {
		paths["/api/v1/tasks/"+c.ID] = post("Run task " + c.ID)
		paths["/api/v1/tasks/"+c.ID+"/test"] = post("Test the connection of task " + c.ID)
	}
	writeJSONResponse(w, 200, map[string]any{
		"swagger":  "2.0",
		"info":     map[string]any{"title": sp.Title, "description": sp.Description, "version": sp.Version},
		"basePath": "/",
		"schemes":  []string{"http"},
		"paths":    paths,
	})
}

// serve runs HTTP mode until ctx ends, then shuts down gracefully.
func (c *cli) serve(ctx context.Context) error {
	eng, err := newEngine(c.p, c.debug, c.format, c.stderr)
	if err != nil {
		return err
	}
	log := stderrLogger(c.stderr, c.debug, c.format)
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(c.host, strconv.Itoa(c.port)))
	if err != nil {
		return fmt.Errorf("runtime: listen: %w", err)
	}
	srv := &http.Server{
		Handler:           newServer(eng),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving", "address", ln.Addr().String(), "plugin", eng.spec.Name, "version", eng.spec.Version)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("runtime: serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	serr := <-errc
	if err != nil {
		return fmt.Errorf("runtime: shutdown: %w", err)
	}
	if !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("runtime: serve: %w", serr)
	}
	log.Info("stopped")
	return nil
}
