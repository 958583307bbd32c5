package engine_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/bleve"
	"github.com/siftdesk/sift/indexer/bolt"
	"github.com/siftdesk/sift/indexer/eventlog"
	"github.com/siftdesk/sift/indexer/hnsw"
	"github.com/siftdesk/sift/indexer/postgres"
)

// One suite, two backends: every engine test runs over the embedded
// backend (bbolt, bleve, in-process HNSW, event log) and over PostgreSQL
// with pgvector (a replica: bleve fed from the change feed), so the two
// cannot drift apart. The PostgreSQL runs skip when SIFT_TEST_DATABASE_URL
// is unset.

// vectorIndex is what both the indexer and the engine need of a vector
// index.
type vectorIndex interface {
	engine.VectorIndex
	indexer.VectorIndex
}

// backend opens the system of record, full-text index and writer of one
// kind of deployment in dir.
type backend struct {
	name string
	open func(t *testing.T, dir string, log *slog.Logger) *fixture
}

var backends = []backend{
	{"embedded", openEmbedded},
	{"postgres", openPostgres},
}

// eachBackend runs test once per backend, as subtests named after them.
func eachBackend(t *testing.T, test func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b) })
	}
}

func openEmbedded(t *testing.T, dir string, log *slog.Logger) *fixture {
	store, err := bolt.Open(filepath.Join(dir, "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := bleve.Open(filepath.Join(dir, "fulltext"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { text.Close(); store.Close() })
	ix := indexer.New(store, text, 0, log)
	return &fixture{
		store: store, text: text, ix: ix, writer: ix,
		vectors: func(model string, dims int) vectorIndex { return hnsw.NewVectors(model, dims) },
		events: func(t *testing.T) engine.EventStore {
			l, err := eventlog.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			return l
		},
	}
}

func openPostgres(t *testing.T, dir string, log *slog.Logger) *fixture {
	base := os.Getenv("SIFT_TEST_DATABASE_URL")
	if base == "" {
		t.Skip("set SIFT_TEST_DATABASE_URL to run the engine suite over PostgreSQL (.ci/postgres.sh start prints one)")
	}
	ctx := context.Background()
	url, drop, err := postgres.NewSchema(ctx, base, t.Name())
	if err != nil {
		t.Fatal(err)
	}
	store, err := postgres.Open(ctx, postgres.Config{URL: url, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	text, err := bleve.Open(filepath.Join(dir, "fulltext"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		text.Close()
		store.Close()
		if err := drop(context.Background()); err != nil {
			t.Errorf("drop test schema: %v", err)
		}
	})
	ix := indexer.New(store, nil, 0, log)
	writer := engine.NewReplicated(ix, text, store.Feed())
	return &fixture{
		store: store, text: text, ix: ix, writer: writer, catchUp: writer.CatchUp,
		vectors: func(model string, dims int) vectorIndex {
			v, err := store.VectorIndex(ctx, model, dims)
			if err == nil {
				err = v.EnsureIndex(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
			return v
		},
		events: func(*testing.T) engine.EventStore { return store },
	}
}

// discard is the tests' logger.
var discard = slog.New(slog.NewTextHandler(io.Discard, nil))
