package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"sync"
	"time"
)

// maxEventBody bounds the body of one event the dispatcher reads.
const maxEventBody = 1 << 20

// triggerEvent is a trigger_event envelope as a dispatcher receives it.
type triggerEvent struct {
	Version string `json:"version"`
	Type    string `json:"type"`
	Body    struct {
		Meta   map[string]any `json:"meta"`
		Output map[string]any `json:"output"`
		Log    string         `json:"log"`
	} `json:"body"`

	// at is when the dispatcher received the event.
	at time.Time
}

// dispatcher is a loopback HTTP server recording the trigger events
// POSTed to it. It is safe for concurrent use.
type dispatcher struct {
	url  string
	srv  *http.Server
	done chan struct{}

	mu     sync.Mutex
	events []triggerEvent
	bad    []string // requests that were not a trigger_event, described
	notify chan struct{}
}

// startDispatcher listens on a free loopback port and serves until close.
func startDispatcher(ctx context.Context) (*dispatcher, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("dispatcher: listen: %w", err)
	}
	d := &dispatcher{
		url:    "http://" + ln.Addr().String() + "/events",
		done:   make(chan struct{}),
		notify: make(chan struct{}, 1),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/events", d.receive)
	d.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		defer close(d.done)
		_ = d.srv.Serve(ln) // returns http.ErrServerClosed after close
	}()
	return d, nil
}

// receive records one POSTed event. Anything but a JSON trigger_event
// is answered 400 and recorded as bad, which fails the demo.
func (d *dispatcher) receive(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	var ev triggerEvent
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxEventBody)).Decode(&ev)
	switch {
	case mt != "application/json":
		err = fmt.Errorf("content type %q, want application/json", mt)
	case err != nil:
		err = fmt.Errorf("body is not a JSON envelope: %w", err)
	case ev.Version != "v1" || ev.Type != "trigger_event":
		err = fmt.Errorf("envelope version %q type %q, want v1 trigger_event", ev.Version,
			ev.Type)
	}

	d.mu.Lock()
	if err != nil {
		d.bad = append(d.bad, err.Error())
	} else {
		ev.at = time.Now()
		d.events = append(d.events, ev)
	}
	d.mu.Unlock()
	select {
	case d.notify <- struct{}{}:
	default:
	}

	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// received returns the events recorded so far and the bad requests.
func (d *dispatcher) received() ([]triggerEvent, []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]triggerEvent(nil), d.events...), append([]string(nil), d.bad...)
}

// waitEvent waits up to timeout for event number n (from 1) to arrive,
// or for the trigger process to exit, whichever comes first.
func (d *dispatcher) waitEvent(ctx context.Context, n int, timeout time.Duration,
	exited <-chan struct{}) (triggerEvent, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		events, bad := d.received()
		if len(bad) > 0 {
			return triggerEvent{}, fmt.Errorf("dispatcher received a bad request: %s", bad[0])
		}
		if len(events) >= n {
			return events[n-1], nil
		}
		select {
		case <-d.notify:
		case <-exited:
			return triggerEvent{}, errors.New("the trigger exited before sending an event")
		case <-t.C:
			return triggerEvent{}, fmt.Errorf("no event within %s", timeout)
		case <-ctx.Done():
			return triggerEvent{}, ctx.Err()
		}
	}
}

// close stops the server and waits for it.
func (d *dispatcher) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.srv.Shutdown(ctx); err != nil {
		_ = d.srv.Close()
	}
	<-d.done
}
