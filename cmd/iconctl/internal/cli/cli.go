// Package cli implements iconctl, the developer tool that validates,
// documents, samples and exports an InsightConnect plugin directory.
//
//	iconctl validate DIR [--warnings] [--git-ref REF]
//	iconctl help DIR [--check]
//	iconctl samples DIR
//	iconctl export DIR --binary PATH [--out DIR] [--force]
//
// Results go to stdout and errors to stderr. Main maps outcomes to exit
// codes in one place: 0 on success, 1 when validation fails, help.md is
// stale or a command fails, 2 on a usage error.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/haloconnect/icon-haloitsm/cmd/iconctl/internal/samples"
	"github.com/haloconnect/icon-haloitsm/icon/export"
	"github.com/haloconnect/icon-haloitsm/icon/helpdoc"
	"github.com/haloconnect/icon-haloitsm/icon/validate"
)

// errFailed means the command ran and already reported why it failed.
var errFailed = errors.New("failed")

// usageError wraps a command-line mistake.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// Main runs iconctl with args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errFailed):
		return 1
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "iconctl: %v\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "iconctl: %v\n", err)
		return 1
	}
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "iconctl",
		Short:         "Validate, document, sample and export an InsightConnect plugin",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(
		newValidate(stdout),
		newHelp(stdout),
		newSamples(stdout),
		newExport(stdout),
	)
	return root
}

// oneDir checks that exactly one plugin directory was given.
func oneDir(_ *cobra.Command, args []string) error {
	if len(args) != 1 {
		return &usageError{fmt.Errorf("want one plugin directory, got %d arguments", len(args))}
	}
	return nil
}

type validateOptions struct {
	warnings bool
	gitRef   string
}

func newValidate(stdout io.Writer) *cobra.Command {
	var opts validateOptions
	cmd := &cobra.Command{
		Use:   "validate DIR",
		Short: "Run Rapid7's offline plugin validator rules",
		Long: "Run the offline part of Rapid7's plugin validators over DIR. Each failure\n" +
			"prints as \"Rule: file:line: message\"; the exit code is 1 when any rule fails.",
		Args: oneDir,
		RunE: func(cmd *cobra.Command, args []string) error {
			return validateRun(cmd.Context(), stdout, args[0], opts)
		},
	}
	cmd.Flags().BoolVar(&opts.warnings, "warnings", false, "also print warnings and notes on skipped checks")
	cmd.Flags().StringVar(&opts.gitRef, "git-ref", "", "git revision to compare the spec with for VersionBumpValidator")
	return cmd
}

func validateRun(ctx context.Context, w io.Writer, dir string, opts validateOptions) error {
	res, err := validate.Run(ctx, dir, validate.Options{GitRef: opts.gitRef})
	if err != nil {
		return err
	}
	for _, v := range res.Failures {
		fmt.Fprintln(w, v)
	}
	if opts.warnings {
		for _, v := range res.Warnings {
			fmt.Fprintln(w, "warning: "+v.String())
		}
		for _, n := range res.Notes {
			fmt.Fprintln(w, "note: "+n.String())
		}
	}

	verdict := "PASS"
	if !res.OK() {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "%s: %d rules, %d failures, %d warnings\n",
		verdict, len(res.Rules), len(res.Failures), len(res.Warnings))
	if !res.OK() {
		return errFailed
	}
	return nil
}

func newHelp(stdout io.Writer) *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "help DIR",
		Short: "Generate help.md from plugin.spec.yaml and docs/help",
		Args:  oneDir,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if !check {
				if err := helpdoc.Write(dir); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "wrote %s\n", helpdoc.HelpFile)
				return nil
			}
			err := helpdoc.Check(dir)
			var stale *helpdoc.StaleError
			if errors.As(err, &stale) {
				fmt.Fprintln(stdout, stale.Error())
				return errFailed
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s is up to date\n", helpdoc.HelpFile)
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "only check that help.md is up to date (exit 1 if not)")
	return cmd
}

func newSamples(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "samples DIR",
		Short: "Write tests/<id>.json sample start messages",
		Args:  oneDir,
		RunE: func(cmd *cobra.Command, args []string) error {
			names, err := samples.Write(args[0])
			if err != nil {
				return err
			}
			for _, n := range names {
				fmt.Fprintf(stdout, "wrote %s\n", n)
			}
			return nil
		},
	}
}

func newExport(stdout io.Writer) *cobra.Command {
	var opts export.Options
	cmd := &cobra.Command{
		Use:   "export DIR --binary PATH",
		Short: "Write <vendor>_<name>_<version>.plg without a Docker engine",
		Args:  oneDir,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Binary == "" {
				return &usageError{errors.New("export needs --binary PATH, the static linux/amd64 plugin executable")}
			}
			opts.Dir = args[0]
			path, err := export.Build(opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s\n", path)
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.Binary, "binary", "", "static linux/amd64 plugin executable (required)")
	cmd.Flags().StringVar(&opts.OutDir, "out", "", "directory for the .plg (default DIR)")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "overwrite an existing .plg")
	return cmd
}
