package haloitsm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"

	"github.com/haloconnect/icon-haloitsm/emulator"
	"github.com/haloconnect/icon-haloitsm/halo"
	"github.com/haloconnect/icon-haloitsm/icon/runtime"
)

// startPoller opens the state file at path, as a starting trigger does,
// and returns a poller using it with the log it wrote.
func startPoller(t *testing.T, h *fakeList, path string) (*poller, *stateFile, *bytes.Buffer) {
	t.Helper()
	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, nil))
	sf, saved := openPollState(t.Context(), path, triggerUpdated, time.Second, log)
	if sf == nil {
		t.Fatalf("state file not opened:\n%s", logBuf.String())
	}
	p := newPoller(h.list, fakeNormalise, time.Now(), log)
	p.useState(sf, saved)
	return p, sf, &logBuf
}

func TestPollerResumesFromItsStateFile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "state.db")
		h := newFakeList()
		old := h.create(1)
		time.Sleep(10 * time.Minute)

		p, sf, _ := startPoller(t, h, path)
		firstStart := p.start
		r := &recorder{}
		mustPoll(t, p, r)
		time.Sleep(time.Second)
		a := h.create(1)
		time.Sleep(time.Second)
		h.update(old, func(t *halo.Ticket) { t.AgentID = 7 })
		want := []string{fmt.Sprintf("created %d", a),
			fmt.Sprintf("updated %d (unknown before)", old)}
		if d := gocmp.Diff(want, mustPoll(t, p, r)); d != "" {
			t.Fatalf("before the stop (-want +got):\n%s", d)
		}
		if err := sf.Close(); err != nil {
			t.Fatal(err)
		}

		// Stopped for 30 seconds, within the overlap: the first poll after
		// the restart reads a and old again, which must not be reported.
		time.Sleep(10 * time.Second)
		b := h.create(1)
		time.Sleep(10 * time.Second)
		h.update(a, func(t *halo.Ticket) { t.StatusID = 3 })
		time.Sleep(10 * time.Second)

		p, sf, _ = startPoller(t, h, path)
		defer sf.Close()
		if !p.start.Equal(firstStart) {
			t.Errorf("resumed poller starts at %v, want the first start", p.start)
		}
		var asked []int
		p.history = func(_ context.Context, id int, _ time.Time) (bool, int, error) {
			asked = append(asked, id)
			return true, 1, nil
		}
		// a changed while the trigger was stopped: the tracker forgot it, so
		// its previous status comes from the history, as for an evicted
		// ticket.
		want = []string{fmt.Sprintf("created %d", b),
			fmt.Sprintf("updated %d status_id:1>3 (unknown before)", a)}
		if d := gocmp.Diff(want, mustPoll(t, p, r)); d != "" {
			t.Errorf("first poll after the restart (-want +got):\n%s", d)
		}
		if d := gocmp.Diff([]int{a}, asked); d != "" {
			t.Errorf("history asked about (-want +got):\n%s", d)
		}
		time.Sleep(5 * time.Second)
		if got := mustPoll(t, p, r); len(got) != 0 {
			t.Errorf("next poll reported %v again", got)
		}
		h.update(b, func(t *halo.Ticket) { t.StatusID = 4 })
		want = []string{fmt.Sprintf("updated %d status_id:1>4", b)}
		if d := gocmp.Diff(want, mustPoll(t, p, r)); d != "" {
			t.Errorf("after a change (-want +got):\n%s", d)
		}
	})
}

