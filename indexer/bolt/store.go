// Package bolt is Sift's embedded system of record: articles, tickets and
// query records as JSON in a bbolt file, with a content hash per document so
// that re-indexing unchanged sources writes nothing.
package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/siftdesk/sift/models"
)

// Store is the embedded system of record. It is safe for concurrent use;
// one process at a time may open a file.
type Store struct {
	db *bbolt.DB
}

// Open opens or creates the store at path. It fails at once, with an error
// that says so, when another process holds the file.
func Open(path string) (*Store, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 500 * time.Millisecond})
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: in use by another sift process (stop it, or write through its HTTP API)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, k := range models.Kinds {
			for _, name := range []string{docBucket(k), hashBucket(k)} {
				if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close releases the file.
func (s *Store) Close() error { return s.db.Close() }

func docBucket(k models.Kind) string  { return string(k) }
func hashBucket(k models.Kind) string { return string(k) + ".hash" }

// bucket returns the named bucket of kind k, or an error when k is not a
// kind the store holds.
func bucket(tx *bbolt.Tx, name string, k models.Kind) (*bbolt.Bucket, error) {
	if b := tx.Bucket([]byte(name)); b != nil {
		return b, nil
	}
	return nil, models.Invalid("kind", "unknown kind %q", k)
}

// Write applies the changes in one transaction: all of them are durable
// when it returns nil, none of them when it returns an error.
func (s *Store) Write(ctx context.Context, changes []models.Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		for _, c := range changes {
			docs := tx.Bucket([]byte(docBucket(c.Kind)))
			hashes := tx.Bucket([]byte(hashBucket(c.Kind)))
			if docs == nil {
				return fmt.Errorf("write %s %q: unknown kind", c.Kind, c.ID)
			}
			if c.Delete {
				if err := docs.Delete([]byte(c.ID)); err != nil {
					return err
				}
				if err := hashes.Delete([]byte(c.ID)); err != nil {
					return err
				}
				continue
			}
			data, err := encode(c)
			if err != nil {
				return fmt.Errorf("write %s %q: %w", c.Kind, c.ID, err)
			}
			if err := docs.Put([]byte(c.ID), data); err != nil {
				return err
			}
			if err := hashes.Put([]byte(c.ID), []byte(c.Hash)); err != nil {
				return err
			}
		}
		return nil
	})
}

func encode(c models.Change) ([]byte, error) {
	switch {
	case c.Article != nil:
		return json.Marshal(c.Article)
	case c.Ticket != nil:
		return json.Marshal(c.Ticket)
	case c.Query != nil:
		return json.Marshal(c.Query)
	}
	return nil, errors.New("upsert without a document")
}

// Hashes returns the content hash of every stored document of a kind, by id.
func (s *Store) Hashes(ctx context.Context, kind models.Kind) (map[string]string, error) {
	out := map[string]string{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		b, err := bucket(tx, hashBucket(kind), kind)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			out[string(k)] = string(v)
			return nil
		})
	})
	return out, err
}

// Count returns how many documents of a kind are stored.
func (s *Store) Count(ctx context.Context, kind models.Kind) (int, error) {
	var n int
	err := s.db.View(func(tx *bbolt.Tx) error {
		b, err := bucket(tx, docBucket(kind), kind)
		if err != nil {
			return err
		}
		n = b.Stats().KeyN
		return nil
	})
	return n, err
}

// Article returns the article with this id, or an error matching
// models.ErrNotFound.
func (s *Store) Article(ctx context.Context, id string) (*models.Article, error) {
	var a models.Article
	return &a, s.get(models.KindArticle, id, &a)
}

// Ticket returns the ticket with this id, or an error matching
// models.ErrNotFound.
func (s *Store) Ticket(ctx context.Context, id string) (*models.Ticket, error) {
	var t models.Ticket
	return &t, s.get(models.KindTicket, id, &t)
}

func (s *Store) get(kind models.Kind, id string, into any) error {
	return s.db.View(func(tx *bbolt.Tx) error {
		b, err := bucket(tx, docBucket(kind), kind)
		if err != nil {
			return err
		}
		data := b.Get([]byte(id))
		if data == nil {
			return models.NotFound("%s %q not found", kind, id)
		}
		return json.Unmarshal(data, into)
	})
}

// Articles calls fn for every stored article, in id order, stopping at the
// first error.
func (s *Store) Articles(ctx context.Context, fn func(*models.Article) error) error {
	return each(ctx, s, models.KindArticle, fn)
}

// Tickets calls fn for every stored ticket, in id order, stopping at the
// first error.
func (s *Store) Tickets(ctx context.Context, fn func(*models.Ticket) error) error {
	return each(ctx, s, models.KindTicket, fn)
}

// Queries calls fn for every stored query record, stopping at the first
// error.
func (s *Store) Queries(ctx context.Context, fn func(*models.QueryRecord) error) error {
	return each(ctx, s, models.KindQuery, fn)
}

func each[T any](ctx context.Context, s *Store, kind models.Kind, fn func(*T) error) error {
	return s.db.View(func(tx *bbolt.Tx) error {
		b, err := bucket(tx, docBucket(kind), kind)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			var doc T
			if err := json.Unmarshal(v, &doc); err != nil {
				return fmt.Errorf("decode %s %q: %w", kind, k, err)
			}
			return fn(&doc)
		})
	})
}
