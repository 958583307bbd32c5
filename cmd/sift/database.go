package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/eventlog"
	"github.com/siftdesk/sift/indexer/postgres"
)

// dbFlags choose PostgreSQL as the backend. Without --database-url the
// embedded data directory is used.
type dbFlags struct {
	url                string
	maxConns, minConns int
	efSearch           int
}

func (db *dbFlags) register(fs *flagSet) {
	fs.StringVar(&db.url, "database-url", "", "PostgreSQL with pgvector as the system of record, e.g. postgres://sift@db:5432/sift (put a password in $SIFT_DATABASE_URL or $PGPASSWORD, not on the command line); empty: the embedded data directory")
	fs.IntVar(&db.maxConns, "db-max-conns", 0, "most connections in the PostgreSQL pool; 0 means max(4, CPUs)")
	fs.IntVar(&db.minConns, "db-min-conns", 0, "connections the PostgreSQL pool keeps open")
	fs.IntVar(&db.efSearch, "db-ef-search", 100, "hnsw.ef_search of pgvector queries: candidates an HNSW search keeps (recall against speed)")
}

// catchUpEvery is how often a replica catches up with the database besides
// notifications, so one that missed a notification converges.
const catchUpEvery = time.Second

// open connects to the database (migrating it first) and returns it as a
// backend. With withText it is a replica's: its engine's caches follow the
// change feed from now on (once watch runs), the engine loading what is
// stored itself, and ticket text search is the database's until the
// engine's in-memory ticket search is loaded.
func (db *dbFlags) open(ctx context.Context, dir string, batchSize int, withText bool, log *slog.Logger) (*dataDir, error) {
	if db.maxConns < 0 || db.minConns < 0 || db.maxConns > 10000 || db.minConns > 10000 {
		return nil, fmt.Errorf("--db-max-conns and --db-min-conns: want 0 to 10000, got %d and %d", db.maxConns, db.minConns)
	}
	pg, err := postgres.Open(ctx, postgres.Config{
		URL: db.url, MaxConns: int32(db.maxConns), MinConns: int32(db.minConns), EfSearch: db.efSearch, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("--database-url %s: %w", postgres.MaskURL(db.url), err)
	}
	log.Info("database connected", "url", postgres.MaskURL(db.url))
	d := &dataDir{dir: dir, store: pg, pg: pg}
	d.indexer = indexer.New(pg, nil, batchSize, log)
	d.writer = d.indexer
	if !withText {
		return d, nil
	}
	feed, err := pg.FeedFromNow(ctx)
	if err != nil {
		pg.Close()
		return nil, err
	}
	d.replica = engine.NewReplicated(d.indexer, nil, feed)
	d.writer = d.replica
	return d, nil
}

// watch keeps a replica's caches fresh from the database's change feed
// until ctx ends. It does nothing for the embedded backend.
func (d *dataDir) watch(ctx context.Context, eng *engine.Engine) {
	if d.replica != nil {
		d.pg.Watch(ctx, catchUpEvery, func(ctx context.Context) error {
			return errors.Join(d.replica.CatchUp(ctx), eng.CatchUpEvents(ctx))
		})
	}
}

// healthChecks are what /healthz reports besides the engine: the database,
// over PostgreSQL.
func (d *dataDir) healthChecks() map[string]func(context.Context) error {
	if d.pg == nil {
		return nil
	}
	return map[string]func(context.Context) error{"database": d.pg.Ping}
}

// openEvents opens the backend's event log: the embedded log in the data
// directory, or the database's events table with the feed that delivers
// every replica's events. It returns how many events the log holds and
// the function that closes it.
func (d *dataDir) openEvents(ctx context.Context, log *slog.Logger) (engine.EventStore, engine.EventFeed, int, func() error, error) {
	if d.pg != nil {
		n, err := d.pg.EventCount(ctx)
		return d.pg, d.pg.EventFeed(), n, func() error { return nil }, err
	}
	events, err := eventlog.OpenOptions(filepath.Join(d.dir, "events"), eventlog.Options{Logger: log})
	if err != nil {
		return nil, nil, 0, nil, err
	}
	return events, nil, events.Count(), events.Close, nil
}

// runMigrate is sift migrate.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlagSet("migrate", "", "Apply the PostgreSQL schema migrations the database lacks (sift serve and sift index\n"+
		"also do at start). Safe to run while replicas start: migrations take a lock.", stderr)
	var db dbFlags
	db.register(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if db.url == "" {
		return errors.New("--database-url (or $SIFT_DATABASE_URL) is required")
	}
	applied, err := postgres.Migrate(ctx, db.url)
	if err != nil {
		return fmt.Errorf("%s: %w", postgres.MaskURL(db.url), err)
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "database is up to date")
	}
	for _, name := range applied {
		fmt.Fprintln(stdout, "applied", name)
	}
	return nil
}
