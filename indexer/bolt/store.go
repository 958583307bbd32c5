// Package bolt is Sift's embedded system of record: articles, tickets and
// query records as JSON in a bbolt file, with a content hash per document so
// that re-indexing unchanged sources writes nothing.
package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

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
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: in use by another sift process (stop it, or write through its HTTP API)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, name := range append([]string{metaBucket, intentBucket}, accessBuckets...) {
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return err
			}
		}
		for _, k := range models.Kinds {
			for _, name := range []string{docBucket(k), hashBucket(k), vectorBucket(k)} {
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

func docBucket(k models.Kind) string    { return string(k) }
func hashBucket(k models.Kind) string   { return string(k) + ".hash" }
func vectorBucket(k models.Kind) string { return string(k) + ".vector" }

// metaBucket holds the store's own facts: its generation.
const metaBucket = "meta"

var keyGeneration = []byte("generation")

// bucket returns the named bucket of kind k, or an error when k is not a
// kind the store holds.
func bucket(tx *bbolt.Tx, name string, k models.Kind) (*bbolt.Bucket, error) {
	if b := tx.Bucket([]byte(name)); b != nil {
		return b, nil
	}
	return nil, models.Invalid("kind", "unknown kind %q", k)
}

// Write applies the changes in one transaction: all of them are durable
// when it returns nil, none of them when it returns an error. Every write
// advances the store's generation and clears the changes' intents.
func (s *Store) Write(ctx context.Context, changes []models.Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		for _, c := range changes {
			if err := writeChange(tx, c); err != nil {
				return err
			}
		}
		if err := clearIntents(tx, changes); err != nil {
			return err
		}
		meta := tx.Bucket([]byte(metaBucket))
		gen := binary.BigEndian.AppendUint64(nil, generation(meta)+1)
		return meta.Put(keyGeneration, gen)
	})
}

func writeChange(tx *bbolt.Tx, c models.Change) error {
	docs, err := bucket(tx, docBucket(c.Kind), c.Kind)
	if err != nil {
		return fmt.Errorf("write %s %q: %w", c.Kind, c.ID, err)
	}
	hashes := tx.Bucket([]byte(hashBucket(c.Kind)))
	vectors := tx.Bucket([]byte(vectorBucket(c.Kind)))
	key := []byte(c.ID)
	if c.VectorOnly {
		if docs.Get(key) == nil {
			return nil // deleted meanwhile
		}
		return vectors.Put(key, encodeVector(c.Model, c.Vector))
	}
	if c.Delete {
		return errors.Join(docs.Delete(key), hashes.Delete(key), vectors.Delete(key))
	}
	data, err := c.MarshalDocument()
	if err != nil {
		return fmt.Errorf("write %s %q: %w", c.Kind, c.ID, err)
	}
	if err := errors.Join(docs.Put(key, data), hashes.Put(key, []byte(c.Hash))); err != nil {
		return err
	}
	if c.Vector == nil {
		return vectors.Delete(key)
	}
	return vectors.Put(key, encodeVector(c.Model, c.Vector))
}

// encodeVector stores a vector with the name of its model: a length byte,
// the name, then little-endian float32s.
func encodeVector(model string, v []float32) []byte {
	model = model[:min(len(model), 255)]
	out := make([]byte, 0, 1+len(model)+4*len(v))
	out = append(out, byte(len(model)))
	out = append(out, model...)
	for _, f := range v {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(f))
	}
	return out
}

func decodeVector(data []byte) (model string, v []float32, err error) {
	if len(data) < 1 || len(data) < 1+int(data[0]) || (len(data)-1-int(data[0]))%4 != 0 {
		return "", nil, errors.New("corrupt vector record")
	}
	model = string(data[1 : 1+data[0]])
	data = data[1+data[0]:]
	v = make([]float32, len(data)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return model, v, nil
}

func generation(meta *bbolt.Bucket) uint64 {
	if b := meta.Get(keyGeneration); len(b) == 8 {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// Generation returns a number that grows with every write, so a derived
// index saved at one generation can tell whether the store moved on.
func (s *Store) Generation(ctx context.Context) (uint64, error) {
	var g uint64
	err := s.db.View(func(tx *bbolt.Tx) error {
		g = generation(tx.Bucket([]byte(metaBucket)))
		return nil
	})
	return g, err
}

// Vectors calls fn with every stored vector of a kind made by model, in id
// order; vectors of other models are skipped. fn must not write.
func (s *Store) Vectors(ctx context.Context, kind models.Kind, model string, fn func(id string, v []float32) error) error {
	return s.db.View(func(tx *bbolt.Tx) error {
		b, err := bucket(tx, vectorBucket(kind), kind)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, data []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			m, v, err := decodeVector(data)
			if err != nil {
				return fmt.Errorf("%s %q: %w", kind, k, err)
			}
			if m != model {
				return nil
			}
			return fn(string(k), v)
		})
	})
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

// Hash returns the content hash of one stored document, or "" when it is
// not stored.
func (s *Store) Hash(ctx context.Context, kind models.Kind, id string) (string, error) {
	var h string
	err := s.db.View(func(tx *bbolt.Tx) error {
		b, err := bucket(tx, hashBucket(kind), kind)
		if err == nil {
			h = string(b.Get([]byte(id)))
		}
		return err
	})
	return h, err
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

// Synonyms calls fn for every stored synonym rule, stopping at the first
// error.
func (s *Store) Synonyms(ctx context.Context, fn func(*models.Synonym) error) error {
	return each(ctx, s, models.KindSynonym, fn)
}

// Curations calls fn for every stored curation rule, stopping at the first
// error.
func (s *Store) Curations(ctx context.Context, fn func(*models.Curation) error) error {
	return each(ctx, s, models.KindCuration, fn)
}

// Orgs calls fn for every stored organisation record, stopping at the
// first error.
func (s *Store) Orgs(ctx context.Context, fn func(*models.Org) error) error {
	return each(ctx, s, models.KindOrg, fn)
}

// Incidents calls fn for every stored incident, stopping at the first
// error.
func (s *Store) Incidents(ctx context.Context, fn func(*models.Incident) error) error {
	return each(ctx, s, models.KindIncident, fn)
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
