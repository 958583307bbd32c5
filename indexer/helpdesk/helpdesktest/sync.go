package helpdesktest

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
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
// the store then holds want documents, none written more than twice (once,
// and once again after the kill that came before its cursor was saved).
func (s *Sync) KillUntilDone(t testing.TB, want int) {
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
		if n > 2 {
			t.Errorf("%s written %d times, want at most 2", key, n)
		}
	}
}
