package bolt

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/siftdesk/sift/models"
)

// Buckets of API keys and private links. Keys are stored by the hex of
// their secret's hash, with an index from key id to hash; links by id.
const (
	keyBucket   = "access.keys"
	keyIDBucket = "access.keys.id"
	linkBucket  = "access.links"
)

var accessBuckets = []string{keyBucket, keyIDBucket, linkBucket}

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
	hash := []byte(hex.EncodeToString(k.Hash))
	return s.db.Update(func(tx *bbolt.Tx) error {
		keys, ids := tx.Bucket([]byte(keyBucket)), tx.Bucket([]byte(keyIDBucket))
		if ids.Get([]byte(k.ID)) != nil || keys.Get(hash) != nil {
			return models.Conflict("id", "key %q already exists", k.ID)
		}
		if err := ids.Put([]byte(k.ID), hash); err != nil {
			return err
		}
		return keys.Put(hash, data)
	})
}

// KeyByHash returns the key whose secret has this SHA-256 hash, revoked or
// not, or an error matching models.ErrNotFound.
func (s *Store) KeyByHash(ctx context.Context, hash []byte) (models.APIKey, error) {
	var k models.APIKey
	err := s.db.View(func(tx *bbolt.Tx) error {
		data := tx.Bucket([]byte(keyBucket)).Get([]byte(hex.EncodeToString(hash)))
		if data == nil {
			return models.NotFound("no such key")
		}
		return json.Unmarshal(data, &k)
	})
	return k, err
}

// KeyByID returns the key with this id, revoked or not, or an error
// matching models.ErrNotFound.
func (s *Store) KeyByID(ctx context.Context, id string) (models.APIKey, error) {
	var k models.APIKey
	err := s.db.View(func(tx *bbolt.Tx) error {
		hash := tx.Bucket([]byte(keyIDBucket)).Get([]byte(id))
		data := tx.Bucket([]byte(keyBucket)).Get(hash)
		if hash == nil || data == nil {
			return models.NotFound("key %q not found", id)
		}
		return json.Unmarshal(data, &k)
	})
	return k, err
}

// Keys returns every key, revoked ones included, oldest first.
func (s *Store) Keys(ctx context.Context) ([]models.APIKey, error) {
	var out []models.APIKey
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(keyBucket)).ForEach(func(_, data []byte) error {
			var k models.APIKey
			if err := json.Unmarshal(data, &k); err != nil {
				return err
			}
			out = append(out, k)
			return nil
		})
	})
	slices.SortFunc(out, func(a, b models.APIKey) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, err
}

// RevokeKey marks the key revoked at the given time and returns it; a key
// already revoked keeps its first revocation time. An unknown id is an
// error matching models.ErrNotFound.
func (s *Store) RevokeKey(ctx context.Context, id string, at time.Time) (models.APIKey, error) {
	var k models.APIKey
	err := s.db.Update(func(tx *bbolt.Tx) error {
		keys, ids := tx.Bucket([]byte(keyBucket)), tx.Bucket([]byte(keyIDBucket))
		hash := ids.Get([]byte(id))
		if hash == nil {
			return models.NotFound("key %q not found", id)
		}
		if err := json.Unmarshal(keys.Get(hash), &k); err != nil {
			return err
		}
		if k.Revoked() {
			return nil
		}
		k.RevokedAt = at.UTC()
		data, err := json.Marshal(k)
		if err != nil {
			return err
		}
		return keys.Put(hash, data)
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
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(linkBucket))
		if b.Get([]byte(l.ID)) != nil {
			return models.Conflict("id", "link %q already exists", l.ID)
		}
		return b.Put([]byte(l.ID), data)
	})
}

// Link returns a private link, revoked or expired ones included, or an
// error matching models.ErrNotFound.
func (s *Store) Link(ctx context.Context, id string) (models.Link, error) {
	var l models.Link
	err := s.db.View(func(tx *bbolt.Tx) error {
		data := tx.Bucket([]byte(linkBucket)).Get([]byte(id))
		if data == nil {
			return models.NotFound("link %q not found", id)
		}
		return json.Unmarshal(data, &l)
	})
	return l, err
}

// RevokeLink marks a link revoked at the given time; a link already
// revoked keeps its first time. An unknown id is an error matching
// models.ErrNotFound.
func (s *Store) RevokeLink(ctx context.Context, id string, at time.Time) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(linkBucket))
		data := b.Get([]byte(id))
		if data == nil {
			return models.NotFound("link %q not found", id)
		}
		var l models.Link
		if err := json.Unmarshal(data, &l); err != nil {
			return err
		}
		if !l.RevokedAt.IsZero() {
			return nil
		}
		l.RevokedAt = at.UTC()
		data, err := json.Marshal(l)
		if err != nil {
			return err
		}
		return b.Put([]byte(id), data)
	})
}
