package halo

import (
	"context"
	"errors"
	"testing"
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
		release, _, err := b.acquire(ctx, clock)
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
	r1, _, _ := b.acquire(t.Context(), clock)
	r2, _, _ := b.acquire(t.Context(), clock)
	if wait := b.tryAdmit(clock.Now()); wait != time.Minute {
		t.Errorf("with every slot in flight, wait = %v, want a whole window", wait)
	}
	r1()
	r1() // release is idempotent
	if wait := b.tryAdmit(clock.Now()); wait != time.Minute {
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
	release, waited, err := b.acquire(t.Context(), clock)
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
	release, _, _ := b.acquire(t.Context(), realClock{})
	defer release()

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, _, err := b.acquire(ctx, realClock{})
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
