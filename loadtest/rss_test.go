package loadtest

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestParsePeakRSS(t *testing.T) {
	t.Parallel()
	const status = "Name:\ticon_haloitsm\nVmPeak:\t 1300000 kB\nVmSize:\t 1250000 kB\n" +
		"VmHWM:\t   45678 kB\nVmRSS:\t   40000 kB\nThreads:\t12\n"
	tests := []struct {
		name    string
		in      string
		want    int64
		wantErr string
	}{
		{"real layout", status, 45678, ""},
		{"no VmHWM (exited process)", "Name:\tzombie\nState:\tZ (zombie)\n", 0, "no VmHWM"},
		{"not kB", "VmHWM:\t 12 MB\n", 0, "malformed VmHWM line"},
		{"not a number", "VmHWM:\t twelve kB\n", 0, "malformed VmHWM value"},
		{"negative", "VmHWM:\t -5 kB\n", 0, "malformed VmHWM value"},
		{"a lookalike name is skipped", "VmHWMx:\t 1 kB\nVmHWM:\t 2 kB\n", 2, ""},
		{"empty", "", 0, "no VmHWM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParsePeakRSS(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParsePeakRSS error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("ParsePeakRSS = %d, want %d", got, tt.want)
			}
		})
	}
	if _, err := ParsePeakRSS(strings.NewReader("")); !errors.Is(err, ErrNoPeakRSS) {
		t.Errorf("empty status: error %v does not match ErrNoPeakRSS", err)
	}
}

func TestPeakRSSOfThisProcess(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skipf("no /proc on this system (%v); PeakRSS is Linux only", err)
	}
	// Hold some memory so the peak is clearly above zero.
	buf := make([]byte, 8<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	kib, err := PeakRSS(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if kib < 8<<10 {
		t.Errorf("PeakRSS = %d KiB after touching 8 MiB, want at least 8192", kib)
	}
	_ = buf[len(buf)-1]
	if _, err := PeakRSS(-1); err == nil {
		t.Error("PeakRSS(-1) succeeded")
	}
}
