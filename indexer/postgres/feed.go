package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/siftdesk/sift/models"
)

// feedBatch is how many changes one catch-up query reads.
const feedBatch = 1000

// Feed reads the changes committed to the store in commit order: upserts
// of articles, tickets and query records, with their documents, and
// deletes. A replica applies every change its Feed delivers, from the
// first, so it misses none (its own writes may arrive after it applied
// them; applying a change twice is harmless). A document
// changed several times between two catch-ups arrives once, in its latest
// state, at the place of its last change. It is safe
// for concurrent use; catch-ups are serialised.
type Feed struct {
	s     *Store
	mu    sync.Mutex
	after int64 // last sequence number delivered
}

// Feed returns a feed positioned before the first change: its first
// catch-up delivers every stored document, which is how a replica builds
// its caches at start.
func (s *Store) Feed() *Feed { return &Feed{s: s} }

// FeedFromNow returns a feed positioned after the last change committed so
// far: its first catch-up delivers only what changes from now on. A
// replica that loads its caches from the store itself takes it before it
// reads, so a change made meanwhile is applied twice, harmlessly, and
// none is missed (sequence numbers commit in order).
func (s *Store) FeedFromNow(ctx context.Context) (*Feed, error) {
	f := &Feed{s: s}
	err := s.pool.QueryRow(ctx, `SELECT greatest(
		(SELECT coalesce(max(seq), 0) FROM documents), (SELECT coalesce(max(seq), 0) FROM tombstones))`).Scan(&f.after)
	if err != nil {
		return nil, fmt.Errorf("change feed: %w", classify(err))
	}
	return f, nil
}

// CatchUp calls apply with the changes committed since the last change
// delivered, in order and in batches, until none are left. When apply fails
// the feed stays before that batch, which comes again next time.
func (f *Feed) CatchUp(ctx context.Context, apply func(context.Context, []models.Change) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		changes, last, err := f.s.changesAfter(ctx, f.after)
		if err != nil {
			return fmt.Errorf("change feed: %w", err)
		}
		if len(changes) == 0 {
			return nil
		}
		if err := apply(ctx, changes); err != nil {
			return err
		}
		f.after = last
		if len(changes) < feedBatch {
			return nil
		}
	}
}

// changesAfter reads up to feedBatch changes with sequence numbers above
// after, and the last sequence number read.
func (s *Store) changesAfter(ctx context.Context, after int64) ([]models.Change, int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT kind, id, seq, hash, doc FROM (
			SELECT kind, id, seq, hash, doc FROM documents WHERE seq > $1
			UNION ALL SELECT kind, id, seq, NULL, NULL FROM tombstones WHERE seq > $1) c
		ORDER BY seq LIMIT $2`, after, feedBatch)
	if err != nil {
		return nil, 0, classify(err)
	}
	var out []models.Change
	var kind, id string
	var hash *string
	var doc []byte
	last := after
	_, err = pgx.ForEachRow(rows, []any{&kind, &id, &last, &hash, &doc}, func() error {
		c, err := decodeChange(models.Kind(kind), id, hash, doc)
		out = append(out, c)
		return err
	})
	return out, last, classify(err)
}

// decodeChange rebuilds the change a feed row stands for: an upsert with
// its document, or a delete when there is no document.
func decodeChange(kind models.Kind, id string, hash *string, doc []byte) (models.Change, error) {
	if hash == nil {
		return models.NewDelete(kind, id), nil
	}
	c := models.Change{Kind: kind, ID: id, Hash: *hash}
	if err := c.UnmarshalDocument(doc); err != nil {
		return c, fmt.Errorf("decode %s %q: %w", kind, id, err)
	}
	return c, nil
}

// Watch calls poke whenever another writer may have committed changes:
// on every notification of the schema's change channel, every interval
// (so a replica that missed notifications converges), and after each
// reconnect. It listens on a connection of its own, reconnects when the
// database goes away, and returns when ctx ends. Errors from poke are
// logged when they start and when they stop.
func (s *Store) Watch(ctx context.Context, interval time.Duration, poke func(context.Context) error) {
	if interval <= 0 {
		interval = time.Second
	}
	failing := false
	call := func() {
		err := poke(ctx)
		switch {
		case err != nil && !failing && ctx.Err() == nil:
			s.log.Warn("catching up with the database failed; retrying", "err", err)
			failing = true
		case err == nil && failing:
			s.log.Info("caught up with the database again")
			failing = false
		}
	}
	for ctx.Err() == nil {
		conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+channel)
		}
		call() // catch up after (re)connecting, or while the database is away
		for err == nil && ctx.Err() == nil {
			wait, cancel := context.WithTimeout(ctx, interval)
			var n *pgconn.Notification
			n, err = conn.WaitForNotification(wait)
			cancel()
			switch {
			case err == nil && n.Payload != s.schema:
				continue // another schema's change
			case err == nil, errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
				err = nil
				call()
			}
		}
		if conn != nil {
			conn.Close(context.Background())
		}
		if ctx.Err() == nil {
			s.log.Debug("change feed connection lost; reconnecting", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(interval):
			}
		}
	}
}
