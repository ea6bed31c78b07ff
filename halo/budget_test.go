package halo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestBudgetRollingWindow(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	b := newBudget(3, 10*time.Second)
	ctx := t.Context()
	t0 := clock.Now()

	var admitted []time.Duration
	for range 7 {
		release, _, err := b.acquire(ctx, clock, time.Time{})
		if err != nil {
			t.Fatalf("acquire: %v", err)
		}
		admitted = append(admitted, clock.Now().Sub(t0))
		clock.Advance(time.Second) // each request takes a second
		release()
	}
	// Three fit at once (finishing at 1s, 2s, 3s); each later one waits
	// until a finished request is a full window old.
	want := []time.Duration{0, time.Second, 2 * time.Second, 11 * time.Second,
		12 * time.Second, 13 * time.Second, 22 * time.Second}
	if diff := cmp.Diff(want, admitted); diff != "" {
		t.Errorf("admission times (-want +got):\n%s", diff)
	}
}

func TestBudgetCountsInFlightRequests(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	b := newBudget(2, time.Minute)
	r1, _, _ := b.acquire(t.Context(), clock, time.Time{})
	r2, _, _ := b.acquire(t.Context(), clock, time.Time{})
	if wait, _ := b.tryAdmit(clock.Now()); wait != time.Minute {
		t.Errorf("with every slot in flight, wait = %v, want a whole window", wait)
	}
	r1()
	r1() // release is idempotent
	if wait, _ := b.tryAdmit(clock.Now()); wait != time.Minute {
		t.Errorf("after one finished now, wait = %v, want a whole window", wait)
	}
	r2()
}

func TestBudgetPauseHoldsEveryone(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	b := newBudget(100, time.Minute)
	b.pause(clock.Now().Add(20 * time.Second))
	b.pause(clock.Now().Add(5 * time.Second)) // an earlier end never shortens a pause
	start := clock.Now()
	release, waited, err := b.acquire(t.Context(), clock, time.Time{})
	if err != nil {
		t.Fatalf("acquire: %v", err)
	}
	release()
	if got := clock.Now().Sub(start); got != 20*time.Second || waited != got {
		t.Errorf("waited %v (reported %v), want 20s", got, waited)
	}
}

func TestBudgetWaitRespectsContext(t *testing.T) {
	t.Parallel()
	b := newBudget(1, time.Hour)
	release, _, _ := b.acquire(t.Context(), realClock{}, time.Time{})
	defer release()

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, _, err := b.acquire(ctx, realClock{}, time.Time{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("acquire = %v, want context.DeadlineExceeded", err)
	}
}

func TestSharedBudgetPerTenant(t *testing.T) {
	t.Parallel()
	a := sharedBudget("https://shared.example/api", "acme", 5, time.Second)
	b := sharedBudget("HTTPS://SHARED.example/api", "ACME", 99, time.Hour)
	c := sharedBudget("https://shared.example/api", "other", 5, time.Second)
	if a != b {
		t.Errorf("same URL and tenant got different budgets")
	}
	if a == c {
		t.Errorf("different tenants share a budget")
	}
	if b.limit != 5 {
		t.Errorf("the first client's size should stick, got %d", b.limit)
	}
}

func TestBudgetPauseIsBoundedByTheDeadline(t *testing.T) {
	t.Parallel()
	s := time.Second
	tests := []struct {
		name     string
		pause    time.Duration // from now; 0 for none
		deadline time.Duration // from now; 0 for no bound
		cancel   bool          // the context is already done
		wantWait time.Duration
		wantErr  error  // nil: admitted
		wantMsg  string // in the error
	}{
		{"no pause", 0, 10 * s, false, 0, nil, ""},
		{"pause within the bound", 20 * s, 30 * s, false, 20 * s, nil, ""},
		{"pause ending at the bound", 20 * s, 20 * s, false, 20 * s, nil, ""},
		{"pause beyond the bound", 40 * s, 30 * s, false, 0, ErrRateLimited,
			"paused for another 40s after a 429, beyond the 30s left"},
		{"bound already passed", 40 * s, -5 * s, false, 0, ErrRateLimited,
			"paused for another 40s after a 429, beyond the 0s left"},
		{"no bound", time.Minute, 0, false, time.Minute, nil, ""},
		{"cancelled, pause within the bound", 20 * s, 30 * s, true, 0, context.Canceled, ""},
		{"cancelled, pause beyond the bound", 40 * s, 30 * s, true, 0, context.Canceled, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			b := newBudget(100, time.Minute)
			now := clock.Now()
			if tt.pause > 0 {
				b.pause(now.Add(tt.pause))
			}
			var deadline time.Time
			if tt.deadline != 0 {
				deadline = now.Add(tt.deadline)
			}
			ctx, cancel := context.WithCancel(t.Context())
			if tt.cancel {
				cancel()
			}
			defer cancel()

			release, waited, err := b.acquire(ctx, clock, deadline)
			if release != nil {
				release()
			}
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("acquire: %v", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("acquire = %v, want %v", err, tt.wantErr)
			case !strings.Contains(fmt.Sprint(err), tt.wantMsg):
				t.Errorf("acquire = %v, want it to say %q", err, tt.wantMsg)
			}
			if got := clock.Now().Sub(now); got != tt.wantWait || waited != got {
				t.Errorf("waited %v (reported %v), want %v", got, waited, tt.wantWait)
			}
		})
	}
}

func TestBudgetQueuedCallerLeavesWhenThePauseOutlastsItsBound(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		clock := realClock{} // fake time inside the bubble
		b := newBudget(1, time.Hour)
		first, _, err := b.acquire(t.Context(), clock, time.Time{})
		if err != nil {
			t.Fatal(err)
		}

		// The head of the queue waits for the window (an hour, no bound);
		// the second caller queues behind it with a 10-second bound.
		headCtx, stopHead := context.WithCancel(t.Context())
		headErr := make(chan error, 1)
		go func() {
			_, _, err := b.acquire(headCtx, clock, time.Time{})
			headErr <- err
		}()
		synctest.Wait()
		queued := make(chan error, 1)
		go func() {
			_, _, err := b.acquire(t.Context(), clock, time.Now().Add(10*time.Second))
			queued <- err
		}()
		synctest.Wait()
		select {
		case err := <-queued:
			t.Fatalf("the queued caller returned %v before any pause", err)
		default:
		}

		start := time.Now()
		b.pause(start.Add(time.Minute))
		synctest.Wait()
		select {
		case err := <-queued:
			if !errors.Is(err, ErrRateLimited) {
				t.Errorf("queued caller: %v, want ErrRateLimited", err)
			}
			if d := time.Since(start); d != 0 {
				t.Errorf("queued caller left after %v, want at once", d)
			}
		default:
			t.Fatal("the queued caller still waits for a pause beyond its bound")
		}

		stopHead()
		if err := <-headErr; !errors.Is(err, context.Canceled) {
			t.Errorf("head: %v, want context.Canceled", err)
		}
		first()
	})
}
