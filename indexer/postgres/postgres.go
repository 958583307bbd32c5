// Package postgres is Sift's scale-out backend: PostgreSQL with pgvector as
// the system of record (articles, tickets, query records and their content
// hashes), the vector index (pgvector HNSW, cosine), the event log, and the
// change feed that keeps each replica's in-memory caches fresh.
//
// Every write takes a per-schema transaction lock, so change sequence
// numbers commit in order and a replica that catches up by sequence number
// never skips a change.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"github.com/siftdesk/sift/models"
)

// Config says how to reach the database. The zero value of every field but
// URL is usable.
type Config struct {
	// URL is a PostgreSQL connection URL or keyword/value string. Its
	// search_path (a query parameter) picks the schema; the vector
	// extension must be reachable on it.
	URL string
	// MaxConns and MinConns size the connection pool; zero means pgxpool's
	// defaults (max(4, CPUs) and 0).
	MaxConns, MinConns int32
	// EfSearch is hnsw.ef_search for vector queries; zero means 100.
	EfSearch int
	// Logger receives the store's warnings; nil discards them.
	Logger *slog.Logger
}

// defaultEfSearch is how many candidates an HNSW scan keeps by default.
const defaultEfSearch = 100

// connectTimeout bounds one connection attempt, so a request made while the
// database is away fails fast instead of hanging.
const connectTimeout = 5 * time.Second

// Store is the PostgreSQL system of record. It is safe for concurrent use
// by many goroutines and many processes (replicas) at once.
type Store struct {
	pool   *pgxpool.Pool
	schema string // current_schema() of the pool's connections
	log    *slog.Logger
	common commonLexemes // of the tickets, for SearchTickets
}

// Open applies pending migrations (under a lock, so replicas starting
// together do not race) and returns a store with a connection pool. It
// fails with a clear error when the URL is malformed, the database cannot
// be reached or the vector extension cannot be created.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pcfg, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("database URL: %v", maskErr(err, cfg.URL))
	}
	if pcfg.ConnConfig.ConnectTimeout == 0 {
		pcfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	if cfg.MaxConns > 0 {
		pcfg.MaxConns = cfg.MaxConns
	}
	if cfg.MinConns > 0 {
		pcfg.MinConns = min(cfg.MinConns, pcfg.MaxConns)
	}
	if err := migrate(ctx, pcfg.ConnConfig, log); err != nil {
		return nil, err
	}
	ef := cfg.EfSearch
	if ef <= 0 {
		ef = defaultEfSearch
	}
	pcfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		if err := pgxvec.RegisterTypes(ctx, c); err != nil {
			return fmt.Errorf("register pgvector types: %w", err)
		}
		if _, err := c.Exec(ctx, fmt.Sprintf("SET hnsw.ef_search = %d", ef)); err != nil {
			return fmt.Errorf("set hnsw.ef_search: %w", err)
		}
		// pgvector 0.8 can scan an HNSW index further when a filter
		// rejects candidates; older versions lack the setting, and then
		// filtered queries rely on ef_search alone.
		if _, err := c.Exec(ctx, "SET hnsw.iterative_scan = relaxed_order"); err != nil {
			log.Debug("pgvector without iterative scans", "err", err)
		}
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("database: %v", maskErr(err, cfg.URL))
	}
	s := &Store{pool: pool, log: log.With("component", "postgres")}
	if err := pool.QueryRow(ctx, "SELECT current_schema()").Scan(&s.schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database: %w", classify(err))
	}
	return s, nil
}

// Close closes the pool's connections.
func (s *Store) Close() { s.pool.Close() }

// Ping reports whether the database answers: nil, or an error matching
// models.ErrUnavailable.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return classify(s.pool.Ping(ctx))
}

// MaskURL returns the URL with its password replaced by "xxxxx", for logs.
// A string that is not a URL (keyword/value form) is returned with nothing
// but its host, since it may hold a password anywhere.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return "(connection string)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// maskErr keeps a parse error from repeating the password in raw.
func maskErr(err error, raw string) error {
	if u, perr := url.Parse(raw); perr == nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			return errors.New(strings.ReplaceAll(err.Error(), pw, "xxxxx"))
		}
	}
	return err
}

// unavailable is the error a request gets while the database is away.
var unavailable = &models.Error{Code: models.CodeUnavailable,
	Message: "the database is unavailable; writes fail until it is back (search and type-ahead keep working)"}

// Exclusively runs fn while holding the schema's advisory lock called
// name, waiting for it first, so replicas that call it with one name run
// fn one at a time (the embedding of documents that lack vectors, at
// start: the first replica embeds them, the next finds nothing left). The
// lock is a session lock on a connection of the pool held meanwhile; the
// database releases it if the connection is lost.
func (s *Store) Exclusively(ctx context.Context, name string, fn func() error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return classify(err)
	}
	defer conn.Release()
	key := "sift." + name + "."
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(hashtext($1 || current_schema()))", key); err != nil {
		return fmt.Errorf("lock %s: %w", name, classify(err))
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock(hashtext($1 || current_schema()))", key)
	return fn()
}
