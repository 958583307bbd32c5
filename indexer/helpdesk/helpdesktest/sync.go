package helpdesktest

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/models"
)

// Store is what a test's Syncer applies pages to: documents by "kind/id",
// and how many times each was written.
type Store struct {
	Docs   map[string]models.Change
	Writes map[string]int
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{Docs: map[string]models.Change{}, Writes: map[string]int{}}
}

// Apply is a Syncer's Apply: it fails on a record with an error.
func (s *Store) Apply(_ context.Context, recs []helpdesk.Record) error {
	for _, r := range recs {
		if r.Err != nil {
			return r.Err
		}
		key := string(r.Change.Kind) + "/" + r.Change.ID
		s.Writes[key]++
		if r.Change.Delete {
			delete(s.Docs, key)
		} else {
			s.Docs[key] = r.Change
		}
	}
	return nil
}

// Sync is a desk's sync set up for a test: what NewSyncer needs.
type Sync struct {
	Desk    func() helpdesk.Desk
	Streams []helpdesk.Stream
	Base    string
	Auth    func(*http.Request)
	Cursors string // the cursors' file
	Store   *Store
	// Waits collects the waits the client was asked for (it never waits).
	Waits []time.Duration
}

// Syncer returns a syncer of a new importer, starting from 2020 when
// there is no cursor, whose client does not wait.
func (s *Sync) Syncer(t testing.TB) *helpdesk.Syncer {
	t.Helper()
	c, err := helpdesk.OpenCursors(s.Cursors)
	if err != nil {
		t.Fatal(err)
	}
	return &helpdesk.Syncer{
		Desk: s.Desk(), Streams: s.Streams, Base: s.Base, Cursors: c, Apply: s.Store.Apply,
		Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		Client: &helpdesk.Client{Auth: s.Auth, Sleep: func(_ context.Context, d time.Duration) error {
			s.Waits = append(s.Waits, d)
			return nil
		}},
		Log: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)),
	}
}

// Run runs a sync to the end and returns its counts.
func (s *Sync) Run(t testing.TB) helpdesk.SyncStats {
	t.Helper()
	st, err := s.Syncer(t).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// KillUntilDone runs syncs that are each stopped after one page more than
// the one before, after that page is applied and before its cursor is
// saved (the worst moment), until one finishes. It fails the test unless
// the store then holds want documents, none written more than most times:
// 2 for a desk whose cursor is exact (once, and once again after the kill
// that came before its cursor was saved), more where pages overlap: set it
// below the number of runs, or a sync that never resumed would pass. A
// negative most means once a run and once more, for a desk whose every
// listing is read again from its last minute each run, where counting
// writes cannot tell a resumed sync from one started over.
func (s *Sync) KillUntilDone(t testing.TB, want, most int) {
	t.Helper()
	killed := errors.New("killed")
	for kills := 0; ; kills++ {
		sy := s.Syncer(t)
		pages := 0
		sy.Apply = func(ctx context.Context, recs []helpdesk.Record) error {
			if err := s.Store.Apply(ctx, recs); err != nil {
				return err
			}
			if pages++; pages > kills {
				return killed
			}
			return nil
		}
		_, err := sy.Run(context.Background())
		if err == nil {
			if most < 0 {
				most = kills + 2
			}
			break
		}
		if !errors.Is(err, killed) {
			t.Fatal(err)
		}
		if kills > 200 {
			t.Fatal("the sync never finished")
		}
	}
	if len(s.Store.Docs) != want {
		t.Errorf("after resuming: %d documents, want %d", len(s.Store.Docs), want)
	}
	for key, n := range s.Store.Writes {
		if n > most {
			t.Errorf("%s written %d times, want at most %d", key, n, most)
		}
	}
}

// NewSync returns the sync of the desk New makes over the API at base,
// its cursors in a new folder, and an empty store.
func NewSync(t testing.TB, desk func() helpdesk.Desk, streams []helpdesk.Stream, base string, auth func(*http.Request)) *Sync {
	return &Sync{Desk: desk, Streams: streams, Base: base, Auth: auth,
		Cursors: filepath.Join(t.TempDir(), "cursors.json"), Store: NewStore()}
}

// Server is a local server that speaks a help desk's API through a
// test's handler, one request at a time, answering every Every-th
// request 429 with Retry-After (the desk's rate limit) instead, and
// each after Delay. A test may change those while it is locked.
type Server struct {
	*httptest.Server
	mu         sync.Mutex
	requests   int
	Every      int
	RetryAfter string
	Delay      time.Duration
	// Limited counts the answers 429.
	Limited int
}

// Serve starts a Server that answers every every-th request 429 with
// Retry-After: retryAfter, and the others with handle. The test's end
// closes it.
func Serve(t testing.TB, every int, retryAfter string, handle http.HandlerFunc) *Server {
	s := &Server{Every: every, RetryAfter: retryAfter}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		time.Sleep(s.Delay)
		if s.requests++; s.Every > 0 && s.requests%s.Every == 0 {
			s.Limited++
			w.Header().Set("Retry-After", s.RetryAfter)
			http.Error(w, `{"error":"rate limited"}`, http.StatusTooManyRequests)
			return
		}
		handle(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// Lock stops the server answering until Unlock, so a test can change
// what it serves.
func (s *Server) Lock() { s.mu.Lock() }

// Unlock lets the server answer again.
func (s *Server) Unlock() { s.mu.Unlock() }