// A long stop: the restarted poller reads from the saved cursor, not from
// now, and the file keeps only the tickets the next poll reads again.
func TestPollerReportsChangesOfALongStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "state.db")
		h := newFakeList()
		p, sf, _ := startPoller(t, h, path)
		r := &recorder{}
		time.Sleep(time.Second)
		var ids []int
		for range 5 {
			ids = append(ids, h.create(1))
			time.Sleep(time.Second)
		}
		if got := mustPoll(t, p, r); len(got) != 5 {
			t.Fatalf("before the stop: %v", got)
		}
		sf.Close()

		time.Sleep(6 * time.Hour)
		var want []string
		for _, id := range ids[:2] {
			h.update(id, func(t *halo.Ticket) { t.Summary = "edited" })
			time.Sleep(time.Minute)
		}
		for range 3 {
			id := h.create(1)
			want = append(want, fmt.Sprintf("created %d", id))
			time.Sleep(time.Minute)
		}
		want = append([]string{fmt.Sprintf("updated %d (unknown before)", ids[0]),
			fmt.Sprintf("updated %d (unknown before)", ids[1])}, want...)

		p, sf, _ = startPoller(t, h, path)
		defer sf.Close()
		if d := gocmp.Diff(want, mustPoll(t, p, r)); d != "" {
			t.Errorf("after a six-hour stop (-want +got):\n%s", d)
		}
		saved, ok, err := sf.load()
		if err != nil || !ok {
			t.Fatalf("load = %v, %v", ok, err)
		}
		// The three tickets created one minute apart lie within the two
		// minutes before the cursor; the edits before them do not.
		if len(saved.seen) != 3 || !saved.cursor.Equal(p.cursor) {
			t.Errorf("file holds %d tickets and cursor %v; want the 3 within the overlap "+
				"of cursor %v", len(saved.seen), saved.cursor, p.cursor)
		}
	})
}

// An event is recorded as handled only once it is sent: a trigger stopped
// while sending sends that event again after the restart, and none of
// those it sent before.
func TestPollerSavesAnEventOnlyOnceSent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "state.db")
		h := newFakeList()
		p, sf, _ := startPoller(t, h, path)
		time.Sleep(time.Second)
		var ids []int
		for range 4 {
			ids = append(ids, h.create(1))
			time.Sleep(time.Second)
		}
		var sent []int
		stopped := errors.New("stopped")
		err := p.poll(t.Context(), func(_ context.Context, ev ticketEvent) error {
			if len(sent) == 2 {
				return stopped
			}
			sent = append(sent, ev.id)
			return nil
		})
		if !errors.Is(err, stopped) {
			t.Fatalf("poll = %v, want the send error", err)
		}
		sf.Close()

		time.Sleep(time.Minute)
		p, sf, _ = startPoller(t, h, path)
		defer sf.Close()
		r := &recorder{}
		want := []string{fmt.Sprintf("created %d", ids[2]), fmt.Sprintf("created %d", ids[3])}
		if d := gocmp.Diff(want, mustPoll(t, p, r)); d != "" {
			t.Errorf("after the restart (-want +got):\n%s", d)
		}
	})
}

func TestDamagedStateFileStartsFromNow(t *testing.T) {
	t.Parallel()
	badVersion := func(t *testing.T, path string) {
		sf, err := openStateFile(path, triggerUpdated, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer sf.Close()
		if err := sf.save(time.Now(), time.Now(), map[int]int64{1: 1}, nil); err != nil {
			t.Fatal(err)
		}
		err = sf.db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(sf.bucket).Put(keyVersion, []byte("x"))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	garbage := func(t *testing.T, path string) {
		if err := os.WriteFile(path, bytes.Repeat([]byte("not a database "), 1000),
			0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		damage  func(t *testing.T, path string)
		wantLog string
		aside   bool
	}{
		{"not a database", garbage, "state_file is damaged", true},
		{"unknown content", badVersion, "state_file holds no usable cursor", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "state.db")
			tc.damage(t, path)
			var logBuf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logBuf, nil))
			sf, saved := openPollState(t.Context(), path, triggerUpdated, time.Second, log)
			if sf == nil || saved != nil {
				t.Fatalf("openPollState = %v, %v; want a usable file and no saved place\n%s",
					sf, saved, logBuf.String())
			}
			defer sf.Close()
			if !strings.Contains(logBuf.String(), "level=WARN") ||
				!strings.Contains(logBuf.String(), tc.wantLog) {
				t.Errorf("log lacks a warning %q:\n%s", tc.wantLog, logBuf.String())
			}
			if _, err := os.Stat(path + ".corrupt"); (err == nil) != tc.aside {
				t.Errorf("moved aside: %v, want %v", err == nil, tc.aside)
			}
			// The new file works.
			if err := sf.save(time.Now(), time.Now(), map[int]int64{2: 2}, nil); err != nil {
				t.Fatal(err)
			}
			if got, ok, err := sf.load(); err != nil || !ok || len(got.seen) != 1 {
				t.Errorf("load after save = %+v, %v, %v", got, ok, err)
			}
		})
	}
}

