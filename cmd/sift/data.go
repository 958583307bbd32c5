package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/bleve"
	"github.com/siftdesk/sift/indexer/bolt"
	"github.com/siftdesk/sift/indexer/hnsw"
)

// dataDir is an opened embedded data directory: the system of record and
// the full-text index, and the indexer that writes both.
type dataDir struct {
	dir     string
	store   *bolt.Store
	text    *bleve.Index
	indexer *indexer.Indexer
	vectors *hnsw.Vectors // nil until useVectors
}

// openDataDir opens (creating if needed) the data directory at dir.
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
	d := &dataDir{dir: dir, store: store, text: text, indexer: indexer.New(store, text, batchSize, log)}
	if _, err := d.indexer.Repair(context.Background()); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Close saves the vector index, closes the full-text index and the
// store, and reports what failed.
func (d *dataDir) Close() error {
	return errors.Join(d.saveVectors(context.Background()), d.text.Close(), d.store.Close())
}

// openDataDir builds the logger the flags describe and opens the data
// directory with it: the first steps of every command that reads one.
func (fs *flagSet) openDataDir(dir string, batchSize int, stderr io.Writer) (*dataDir, *slog.Logger, error) {
	log, err := fs.logger(stderr)
	if err != nil {
		return nil, nil, err
	}
	d, err := openDataDir(dir, batchSize, log)
	return d, log, err
}
