package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFiles are the schema's versions, applied in order of the number
// their names start with. A released file is never edited; a change is a
// new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one versioned schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded migrations by version.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, path := range names {
		name := strings.TrimPrefix(path, "migrations/")
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", name)
		}
		body, err := migrationFiles.ReadFile(path)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(body)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	return out, nil
}

// Migrate applies the migrations the database lacks and returns the names
// of those it applied (none when it is up to date). It holds a session
// advisory lock for the schema while it works, so replicas that start
// together apply each migration once.
func Migrate(ctx context.Context, url string) ([]string, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database URL: %v", maskErr(err, url))
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	return applyMigrations(ctx, cfg.ConnConfig)
}

// migrate is Migrate for Open: it logs what it applied.
func migrate(ctx context.Context, cfg *pgx.ConnConfig, log *slog.Logger) error {
	applied, err := applyMigrations(ctx, cfg)
	if len(applied) > 0 {
		log.Info("database migrated", "applied", applied)
	}
	return err
}

func applyMigrations(ctx context.Context, cfg *pgx.ConnConfig) ([]string, error) {
	all, err := migrations()
	if err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return nil, fmt.Errorf("connect to the database: %w", classify(err))
	}
	defer conn.Close(context.Background())
	const lock = "SELECT pg_advisory_lock(hashtext('sift.migrate.' || current_schema()))"
	if _, err := conn.Exec(ctx, lock); err != nil {
		return nil, fmt.Errorf("lock for migrations: %w", classify(err))
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock(hashtext('sift.migrate.' || current_schema()))")
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", classify(err))
	}
	done := map[int]bool{}
	rows, err := conn.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", classify(err))
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", classify(err))
	}
	for _, v := range versions {
		done[v] = true
	}
	var applied []string
	for _, m := range all {
		if done[m.version] {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name)
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w%s", m.name, classify(err), extensionHint(err))
		}
		applied = append(applied, m.name)
	}
	return applied, nil
}

// extensionHint explains the usual reason a first migration fails on a
// managed database: the role may not create the vector extension.
func extensionHint(err error) string {
	if strings.Contains(err.Error(), "vector") {
		return " (the vector extension must be installed and created: as a superuser run CREATE EXTENSION vector; in the database)"
	}
	return ""
}
