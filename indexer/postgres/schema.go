package postgres

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

var notInName = regexp.MustCompile(`[^a-z0-9_]+`)

// NewSchema creates an empty schema, named after name (lower-cased, other
// characters than letters, digits and _ replaced, made unique with a time
// stamp), in the database at rawURL and
// returns a URL whose search_path puts it first (then public, where the
// vector extension usually lives), with a function that drops the schema
// and everything in it. Tests use it so that they never share tables.
func NewSchema(ctx context.Context, rawURL, name string) (string, func(context.Context) error, error) {
	name = notInName.ReplaceAllString(strings.ToLower(name), "_")
	name = fmt.Sprintf("s_%.40s_%d", name, time.Now().UnixNano())
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, fmt.Errorf("database URL %s: want a postgres:// URL", MaskURL(rawURL))
	}
	conn, err := pgx.Connect(ctx, rawURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", MaskURL(rawURL), classify(err))
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE; CREATE SCHEMA "+name); err != nil {
		return "", nil, fmt.Errorf("create schema %s: %w", name, err)
	}
	q := u.Query()
	q.Set("search_path", name+",public")
	u.RawQuery = q.Encode()
	drop := func(ctx context.Context) error {
		conn, err := pgx.Connect(ctx, rawURL)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE")
		return err
	}
	return u.String(), drop, nil
}
