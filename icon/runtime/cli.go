package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/haloconnect/icon-haloitsm/icon/spec"
)

// Exit codes. They follow the Python runtime, which prints the envelope
// and then exits non-zero when the step failed:
//
//   - ExitOK: the step succeeded, the test passed, or a trigger was
//     stopped by SIGTERM/SIGINT.
//   - ExitFailed: an envelope with status "error" was written (step or
//     connection test failed, a trigger stopped with an error).
//   - ExitUsage: nothing could run: bad flags, an unknown step name for
//     sample, a start message that is not valid JSON or not version v1,
//     or a spec that does not parse. The reason is on stderr and nothing
//     is written to stdout.
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitUsage  = 2
)

// Main runs the plugin with the process's arguments and standard streams,
// cancelling on SIGTERM or SIGINT, and returns the exit code for os.Exit.
func Main(p Plugin) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	//nolint:forbidigo // Main owns the process's standard streams for the plugin protocol
	return Run(ctx, p, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// Run is Main with explicit arguments (without the program name), streams
// and context; cancelling ctx stops a trigger or the HTTP server cleanly.
// stdout receives only protocol output; diagnostics go to stderr.
func Run(ctx context.Context, p Plugin, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{p: p, stdin: stdin, stdout: &lockedWriter{w: stdout}, stderr: &lockedWriter{w: stderr},
		getenv: p.Getenv}
	if c.getenv == nil {
		c.getenv = os.Getenv
	}
	root := c.commands(ctx)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(c.stdout)
	root.SetErr(c.stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(c.stderr, "error: %v\n", err)
		if c.code == ExitOK {
			return ExitUsage
		}
	}
	return c.code
}

// cli holds the state of one Run.
type cli struct {
	p      Plugin
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	debug  bool
	port   int
	host   string
	code   int

	// logFormatFlag is --log-format as given; format is the format in
	// force, from the flag or EnvLogFormat.
	logFormatFlag string
	format        logFormat
}

// settings reads the log format from --log-format, else EnvLogFormat. A
// format that is neither text nor json is a usage error.
func (c *cli) settings(cmd *cobra.Command) error {
	name, value := EnvLogFormat, c.getenv(EnvLogFormat)
	if cmd.Flags().Changed("log-format") {
		name, value = "--log-format", c.logFormatFlag
	}
	f, err := parseLogFormat(value)
	if err != nil {
		return usageError{fmt.Errorf("runtime: %s: %w", name, err)}
	}
	c.format = f
	return nil
}

// metricsAddr returns EnvMetricsAddr, checked: empty when unset or when
// the plugin has no registry to serve.
func (c *cli) metricsAddr() (string, error) {
	addr := strings.TrimSpace(c.getenv(EnvMetricsAddr))
	if addr == "" || c.p.Metrics == nil {
		return "", nil
	}
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return "", usageError{fmt.Errorf("runtime: %s: %q is not an address; give host:port "+
			"or :port, e.g. :9102", EnvMetricsAddr, addr)}
	}
	return addr, nil
}

// lockedWriter serialises writes, so that concurrent envelopes or log
// lines never interleave.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// usageError marks errors that are the caller's fault.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func (c *cli) commands(ctx context.Context) *cobra.Command {
	root := &cobra.Command{
		Use:           "plugin [-- START_MESSAGE]",
		Short:         "Run an InsightConnect plugin step (the default command is run)",
		Args:          cobra.ArbitraryArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return c.settings(cmd)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.run(cmd.Context(), args, false)
		},
	}
	root.PersistentFlags().BoolVar(&c.debug, "debug", false,
		"log at debug level to stderr too; trigger events go to stdout")
	root.PersistentFlags().StringVar(&c.logFormatFlag, "log-format", "",
		"log record format, text or json (default: $"+EnvLogFormat+", else text)")

	if s, err := spec.ParseShared(c.p.Spec); err == nil {
		root.Use = "icon_" + s.Name + " [-- START_MESSAGE]"
		root.Short = s.Title + ": " + s.Description
	}

	runCmd := &cobra.Command{
		Use:   "run [-- START_MESSAGE]",
		Short: "Run the step in the start message read from stdin (or given after --)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.run(cmd.Context(), args, false)
		},
	}
	testCmd := &cobra.Command{
		Use:   "test [-- START_MESSAGE]",
		Short: "Run the connection test for the start message read from stdin",
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.run(cmd.Context(), args, true)
		},
	}
	infoCmd := &cobra.Command{
		Use:   "info",
		Short: "Print the plugin's name, version and steps",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := spec.ParseShared(c.p.Spec)
			if err != nil {
				return err
			}
			_, err = io.WriteString(c.stdout, Info(s))
			return err
		},
	}
	sampleCmd := &cobra.Command{
		Use:   "sample NAME",
		Short: "Print a sample start message for an action, trigger or task",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := spec.ParseShared(c.p.Spec)
			if err != nil {
				return err
			}
			b, err := SampleMessage(s, args[0])
			if err != nil {
				return err
			}
			_, err = c.stdout.Write(b)
			return err
		},
	}
	httpCmd := &cobra.Command{
		Use:   "http",
		Short: "Serve the plugin over HTTP until SIGTERM or SIGINT",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.serve(cmd.Context())
		},
	}
	httpCmd.Flags().IntVar(&c.port, "port", 10001, "TCP port to listen on")
	httpCmd.Flags().StringVar(&c.host, "host", "0.0.0.0", "address to listen on")

	root.AddCommand(runCmd, testCmd, infoCmd, sampleCmd, httpCmd)
	root.AddCommand(c.p.Commands...)
	return root
}

