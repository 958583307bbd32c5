package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"

	"github.com/siftdesk/sift/indexer/bolt"
	"github.com/siftdesk/sift/models"
)

// runExport is sift export.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlagSet("export", "", "Write the stored articles, tickets and query records as JSON Lines on stdout, from\n"+
		"the data directory or from PostgreSQL, fields Sift does not know included; sift index\n"+
		"reads the output back, into either backend.", stderr)
	var data, kind string
	var db dbFlags
	f.StringVar(&data, "data", "sift-data", "data directory to export from (when --database-url is empty)")
	f.StringVar(&kind, "kind", "", "export one kind only: article, ticket, query, synonym, curation, org or incident (default: all)")
	db.register(f)
	if err := f.parse(args); err != nil {
		return err
	}
	kinds := models.Kinds
	switch {
	case kind == "":
	case slices.Contains(models.Kinds, models.Kind(kind)):
		kinds = []models.Kind{models.Kind(kind)}
	default:
		return fmt.Errorf("--kind: want article, ticket, query, synonym, curation, org or incident, got %q", kind)
	}
	log, err := f.logger(stderr)
	if err != nil {
		return err
	}
	src, closeSrc, err := openExportSource(ctx, data, &db, log)
	if err != nil {
		return err
	}
	defer closeSrc()
	w := bufio.NewWriter(stdout)
	n, err := exportJSONL(ctx, src, kinds, w)
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(stderr, "exported %s records\n", humanInt(n))
	return nil
}

// exportSource is what export reads: bolt and postgres both provide it.
type exportSource interface {
	Articles(ctx context.Context, fn func(*models.Article) error) error
	Tickets(ctx context.Context, fn func(*models.Ticket) error) error
	Queries(ctx context.Context, fn func(*models.QueryRecord) error) error
	Synonyms(ctx context.Context, fn func(*models.Synonym) error) error
	Curations(ctx context.Context, fn func(*models.Curation) error) error
	Orgs(ctx context.Context, fn func(*models.Org) error) error
	Incidents(ctx context.Context, fn func(*models.Incident) error) error
}

// openExportSource opens the store alone: export needs no index, and must
// not create a data directory that is not there.
func openExportSource(ctx context.Context, data string, db *dbFlags, log *slog.Logger) (exportSource, func(), error) {
	if db.url != "" {
		d, err := db.open(ctx, "", 0, false, log)
		if err != nil {
			return nil, nil, err
		}
		return d.store, func() { d.Close() }, nil
	}
	if data == "" {
		return nil, nil, errors.New("--data or --database-url is required")
	}
	path := filepath.Join(data, "store.db")
	if _, err := os.Stat(path); err != nil {
		return nil, nil, fmt.Errorf("--data %s: no store there (sift index creates one): %w", data, err)
	}
	store, err := bolt.Open(path)
	if err != nil {
		return nil, nil, err
	}
	return store, func() { store.Close() }, nil
}

// exportJSONL writes every document of kinds as one JSON object a line,
// and returns how many it wrote.
func exportJSONL(ctx context.Context, src exportSource, kinds []models.Kind, w io.Writer) (int, error) {
	n := 0
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	put := func(v any) error {
		n++
		return enc.Encode(v)
	}
	for _, k := range kinds {
		var err error
		switch k {
		case models.KindArticle:
			err = src.Articles(ctx, func(a *models.Article) error { return put(a) })
		case models.KindTicket:
			err = src.Tickets(ctx, func(t *models.Ticket) error { return put(t) })
		case models.KindQuery:
			err = src.Queries(ctx, func(q *models.QueryRecord) error { return put(q) })
		case models.KindSynonym:
			err = src.Synonyms(ctx, func(s *models.Synonym) error { return put(s) })
		case models.KindCuration:
			err = src.Curations(ctx, func(c *models.Curation) error { return put(c) })
		case models.KindOrg:
			err = src.Orgs(ctx, func(o *models.Org) error { return put(o) })
		case models.KindIncident:
			err = src.Incidents(ctx, func(i *models.Incident) error { return put(i) })
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
