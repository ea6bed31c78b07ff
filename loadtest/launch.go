package loadtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// MeasureExecCommand is the hidden first argument that makes the
// haloitsm-load binary a launcher (see MeasureExec); run mode starts
// each plugin process through it.
const MeasureExecCommand = "measure-exec"

// A child's ru_maxrss on Linux is never below the peak RSS of the
// address space it replaced at exec, and Go starts children sharing the
// parent's address space until exec: every run process started by the
// harness directly reports at least the harness's own peak. The launcher
// is a fresh, small process between the two; what it reads from its
// child's rusage is the larger of the plugin's own peak and the
// launcher's (a few MiB), and it reports both so the harness can tell
// which one it is.

// MeasureExec runs args[0] with args[1:] on this process's stdin, stdout
// and stderr, waits for it, writes "maxrss_kib=N launcher_kib=M" to file
// descriptor 3 (when open) and returns the child's exit code: 1 when it
// was killed by a signal, 2 when it could not be started. N is the
// child's ru_maxrss; M is this launcher's own peak (VmHWM) right after
// the child started, which bounds what the child inherited at exec.
//
// MeasureExec hands this process's own descriptors to the child, which is
// why it, unlike the rest of the package, uses os.Stdout. When ctx ends
// the child is killed.
func MeasureExec(ctx context.Context, args []string) int {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "haloitsm-load: measure-exec: no command given")
		return 2
	}
	// The child dies with the thread that started it (Pdeathsig), so
	// that thread must live as long as the launcher.
	runtime.LockOSThread()

	cmd := exec.CommandContext(ctx, args[0], args[1:]...) //nolint:gosec // G204: the plugin
	//nolint:forbidigo // the launcher passes its own descriptors on, untouched
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "haloitsm-load: measure-exec: %v\n", err)
		return 2
	}
	self, _ := PeakRSS(os.Getpid())
	err := cmd.Wait()

	var ru *syscall.Rusage
	if cmd.ProcessState != nil {
		ru, _ = cmd.ProcessState.SysUsage().(*syscall.Rusage)
	}
	if ru != nil {
		report := os.NewFile(3, "report")
		// Fails harmlessly when descriptor 3 is not open.
		_, _ = fmt.Fprintf(report, "maxrss_kib=%d launcher_kib=%d\n", ru.Maxrss, self)
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return ee.ExitCode()
	}
	return 1
}

// launchReport is what MeasureExec reported about one child, in KiB.
type launchReport struct {
	child    int64 // the child's ru_maxrss
	launcher int64 // the launcher's VmHWM once the child had started
}

// ownPeak reports whether child is the plugin's own peak: when it is not
// above the launcher's, it may be the launcher's instead, and the
// plugin's peak is only known to be at most that.
func (r launchReport) ownPeak() bool { return r.child > r.launcher }

// parseLaunchReport reads a MeasureExec report line.
func parseLaunchReport(data []byte) (launchReport, error) {
	var r launchReport
	line := strings.TrimSpace(string(data))
	if line == "" {
		return r, errors.New("loadtest: launcher report: empty")
	}
	seen := map[string]bool{}
	for f := range strings.FieldsSeq(line) {
		k, v, ok := strings.Cut(f, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil || n < 0 {
			return r, fmt.Errorf("loadtest: launcher report: malformed field %q", f)
		}
		switch k {
		case "maxrss_kib":
			r.child = n
		case "launcher_kib":
			r.launcher = n
		default:
			return r, fmt.Errorf("loadtest: launcher report: unknown field %q", k)
		}
		seen[k] = true
	}
	if !seen["maxrss_kib"] || !seen["launcher_kib"] {
		return r, fmt.Errorf("loadtest: launcher report: incomplete: %q", line)
	}
	return r, nil
}

// runMeasured runs cmd (a launcher command line) with a pipe on
// descriptor 3 and returns what the launcher reported. cmd must not have
// been started; runMeasured sets ExtraFiles.
func runMeasured(cmd *exec.Cmd) (launchReport, error, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return launchReport{}, nil, fmt.Errorf("loadtest: launcher pipe: %w", err)
	}
	defer r.Close()
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		w.Close()
		return launchReport{}, err, nil
	}
	// The launcher has its own copy; closing ours lets the read end at
	// the launcher's exit.
	w.Close()
	runErr := cmd.Wait()

	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(r, 1<<10)); err != nil {
		return launchReport{}, runErr, fmt.Errorf("loadtest: launcher report: %w", err)
	}
	rep, err := parseLaunchReport(buf.Bytes())
	return rep, runErr, err
}
