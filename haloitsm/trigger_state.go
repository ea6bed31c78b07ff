package haloitsm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// A polling trigger can keep its place in a state file (the state_file
// input), so that a restart neither loses the changes made while the
// plugin was stopped nor reports a change twice. The file is a bbolt
// database with one bucket per trigger id holding:
//
//   - "version": the layout version, 1;
//   - "start": when the trigger first began watching (changes before it
//     are never reported);
//   - "cursor": the newest last update the poller has handled;
//   - a "seen" bucket: for each ticket handled with a last update inside
//     the overlap the next poll reads again, its id and that last update,
//     so that the first poll after a restart does not report them again.
//
// Times are Unix nanoseconds, big-endian; ticket ids are big-endian
// uint32. A ticket is recorded only after the event for it was sent.
// The snapshots of tickets (the tracker) stay in memory only: after a
// restart, a ticket changed while the trigger was stopped is reported as
// one the tracker has forgotten.

// stateVersion is the layout version written to a state file.
const stateVersion = 1

// stateOpenTimeout bounds the wait for the file lock, held by another
// process using the same file; after it the trigger goes on without
// the file.
const stateOpenTimeout = 10 * time.Second

// Keys of a trigger's bucket.
var (
	keyVersion = []byte("version")
	keyStart   = []byte("start")
	keyCursor  = []byte("cursor")
	keySeen    = []byte("seen")
)

// errStateCorrupt reports a state file whose content the trigger cannot
// use.
var errStateCorrupt = errors.New("haloitsm: state file: corrupt")

// savedState is a poller's place as read from a state file.
type savedState struct {
	start, cursor time.Time
	// seen maps ticket ids to the last update (Unix nanoseconds) handled.
	seen map[int]int64
}

// stateFile is an open state file, for one trigger. It is not safe for
// concurrent use: one poller uses it.
type stateFile struct {
	db     *bolt.DB
	path   string
	bucket []byte
}

// openStateFile opens (creating it when missing) the state file at path
// for trigger id, waiting at most timeout for another process's lock
// (then the error is berrors.ErrTimeout). A panic of bbolt on a damaged
// file is returned as errStateCorrupt.
func openStateFile(path, trigger string, timeout time.Duration) (sf *stateFile, err error) {
	defer func() {
		if r := recover(); r != nil {
			sf, err = nil, fmt.Errorf("%w: %v", errStateCorrupt, r)
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	if err != nil {
		return nil, err
	}
	return &stateFile{db: db, path: path, bucket: []byte(trigger)}, nil
}

// Close closes the file, releasing its lock.
func (s *stateFile) Close() error { return s.db.Close() }

// load reads the trigger's saved place; ok is false when the file holds
// none. Content the trigger cannot use is an errStateCorrupt.
func (s *stateFile) load() (st savedState, ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			ok, err = false, fmt.Errorf("%w: %v", errStateCorrupt, r)
		}
	}()
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(s.bucket)
		if b == nil {
			return nil
		}
		if v, vok := readInt64(b.Get(keyVersion)); !vok || v != stateVersion {
			return fmt.Errorf("%w: unknown version %x", errStateCorrupt, b.Get(keyVersion))
		}
		start, sok := readInt64(b.Get(keyStart))
		cursor, cok := readInt64(b.Get(keyCursor))
		seen := b.Bucket(keySeen)
		if !sok || !cok || seen == nil {
			return fmt.Errorf("%w: start, cursor or seen missing", errStateCorrupt)
		}
		st = savedState{start: time.Unix(0, start), cursor: time.Unix(0, cursor),
			seen: map[int]int64{}}
		ok = true
		return seen.ForEach(func(k, v []byte) error {
			upd, uok := readInt64(v)
			if len(k) != 4 || !uok {
				return fmt.Errorf("%w: bad seen entry", errStateCorrupt)
			}
			st.seen[int(binary.BigEndian.Uint32(k))] = upd
			return nil
		})
	})
	if err != nil {
		return savedState{}, false, err
	}
	return st, ok, nil
}