// run executes one start message from args or stdin.
func (c *cli) run(ctx context.Context, args []string, test bool) error {
	eng, err := newEngine(c.p, c.debug, c.format, c.stderr)
	if err != nil {
		return err
	}
	var data []byte
	if len(args) > 0 {
		data = []byte(strings.Join(args, " "))
	} else {
		data, err = io.ReadAll(io.LimitReader(c.stdin, maxMessageSize+1))
		if err != nil {
			return fmt.Errorf("runtime: read start message: %w", err)
		}
		if len(data) > maxMessageSize {
			return fmt.Errorf("runtime: start message larger than %d bytes", maxMessageSize)
		}
	}
	msg, err := parseStart(data)
	if err != nil {
		return err
	}

	if msg.Type == typeTriggerStart && !test {
		addr, err := c.metricsAddr()
		if err != nil {
			return err
		}
		c.code = eng.runTrigger(ctx, msg, c.stdout, c.debug, addr)
		return nil
	}
	res := eng.execute(ctx, msg, test, "")
	if _, err := c.stdout.Write(res.env.encode()); err != nil {
		c.code = ExitFailed
		return fmt.Errorf("runtime: write envelope: %w", err)
	}
	if res.failed() {
		c.code = ExitFailed
	}
	return nil
}

// Info renders the info command's text: name, vendor, version and
// description, then the triggers, actions and tasks with their
// descriptions.
func Info(s *spec.Spec) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Name:        %s\n", s.Title)
	fmt.Fprintf(&b, "Vendor:      %s\n", s.Vendor)
	fmt.Fprintf(&b, "Version:     %s\n", s.Version)
	fmt.Fprintf(&b, "Description: %s\n", s.Description)
	section := func(title string, cs []spec.Component) {
		fmt.Fprintf(&b, "\n%s (%d):\n", title, len(cs))
		for _, c := range cs {
			fmt.Fprintf(&b, "└── %s (%s)\n", c.ID, c.Description)
		}
	}
	section("Triggers", s.Triggers)
	section("Actions", s.Actions)
	section("Tasks", s.Tasks)
	return b.String()
}

// SampleMessage returns a sample start message for the action, trigger or
// task named name (looked up in that order), indented with two spaces:
// inputs hold spec defaults or per-type zero values, and the connection is
// null when the spec has none.
func SampleMessage(s *spec.Spec, name string) ([]byte, error) {
	conn := any(s.SampleConnection())
	if s.SampleConnection() == nil {
		conn = nil
	}
	var msg map[string]any
	switch {
	case s.Action(name) != nil:
		msg = map[string]any{"version": "v1", "type": typeActionStart, "body": map[string]any{
			"action": name, "meta": map[string]any{}, "connection": conn,
			"input": s.Action(name).SampleInput(s),
		}}
	case s.Trigger(name) != nil:
		msg = map[string]any{"version": "v1", "type": typeTriggerStart, "body": map[string]any{
			"trigger": name, "meta": map[string]any{}, "connection": conn,
			"input":      s.Trigger(name).SampleInput(s),
			"dispatcher": map[string]any{"url": "http://localhost:8000", "webhook_url": ""},
		}}
	case s.Task(name) != nil:
		msg = map[string]any{"version": "v1", "type": typeTaskStart, "body": map[string]any{
			"task": name, "meta": map[string]any{}, "connection": conn,
			"input": s.Task(name).SampleInput(s), "state": map[string]any{},
		}}
	default:
		return nil, usageError{fmt.Errorf("runtime: no action, trigger or task named %q", name)}
	}
	b, err := json.MarshalIndent(msg, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
