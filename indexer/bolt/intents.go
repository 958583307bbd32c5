package bolt

import (
	"context"
	"fmt"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/siftdesk/sift/models"
)

// intentBucket holds the documents a write is about to change, keyed
// "kind/id", from Intend until the store's own Write of them commits.
const intentBucket = "intents"

func intentKey(c models.Change) []byte { return []byte(string(c.Kind) + "/" + c.ID) }

// Intend durably records the documents changes touch, before the indexer
// writes them to the full-text and vector indexes. Write clears them in the
// transaction that stores the changes, so the intents left at start are the
// writes a crash interrupted between the indexes and the store.
func (s *Store) Intend(ctx context.Context, changes []models.Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(intentBucket))
		for _, c := range changes {
			if err := b.Put(intentKey(c), nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// Intents returns, for every recorded intent, the document's state in the
// store: an upsert of the stored document (with its stored vector), or a
// delete when it is not stored. Applying them to the indexes makes the
// indexes agree with the store again.
func (s *Store) Intents(ctx context.Context) ([]models.Change, error) {
	var out []models.Change
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(intentBucket)).ForEach(func(k, _ []byte) error {
			kind, id, ok := strings.Cut(string(k), "/")
			if !ok {
				return fmt.Errorf("intent %q: no kind", k)
			}
			c, err := storedChange(tx, models.Kind(kind), id)
			if err != nil {
				return fmt.Errorf("intent %q: %w", k, err)
			}
			out = append(out, c)
			return nil
		})
	})
	return out, err
}

// storedChange returns the change that brings an index to the store's
// state of one document.
func storedChange(tx *bbolt.Tx, kind models.Kind, id string) (models.Change, error) {
	c := models.Change{Kind: kind, ID: id}
	docs, err := bucket(tx, docBucket(kind), kind)
	if err != nil {
		return c, err
	}
	data := docs.Get([]byte(id))
	if data == nil {
		c.Delete = true
		return c, nil
	}
	c.Hash = string(tx.Bucket([]byte(hashBucket(kind))).Get([]byte(id)))
	if err := c.UnmarshalDocument(data); err != nil {
		return c, err
	}
	if v := tx.Bucket([]byte(vectorBucket(kind))).Get([]byte(id)); v != nil {
		if c.Model, c.Vector, err = decodeVector(v); err != nil {
			return c, err
		}
	}
	return c, nil
}

// ClearIntents forgets the intents of changes, once the indexes agree with
// the store on them.
func (s *Store) ClearIntents(ctx context.Context, changes []models.Change) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		return clearIntents(tx, changes)
	})
}

func clearIntents(tx *bbolt.Tx, changes []models.Change) error {
	b := tx.Bucket([]byte(intentBucket))
	for _, c := range changes {
		if err := b.Delete(intentKey(c)); err != nil {
			return err
		}
	}
	return nil
}
