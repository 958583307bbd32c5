package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/bleve"
	"github.com/siftdesk/sift/indexer/bolt"
	"github.com/siftdesk/sift/indexer/hnsw"
	"github.com/siftdesk/sift/indexer/postgres"
)

// store is the system of record as the commands use it: what the engine
// reads and the indexer writes. bolt and postgres both provide it.
type store interface {
	engine.Store
	indexer.Store
	indexer.VectorStore
	api.KeyStore
	api.LinkStore
}

// vectorIndex is a vector index as the indexer writes it and the engine
// searches it.
type vectorIndex interface {
	engine.VectorIndex
	indexer.VectorIndex
}

// dataDir is an opened backend: the system of record and the full-text
// index, the indexer that writes them, and the data directory for what
// stays per process (embedded: everything; over PostgreSQL, classifier
// models the database lacks). Embedded, the store is a bbolt file in the
// directory; over PostgreSQL it is the database, which also searches the
// tickets' text, and a replica's caches follow its change feed.
type dataDir struct {
	dir     string
	store   store
	text    *bleve.Index // embedded only
	indexer *indexer.Indexer
	writer  engine.Writer // what the engine writes through
	vectors vectorIndex   // nil until useVectors

	bolt *bolt.Store     // embedded only
	hnsw *hnsw.Vectors   // embedded only, saved at Close
	pg   *postgres.Store // PostgreSQL only
	// pgVectors is the pgvector index in use; with deferVectorIndex its
	// HNSW indexes are built by ensureVectorIndex after a bulk load.
	pgVectors        *postgres.Vectors
	deferVectorIndex bool
	// replica feeds the engine's caches from the database's change feed
	// (PostgreSQL, for the commands that serve or evaluate).
	replica *engine.Replicated
}

// textIndex is the full-text ticket search an engine reads until its
// in-memory one is loaded: the bleve index embedded, the database's over
// PostgreSQL.
func (d *dataDir) textIndex() engine.TextIndex {
	if d.pg != nil {
		return d.pg
	}
	return d.text
}

// openDataDir opens (creating if needed) the embedded data directory at
// dir.
func openDataDir(dir string, batchSize int, log *slog.Logger) (*dataDir, error) {
	if dir == "" {
		return nil, errors.New("--data is required")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	store, err := bolt.Open(filepath.Join(dir, "store.db"))
	if err != nil {
		return nil, err
	}
	text, err := bleve.Open(filepath.Join(dir, "fulltext"))
	if err != nil {
		store.Close()
		return nil, err
	}
	if err := rebuildFullText(context.Background(), store, text, log); err != nil {
		text.Close()
		store.Close()
		return nil, err
	}
	ix := indexer.New(store, text, batchSize, log)
	d := &dataDir{dir: dir, store: store, bolt: store, text: text, indexer: ix, writer: ix}
	if _, err := ix.Repair(context.Background()); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Close saves the vector index (embedded), closes the full-text index and
// the store, and reports what failed.
func (d *dataDir) Close() error {
	var errs []error
	if d.hnsw != nil {
		errs = append(errs, d.saveVectors(context.Background()))
	}
	if d.text != nil {
		errs = append(errs, d.text.Close())
	}
	if d.bolt != nil {
		errs = append(errs, d.bolt.Close())
	}
	if d.pg != nil {
		d.pg.Close()
	}
	return errors.Join(errs...)
}

// openDataDir builds the logger the flags describe and opens the backend
// db and dir describe with it: the first steps of every command that reads
// one. withText asks for what an engine reads besides the store: over
// PostgreSQL, a replica's change feed (commands that only write skip it);
// embedded, the full-text index is always opened.
func (fs *flagSet) openDataDir(ctx context.Context, dir string, db *dbFlags, batchSize int, withText bool, stderr io.Writer) (*dataDir, *slog.Logger, error) {
	log, err := fs.logger(stderr)
	if err != nil {
		return nil, nil, err
	}
	if db == nil || db.url == "" {
		d, err := openDataDir(dir, batchSize, log)
		return d, log, err
	}
	d, err := db.open(ctx, dir, batchSize, withText, log)
	return d, log, err
}
