package postgres

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/siftdesk/sift/models"
)

// uniqueViolation is PostgreSQL's error code for a duplicate key.
const uniqueViolation = "23505"

// conflict turns a duplicate-key error into one matching
// models.ErrConflict, naming what was duplicated.
func conflict(err error, what string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == uniqueViolation {
		return models.Conflict("id", "%s already exists", what)
	}
	return classify(err)
}

// CreateKey stores a new API key. A key whose id or hash is already stored
// is refused with an error matching models.ErrConflict.
func (s *Store) CreateKey(ctx context.Context, k models.APIKey) error {
	if len(k.Hash) == 0 || k.ID == "" {
		return models.Invalid("key", "needs an id and a hash")
	}
	data, err := json.Marshal(k)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, "INSERT INTO api_keys (id, hash, created_at, key) VALUES ($1, $2, $3, $4)", k.ID, k.Hash, k.CreatedAt, data)
	return conflict(err, fmt.Sprintf("key %q", k.ID))
}

// KeyByHash returns the key whose secret has this SHA-256 hash, revoked or
// not, or an error matching models.ErrNotFound.
func (s *Store) KeyByHash(ctx context.Context, hash []byte) (models.APIKey, error) {
	var k models.APIKey
	return k, s.getJSON(ctx, &k, "no such key", "SELECT key FROM api_keys WHERE hash = $1", hash)
}

// KeyByID returns the key with this id, revoked or not, or an error
// matching models.ErrNotFound.
func (s *Store) KeyByID(ctx context.Context, id string) (models.APIKey, error) {
	var k models.APIKey
	return k, s.getJSON(ctx, &k, fmt.Sprintf("key %q not found", id), "SELECT key FROM api_keys WHERE id = $1", id)
}

// Keys returns every key, revoked ones included, oldest first.
func (s *Store) Keys(ctx context.Context) ([]models.APIKey, error) {
	rows, err := s.pool.Query(ctx, "SELECT key FROM api_keys ORDER BY created_at, id")
	if err != nil {
		return nil, classify(err)
	}
	var out []models.APIKey
	var data []byte
	_, err = pgx.ForEachRow(rows, []any{&data}, func() error {
		var k models.APIKey
		err := json.Unmarshal(data, &k)
		out = append(out, k)
		return err
	})
	return out, classify(err)
}

// RevokeKey marks the key revoked at the given time and returns it; a key
// already revoked keeps its first revocation time. An unknown id is an
// error matching models.ErrNotFound.
func (s *Store) RevokeKey(ctx context.Context, id string, at time.Time) (models.APIKey, error) {
	var k models.APIKey
	err := s.revoke(ctx, "api_keys", "key", id, fmt.Sprintf("key %q not found", id), func(data []byte) ([]byte, error) {
		if err := json.Unmarshal(data, &k); err != nil || k.Revoked() {
			return nil, err
		}
		k.RevokedAt = at.UTC()
		return json.Marshal(k)
	})
	return k, err
}

// CreateLink stores a new private link; an id already stored is an error
// matching models.ErrConflict.
func (s *Store) CreateLink(ctx context.Context, l models.Link) error {
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, "INSERT INTO links (id, link) VALUES ($1, $2)", l.ID, data)
	return conflict(err, fmt.Sprintf("link %q", l.ID))
}

// Link returns a private link, revoked or expired ones included, or an
// error matching models.ErrNotFound.
func (s *Store) Link(ctx context.Context, id string) (models.Link, error) {
	var l models.Link
	return l, s.getJSON(ctx, &l, fmt.Sprintf("link %q not found", id), "SELECT link FROM links WHERE id = $1", id)
}

// RevokeLink marks a link revoked at the given time; a link already
// revoked keeps its first time. An unknown id is an error matching
// models.ErrNotFound.
func (s *Store) RevokeLink(ctx context.Context, id string, at time.Time) error {
	return s.revoke(ctx, "links", "link", id, fmt.Sprintf("link %q not found", id), func(data []byte) ([]byte, error) {
		var l models.Link
		if err := json.Unmarshal(data, &l); err != nil || !l.RevokedAt.IsZero() {
			return nil, err
		}
		l.RevokedAt = at.UTC()
		return json.Marshal(l)
	})
}

// getJSON decodes the one JSON column one row of query returns into v, or
// returns models.NotFound(missing) when there is no row.
func (s *Store) getJSON(ctx context.Context, v any, missing, query string, args ...any) error {
	var data []byte
	err := s.pool.QueryRow(ctx, query, args...).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return models.NotFound("%s", missing)
	}
	if err != nil {
		return classify(err)
	}
	return json.Unmarshal(data, v)
}

// revoke rewrites the JSON column of one row of table, locked, with what
// update returns; update returns nil to leave it as it is.
func (s *Store) revoke(ctx context.Context, table, column, id, missing string, update func([]byte) ([]byte, error)) error {
	return classify(pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var data []byte
		err := tx.QueryRow(ctx, "SELECT "+column+" FROM "+table+" WHERE id = $1 FOR UPDATE", id).Scan(&data)
		if errors.Is(err, pgx.ErrNoRows) {
			return models.NotFound("%s", missing)
		}
		if err != nil {
			return err
		}
		next, err := update(data)
		if err != nil || next == nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE "+table+" SET "+column+" = $2 WHERE id = $1", id, next)
		return err
	}))
}

// linkSecretSize is the length of the generated link-signing secret.
const linkSecretSize = 32 // api.MinLinkSecretBytes; the backend may not import api

// LinkSecret returns the secret that signs private link tokens, the same
// for every replica: made at random by the first replica to ask and kept
// in the database.
func (s *Store) LinkSecret(ctx context.Context) ([]byte, error) {
	fresh := make([]byte, linkSecretSize)
	rand.Read(fresh)
	if _, err := s.pool.Exec(ctx, "INSERT INTO settings (name, value) VALUES ('link_secret', $1) ON CONFLICT (name) DO NOTHING", fresh); err != nil {
		return nil, classify(err)
	}
	var secret []byte
	err := s.pool.QueryRow(ctx, "SELECT value FROM settings WHERE name = 'link_secret'").Scan(&secret)
	return secret, classify(err)
}
