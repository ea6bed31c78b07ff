package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
)

// Exit codes of the haloitsm-load command.
const (
	ExitOK       = 0
	ExitBarMiss  = 1 // a run finished but missed a must-hold bar
	ExitCantRun  = 2 // bad flags, or a run could not be carried out
	defaultBench = 15 * time.Second
)

// errBarMissed marks a finished run that missed a bar.
var errBarMissed = errors.New("a must-hold bar was missed")

// Main runs the haloitsm-load command with args (without the program
// name), writing reports to stdout and progress to log, and returns the
// exit code. With MeasureExecCommand as the first argument it is the
// launcher of run mode instead (see MeasureExec).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) int {
	if len(args) > 0 && args[0] == MeasureExecCommand {
		return MeasureExec(ctx, args[1:])
	}
	root := newCommand(stdout, log)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errBarMissed):
		fmt.Fprintf(stderr, "haloitsm-load: %v\n", err)
		return ExitBarMiss
	default:
		fmt.Fprintf(stderr, "haloitsm-load: %v\n", err)
		return ExitCantRun
	}
}

func newCommand(stdout io.Writer, log *slog.Logger) *cobra.Command {
	root := &cobra.Command{
		Use:           "haloitsm-load",
		Short:         "Load and fault benchmarks of the HaloITSM plugin against the emulator",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(suiteCommand(stdout, log), runCommand(stdout, log))
	return root
}

func suiteCommand(stdout io.Writer, log *slog.Logger) *cobra.Command {
	sc := SuiteConfig{Logger: log}
	var markdown string
	cmd := &cobra.Command{
		Use:   "suite",
		Short: "Run every must-hold scenario; exit 1 when a bar is missed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if sc.SVGDir != "" {
				if err := os.MkdirAll(sc.SVGDir, 0o750); err != nil {
					return fmt.Errorf("svg dir: %w", err)
				}
			}
			runs, err := Suite(cmd.Context(), sc)
			for _, r := range runs {
				if werr := WriteText(stdout, r.Result, r.Bars); werr != nil {
					return werr
				}
			}
			if err != nil {
				return err
			}
			if p50, mean, ok := RunProcessRatio(runs); ok {
				fmt.Fprintf(stdout, "run processes / HTTP mode per-call latency at the same "+
					"concurrency: p50 x%.1f, mean x%.1f\n", p50, mean)
			}
			if markdown != "" {
				if err := writeMarkdownFile(markdown, runs, sc.SVGDir); err != nil {
					return err
				}
			}
			missed := 0
			for _, r := range runs {
				if !r.Held() {
					missed++
				}
			}
			if missed > 0 {
				return fmt.Errorf("%d of %d runs: %w", missed, len(runs), errBarMissed)
			}
			fmt.Fprintf(stdout, "all %d runs held their bars\n", len(runs))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&sc.Plugin, "plugin", "bin/icon_haloitsm", "plugin binary")
	f.DurationVar(&sc.Duration, "duration", defaultBench, "length of each run")
	f.IntVar(&sc.HTTPConcurrency, "http-concurrency", 200,
		"workflows of the HTTP fault and token runs")
	f.IntVar(&sc.LowConcurrency, "low-concurrency", 20,
		"workflows of the rate-limit run and the run-process comparison")
	f.StringVar(&sc.SVGDir, "svg-dir", "", "directory for <run>.svg latency histograms")
	f.StringVar(&markdown, "markdown", "", "also write the results as Markdown to this file")
	return cmd
}

func writeMarkdownFile(path string, runs []SuiteRun, svgDir string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("markdown: %w", err)
	}
	var link func(string) string
	if svgDir != "" {
		// The link is relative to the Markdown file's directory.
		rel := svgDir
		from, ferr := filepath.Abs(filepath.Dir(path))
		to, terr := filepath.Abs(svgDir)
		if ferr == nil && terr == nil {
			if r, err := filepath.Rel(from, to); err == nil {
				rel = r
			}
		}
		link = func(name string) string { return filepath.ToSlash(filepath.Join(rel, name+".svg")) }
	}
	werr := WriteMarkdown(f, runs, link)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("markdown %s: %w", path, werr)
	}
	return nil
}

func runCommand(stdout io.Writer, log *slog.Logger) *cobra.Command {
	c := Config{Logger: log}
	var mode, svg string
	var minSuccess float64
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run one configurable scenario and print its figures",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.Mode = Mode(mode)
			r, err := Run(cmd.Context(), c)
			if err != nil {
				return err
			}
			bars := []Bar{noDuplicatesBar(r)}
			if minSuccess > 0 {
				bars = append([]Bar{successBar(r, minSuccess)}, bars...)
			}
			if err := WriteText(stdout, r, bars); err != nil {
				return err
			}
			if svg != "" {
				if err := WriteSVGFile(svg, r); err != nil {
					return err
				}
			}
			for _, b := range bars {
				if !b.Held {
					return errBarMissed
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.Plugin, "plugin", "bin/icon_haloitsm", "plugin binary")
	f.StringVar(&c.Name, "name", "", "run name (default: the mode)")
	f.StringVar(&mode, "mode", string(ModeHTTP), "http (one server process) or run (a process per call)")
	f.IntVar(&c.Concurrency, "concurrency", 20, "simulated workflows")
	f.DurationVar(&c.Duration, "duration", defaultBench, "how long workflows start new steps")
	f.StringSliceVar(&c.Mix, "mix", DefaultMix, "action sequence of one workflow iteration")
	f.DurationVar(&c.Latency, "latency", 0, "latency added to every emulator answer")
	f.Float64Var(&c.ErrorRatio, "error-ratio", 0, "fraction of API requests answered 5xx")
	f.Float64Var(&c.DropRatio, "drop-ratio", 0, "fraction of API requests dropped")
	f.Float64Var(&c.CommitThenFail, "commit-then-fail", 0,
		"fraction of POSTs applied and then answered 502 or dropped")
	f.Int64Var(&c.Seed, "seed", 1, "fault seed")
	f.DurationVar(&c.TokenTTL, "token-ttl", 0, "token lifetime (0: an hour)")
	f.DurationVar(&c.ExpireTokensAt, "expire-tokens-at", 0,
		"expire every token this long into the run (0: never)")
	f.IntVar(&c.RateLimit, "rate-limit", 0, "emulator requests per window (0: unlimited)")
	f.DurationVar(&c.RateWindow, "rate-window", 0, "emulator rate window (0: 5m)")
	f.IntVar(&c.RequestsPer5Minutes, "requests-per-5-minutes", DefaultRequestsPer5Minutes,
		"the connection's requests_per_5_minutes")
	f.DurationVar(&c.BudgetWindow, "budget-window", 0,
		"the connection's rate_limit_window_seconds, whole seconds (0: not sent, 5m)")
	f.BoolVar(&c.IdempotencyKeys, "idempotency-keys", false,
		"pass an idempotency_key to create_ticket")
	f.DurationVar(&c.CallTimeout, "call-timeout", DefaultCallTimeout, "bound of one action call")
	f.Float64Var(&minSuccess, "min-success", 0, "fail when the success rate is below this")
	f.StringVar(&svg, "svg", "", "write the latency histogram to this file")
	return cmd
}
