package loadtest

import (
	"context"
	"os"
	"strconv"
	"testing"
)

// helperTouch is the first argument that makes the test binary a child
// that touches the given number of MiB and exits.
const helperTouch = "helper-touch-mib"

// TestMain lets the test binary stand in for haloitsm-load as run mode's
// launcher, and for a child of known size.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case MeasureExecCommand:
			os.Exit(MeasureExec(context.Background(), os.Args[2:]))
		case helperTouch:
			mib, err := strconv.Atoi(os.Args[2])
			if err != nil {
				os.Exit(2)
			}
			touch(mib)
			os.Exit(0)
		}
	}
	os.Exit(m.Run())
}

var sink []byte

// touch writes to mib MiB so that they become resident.
func touch(mib int) {
	sink = make([]byte, mib<<20)
	for i := range sink {
		sink[i] = byte(i)
	}
}
