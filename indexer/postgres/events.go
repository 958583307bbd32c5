package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/siftdesk/sift/models"
)

// Append stores events durably in one statement, skipping ids already
// stored (or earlier in the batch), and returns the new ones, in order.
// The events must have been validated by the caller. Retrying a batch is
// safe: its stored events count as duplicates.
func (s *Store) Append(ctx context.Context, events []models.Event) ([]models.Event, error) {
	if len(events) == 0 {
		return nil, ctx.Err()
	}
	ids := make([]string, len(events))
	times := make([]time.Time, len(events))
	docs := make([]string, len(events))
	for i, ev := range events {
		data, err := json.Marshal(ev)
		if err != nil {
			return nil, fmt.Errorf("event %q: %w", ev.ID, err)
		}
		ids[i], times[i], docs[i] = ev.ID, ev.Time, string(data)
	}
	var inserted []string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Appends take turns, so event numbers become visible in order and
		// an EventFeed that reads past the last number it saw misses none.
		if _, err := tx.Exec(ctx, eventLock); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `INSERT INTO events (id, time, event)
			SELECT id, time, event FROM unnest($1::text[], $2::timestamptz[], $3::json[]) WITH ORDINALITY AS e(id, time, event, ord)
			ORDER BY ord
			ON CONFLICT (id) DO NOTHING
			RETURNING id`, ids, times, docs)
		if err != nil {
			return err
		}
		inserted, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("append events: %w", classify(err))
	}
	fresh := make(map[string]bool, len(inserted))
	for _, id := range inserted {
		fresh[id] = true
	}
	added := make([]models.Event, 0, len(inserted))
	for _, ev := range events {
		if fresh[ev.ID] {
			added = append(added, ev)
			delete(fresh, ev.ID) // a later duplicate in the batch is not new
		}
	}
	return added, nil
}

// eventLock serialises the schema's event appends for one transaction.
const eventLock = "SELECT pg_advisory_xact_lock(hashtext('sift.events.' || current_schema()))"

// EventFeed reads the events stored by every replica, in the order they
// were appended, each once. It is safe for concurrent use; catch-ups are
// serialised.
type EventFeed struct {
	s     *Store
	mu    sync.Mutex
	after int64 // the number of the last event delivered
}

// EventFeed returns a feed positioned before the first event.
func (s *Store) EventFeed() *EventFeed { return &EventFeed{s: s} }

// eventBatch is how many events one query of an EventFeed reads.
const eventBatch = 10_000

// CatchUp calls apply with the events appended since the last one
// delivered, in order and in batches, until none are left. The next batch
// is read and decoded while apply works on one, so a replica that starts
// over millions of events waits for the slower of the two, not their sum.
// When apply fails the feed stays before that batch.
func (f *EventFeed) CatchUp(ctx context.Context, apply func([]models.Event) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the reader when apply fails
	type batch struct {
		events []models.Event
		last   int64
		err    error
	}
	next := make(chan batch, 1)
	go func() {
		defer close(next)
		for after := f.after; ; {
			events, last, err := f.s.eventsAfter(ctx, after)
			select {
			case next <- batch{events, last, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || len(events) < eventBatch {
				return
			}
			after = last
		}
	}()
	for b := range next {
		if b.err != nil {
			return b.err
		}
		if len(b.events) == 0 {
			return nil
		}
		if err := apply(b.events); err != nil {
			return err
		}
		f.after = b.last
	}
	return nil
}

// eventsAfter reads up to eventBatch events numbered above after, in
// order, and the number of the last one read.
func (s *Store) eventsAfter(ctx context.Context, after int64) ([]models.Event, int64, error) {
	rows, err := s.pool.Query(ctx, "SELECT n, event FROM events WHERE n > $1 ORDER BY n LIMIT $2", after, eventBatch)
	if err != nil {
		return nil, 0, fmt.Errorf("event feed: %w", classify(err))
	}
	var n int64
	var data []byte
	last := after
	// Not sized for a full batch: most catch-ups (every second, and after
	// each recorded batch) find a few events or none.
	var events []models.Event
	_, err = pgx.ForEachRow(rows, []any{&n, &data}, func() error {
		last = n
		events = append(events, models.Event{})
		return json.Unmarshal(data, &events[len(events)-1])
	})
	if err != nil {
		return nil, 0, fmt.Errorf("event feed: %w", classify(err))
	}
	return events, last, nil
}

// Replay calls fn for every stored event, in the order they were
// appended, and stops at, and returns, the first error from fn.
func (s *Store) Replay(ctx context.Context, fn func(models.Event) error) error {
	rows, err := s.pool.Query(ctx, "SELECT event FROM events ORDER BY n")
	if err != nil {
		return fmt.Errorf("replay events: %w", classify(err))
	}
	var data []byte
	_, err = pgx.ForEachRow(rows, []any{&data}, func() error {
		var ev models.Event
		if err := json.Unmarshal(data, &ev); err != nil {
			return fmt.Errorf("decode event: %w", err)
		}
		return fn(ev)
	})
	return classify(err)
}

// EventCount returns the number of events stored.
func (s *Store) EventCount(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, "SELECT count(*) FROM events").Scan(&n)
	return n, classify(err)
}