// save records the poller's place: start and cursor, the tickets handled
// (id to last update) in add, and forgets the tickets in drop, in one
// transaction. A nil error means the file has it on disk.
func (s *stateFile) save(start, cursor time.Time, add map[int]int64, drop []int) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(s.bucket)
		if err != nil {
			return err
		}
		seen, err := b.CreateBucketIfNotExists(keySeen)
		if err != nil {
			return err
		}
		for k, v := range map[string]int64{string(keyVersion): stateVersion,
			string(keyStart): start.UnixNano(), string(keyCursor): cursor.UnixNano()} {
			if err := b.Put([]byte(k), int64Bytes(v)); err != nil {
				return err
			}
		}
		for _, id := range drop {
			if err := seen.Delete(idBytes(id)); err != nil {
				return err
			}
		}
		for id, upd := range add {
			if err := seen.Put(idBytes(id), int64Bytes(upd)); err != nil {
				return err
			}
		}
		return nil
	})
}

// reset forgets the trigger's saved place.
func (s *stateFile) reset() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		err := tx.DeleteBucket(s.bucket)
		if errors.Is(err, berrors.ErrBucketNotFound) {
			return nil
		}
		return err
	})
}

func readInt64(b []byte) (int64, bool) {
	if len(b) != 8 {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(b)), true //nolint:gosec // stored from an int64
}

func int64Bytes(v int64) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(v)) //nolint:gosec // read back as int64
}

func idBytes(id int) []byte {
	return binary.BigEndian.AppendUint32(nil, uint32(id32(id))) //nolint:gosec // id32 is >= 0
}

// checkStatePath reports a state_file input the trigger cannot use: a
// relative path, a directory, or a path whose directory does not exist.
func checkStatePath(path string) error {
	if path == "" {
		return nil
	}
	if !filepath.IsAbs(path) {
		return badInput("state_file", "state_file: %q is not an absolute path", path)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return badInput("state_file", "state_file: %q is a directory; give a file path "+
			"inside it", path)
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return badInput("state_file", "state_file: the directory %q does not exist; create "+
			"it (in a container, mount a volume there)", dir)
	}
	return nil
}

// openPollState opens the trigger's state file and reads its saved
// place. It never fails the trigger: a file that is locked for longer
// than timeout or cannot be opened is logged and the trigger goes on
// without one (nil); a damaged file is moved aside to path+".corrupt"
// and a new one started; a saved place the trigger cannot use is
// forgotten. Either way saved is nil and the trigger starts from now.
func openPollState(ctx context.Context, path, trigger string, timeout time.Duration,
	log *slog.Logger) (sf *stateFile, saved *savedState) {
	if path == "" || ctx.Err() != nil {
		return nil, nil
	}
	const noFile = "the trigger keeps its place in memory only and starts from now: " +
		"changes made before it started are not reported"
	sf, err := openStateFile(path, trigger, timeout)
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		log.Warn("state_file is locked by another process (is another trigger using "+
			"it?); "+noFile, "state_file", path, "waited", timeout.String())
		return nil, nil
	case errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrNotExist):
		log.Warn("state_file cannot be opened; "+noFile, "state_file", path,
			"error", err.Error())
		return nil, nil
	case err != nil:
		sf = reopenCorrupt(path, trigger, timeout, err, log)
		return sf, nil
	}

	st, ok, err := sf.load()
	if err != nil {
		log.Warn("state_file holds no usable cursor; starting from now", "state_file", path,
			"error", err.Error())
		if rerr := sf.reset(); rerr != nil {
			// A file that cannot be written is no better than none.
			_ = sf.Close()
			sf = reopenCorrupt(path, trigger, timeout, rerr, log)
		}
		return sf, nil
	}
	if !ok {
		log.Info("state_file has no cursor yet; starting from now", "state_file", path)
		return sf, nil
	}
	return sf, &st
}

// reopenCorrupt moves a damaged state file aside and starts a new one,
// or returns nil when that fails.
func reopenCorrupt(path, trigger string, timeout time.Duration, cause error,
	log *slog.Logger) *stateFile {
	aside := path + ".corrupt"
	log.Warn("state_file is damaged; moving it aside and starting from now",
		"state_file", path, "moved_to", aside, "error", cause.Error())
	if err := os.Rename(path, aside); err != nil {
		log.Warn("state_file cannot be moved aside; the trigger keeps its place in "+
			"memory only", "state_file", path, "error", err.Error())
		return nil
	}
	sf, err := openStateFile(path, trigger, timeout)
	if err != nil {
		log.Warn("state_file cannot be created; the trigger keeps its place in memory "+
			"only", "state_file", path, "error", err.Error())
		return nil
	}
	return sf
}
