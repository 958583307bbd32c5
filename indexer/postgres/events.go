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
// stored (or earlier in the batch), and reports how many were new and how
// many duplicates. The events must have been validated by the caller.
// Retrying a batch is safe: its stored events count as duplicates.
func (s *Store) Append(ctx context.Context, events []models.Event) (accepted, duplicates int, err error) {
	if len(events) == 0 {
		return 0, 0, ctx.Err()
	}
	ids := make([]string, len(events))
	times := make([]time.Time, len(events))
	docs := make([]string, len(events))
	for i, ev := range events {
		data, err := json.Marshal(ev)
		if err != nil {
			return 0, 0, fmt.Errorf("event %q: %w", ev.ID, err)
		}
		ids[i], times[i], docs[i] = ev.ID, ev.Time, string(data)
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO events (id, time, event)
		SELECT id, time, event FROM unnest($1::text[], $2::timestamptz[], $3::json[]) WITH ORDINALITY AS e(id, time, event, ord)
		ORDER BY ord
		ON CONFLICT (id) DO NOTHING`, ids, times, docs)
	if err != nil {
		return 0, 0, fmt.Errorf("append events: %w", classify(err))
	}
	accepted = int(tag.RowsAffected())
	return accepted, len(events) - accepted, nil
}

// Scan calls fn for every event with from <= Time < to, in order of event
// time; events with equal times come in the order they were appended. It
// stops at, and returns, the first error from fn.
func (s *Store) Scan(ctx context.Context, from, to time.Time, fn func(models.Event) error) error {
	rows, err := s.pool.Query(ctx, "SELECT event FROM events WHERE time >= $1 AND time < $2 ORDER BY time, n", from, to)
	if err != nil {
		return fmt.Errorf("scan events: %w", classify(err))
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
