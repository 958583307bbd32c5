package postgres

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// SaveClassifiers stores trained classifier models, encoded, by field, in
// one transaction: every replica that starts afterwards loads these.
// A field's earlier model is replaced; fields not given keep theirs.
func (s *Store) SaveClassifiers(ctx context.Context, encoded map[string][]byte, trainedAt time.Time) error {
	return classify(pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, field := range slices.Sorted(maps.Keys(encoded)) {
			if _, err := tx.Exec(ctx, `INSERT INTO classifiers (field, model, trained_at) VALUES ($1, $2, $3)
				ON CONFLICT (field) DO UPDATE SET model = excluded.model, trained_at = excluded.trained_at`,
				field, encoded[field], trainedAt); err != nil {
				return err
			}
		}
		return nil
	}))
}

// Classifiers returns every stored classifier model, encoded, by field;
// an empty map when none was trained into the database.
func (s *Store) Classifiers(ctx context.Context) (map[string][]byte, error) {
	rows, err := s.pool.Query(ctx, "SELECT field, model FROM classifiers")
	if err != nil {
		return nil, classify(err)
	}
	out := map[string][]byte{}
	var field string
	var model []byte
	_, err = pgx.ForEachRow(rows, []any{&field, &model}, func() error {
		out[field] = slices.Clone(model)
		return nil
	})
	return out, classify(err)
}
