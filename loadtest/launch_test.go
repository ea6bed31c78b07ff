package loadtest

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseLaunchReport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    launchReport
		wantErr string
	}{
		{"as written", "maxrss_kib=15360 launcher_kib=7800\n", launchReport{15360, 7800}, ""},
		{"fields in any order", "launcher_kib=1 maxrss_kib=2", launchReport{2, 1}, ""},
		{"empty (launcher killed)", "", launchReport{}, "empty"},
		{"one field missing", "maxrss_kib=5\n", launchReport{}, "incomplete"},
		{"not a number", "maxrss_kib=lots launcher_kib=1", launchReport{}, "malformed field"},
		{"negative", "maxrss_kib=-1 launcher_kib=1", launchReport{}, "malformed field"},
		{"no equals sign", "maxrss_kib launcher_kib=1", launchReport{}, "malformed field"},
		{"unknown field", "maxrss_kib=1 launcher_kib=1 x=2", launchReport{}, "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseLaunchReport([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(launchReport{})); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
		})
	}
}

// The two tests below hold 96 MiB in this process and start a child of
// known size: a child's own figure must be near its size, far below this
// process's. They are not parallel, so that no other test's memory moves
// this process's peak while they run.
const (
	parentMiB = 96
	childMiB  = 24
)

func TestMeasureExecReportsTheChildsOwnPeak(t *testing.T) {
	touch(parentMiB)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	child := []string{self, helperTouch, strconv.Itoa(childMiB)}

	// Started directly, the child's ru_maxrss is this process's peak:
	// the figure the launcher exists to avoid.
	direct := exec.CommandContext(t.Context(), child[0], child[1:]...)
	if err := direct.Run(); err != nil {
		t.Fatal(err)
	}
	naive := direct.ProcessState.SysUsage().(*syscall.Rusage).Maxrss

	args := append([]string{MeasureExecCommand, "--"}, child...)
	rep, runErr, repErr := runMeasured(exec.CommandContext(t.Context(), self, args...))
	if runErr != nil || repErr != nil {
		t.Fatalf("launch: %v; report: %v", runErr, repErr)
	}
	t.Logf("child started directly: %d KiB; through the launcher: %d KiB (launcher %d KiB)",
		naive, rep.child, rep.launcher)
	// Under the race detector both processes are several times larger,
	// so the figures are compared with this process's own peak.
	own, err := PeakRSS(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if rep.child < childMiB<<10 || rep.child >= own/2 {
		t.Errorf("child's peak %d KiB, want at least %d and below half this process's %d",
			rep.child, childMiB<<10, own)
	}
	if !rep.ownPeak() {
		t.Errorf("child %d KiB not above the launcher's %d KiB", rep.child, rep.launcher)
	}
	_ = sink[len(sink)-1]
}

func TestMeasureExecPassesTheExitCode(t *testing.T) {
	t.Parallel()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skipf("no sh to exit with a code: %v", err)
	}
	cmd := exec.CommandContext(t.Context(), self, MeasureExecCommand, "--", sh, "-c", "exit 3")
	_, runErr, repErr := runMeasured(cmd)
	if repErr != nil {
		t.Fatalf("report: %v", repErr)
	}
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 3 {
		t.Errorf("launcher exited with %v, want code 3", runErr)
	}
	if code := MeasureExec(t.Context(), nil); code != 2 {
		t.Errorf("MeasureExec without a command = %d, want 2", code)
	}
}

func TestPeakRSSIsPerProcess(t *testing.T) {
	touch(parentMiB)
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skipf("no sleep binary: %v", err)
	}
	// VmHWM belongs to the address space, which exec replaces: a child
	// of this large process reads as small.
	cmd := exec.CommandContext(t.Context(), sleep, "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	kib, err := PeakRSS(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if kib <= 0 || kib >= childMiB<<10 {
		t.Errorf("sleep's VmHWM = %d KiB, want a small positive figure, far below this "+
			"process's %d MiB", kib, parentMiB)
	}
	_ = sink[len(sink)-1]
}
