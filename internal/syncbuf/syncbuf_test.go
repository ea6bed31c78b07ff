package syncbuf_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/haloconnect/icon-haloitsm/internal/syncbuf"
)

// TestBufferConcurrentWriteAndRead writes from several goroutines while
// another reads; run with -race, it fails if the buffer is not guarded.
func TestBufferConcurrentWriteAndRead(t *testing.T) {
	t.Parallel()
	const writers, lines = 4, 100
	var buf syncbuf.Buffer

	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range lines {
				if _, err := buf.Write([]byte("line\n")); err != nil {
					t.Errorf("Write: %v", err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range lines {
			_ = buf.String()
		}
	}()
	wg.Wait()
	<-done

	if got, want := strings.Count(buf.String(), "line\n"), writers*lines; got != want {
		t.Errorf("buffer holds %d lines, want %d", got, want)
	}
}