func TestLockedStateFileIsGivenUp(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	holder, err := openStateFile(path, triggerCreated, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()

	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, nil))
	sf, saved := openPollState(t.Context(), path, triggerCreated, 200*time.Millisecond, log)
	if sf != nil || saved != nil {
		sf.Close()
		t.Fatal("opened a state file another process holds")
	}
	if !strings.Contains(logBuf.String(), "state_file is locked by another process") {
		t.Errorf("log:\n%s", logBuf.String())
	}
}

// Each trigger keeps its own place in a shared file.
func TestStateFileKeepsOneCursorPerTrigger(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	at := time.Unix(1_700_000_000, 0)
	sf, err := openStateFile(path, triggerCreated, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := sf.save(at, at.Add(time.Hour), map[int]int64{7: 1}, nil); err != nil {
		t.Fatal(err)
	}
	sf.Close()

	for trig, want := range map[string]bool{triggerCreated: true, triggerUpdated: false} {
		sf, err := openStateFile(path, trig, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := sf.load()
		sf.Close()
		if err != nil || ok != want {
			t.Errorf("%s: load = %v, %v; want a place: %v", trig, ok, err, want)
		}
		if ok && (!got.start.Equal(at) || !got.cursor.Equal(at.Add(time.Hour)) ||
			got.seen[7] != 1) {
			t.Errorf("%s: loaded %+v", trig, got)
		}
	}
}

// TestTriggerResumesAfterARestart runs the ticket_created trigger against
// the emulator, stops it, creates a ticket while it is stopped and starts
// it again with the same state file: that ticket is reported, and the one
// reported before the stop is not reported again.
func TestTriggerResumesAfterARestart(t *testing.T) {
	t.Parallel()
	srv, c := emulatorConn(t, emulator.Config{})
	path := filepath.Join(t.TempDir(), "ticket_created.db")
	input := map[string]any{"interval": 5, "state_file": path}

	// run runs the trigger until it has sent want events, then stops it
	// and returns the ids it sent.
	run := func(want int, before func()) []int {
		t.Helper()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		got := make(chan int, 10)
		send := func(_ context.Context, out any) error {
			got <- ticketInt(out.(map[string]any)["ticket"].(map[string]any), "id")
			return nil
		}
		done := make(chan error, 1)
		go func() {
			done <- runTrigger(ctx, &runtime.Request{Conn: c, Input: input,
				Logger: slog.New(slog.DiscardHandler)}, send, triggerCreated, triggerOptions{})
		}()
		<-waitRequests(ctx, srv, len(srv.Requests())+1)
		before()
		var ids []int
		for len(ids) < want {
			select {
			case id := <-got:
				ids = append(ids, id)
			case err := <-done:
				t.Fatalf("trigger returned %v", err)
			case <-time.After(20 * time.Second):
				t.Fatalf("events %v within 20s, want %d", ids, want)
			}
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("stopped trigger returned %v", err)
		}
		close(got)
		for id := range got {
			ids = append(ids, id)
		}
		return ids
	}

	var a, b int
	// Halo's dates have whole seconds: create a a second after the start.
	first := run(1, func() {
		time.Sleep(1100 * time.Millisecond)
		a = srv.CreateTicket(map[string]any{"summary": "before the stop", "tickettype_id": 1})
	})
	if d := gocmp.Diff([]int{a}, first); d != "" {
		t.Fatalf("first run (-want +got):\n%s", d)
	}
	b = srv.CreateTicket(map[string]any{"summary": "while stopped", "tickettype_id": 1})
	second := run(1, func() {})
	if d := gocmp.Diff([]int{b}, second); d != "" {
		t.Errorf("after the restart (-want +got):\n%s", d)
	}
}
