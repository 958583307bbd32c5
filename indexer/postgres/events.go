package postgres

import (
	"context"
	"encoding/json"
	"fmt"
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
	rows, err := s.pool.Query(ctx, `INSERT INTO events (id, time, event)
		SELECT id, time, event FROM unnest($1::text[], $2::timestamptz[], $3::json[]) WITH ORDINALITY AS e(id, time, event, ord)
		ORDER BY ord
		ON CONFLICT (id) DO NOTHING
		RETURNING id`, ids, times, docs)
	if err != nil {
		return nil, fmt.Errorf("append events: %w", classify(err))
	}
	inserted, err := pgx.CollectRows(rows, pgx.RowTo[string])
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
