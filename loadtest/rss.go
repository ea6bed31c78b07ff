package loadtest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ErrNoPeakRSS is matched (errors.Is) when a status file has no VmHWM
// line, as for a process that has exited.
var ErrNoPeakRSS = errors.New("loadtest: no VmHWM line")

// PeakRSS returns the peak resident set size, in KiB, of process pid as
// /proc/<pid>/status reports it (VmHWM). Linux only.
func PeakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("loadtest: peak rss: %w", err)
	}
	defer f.Close()
	return ParsePeakRSS(f)
}

// ParsePeakRSS reads the VmHWM line ("VmHWM:	   12345 kB") of a
// /proc/<pid>/status file and returns its value in KiB.
func ParsePeakRSS(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != "VmHWM" {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("loadtest: peak rss: malformed VmHWM line %q", sc.Text())
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("loadtest: peak rss: malformed VmHWM value %q", fields[0])
		}
		return n, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("loadtest: peak rss: %w", err)
	}
	return 0, ErrNoPeakRSS
}
