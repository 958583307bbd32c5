package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/siftdesk/sift/models"
)

// writeLock serialises the schema's writers for one transaction, so change
// sequence numbers become visible in order.
const writeLock = "SELECT pg_advisory_xact_lock(hashtext('sift.write.' || current_schema()))"

// stagingTable receives a batch by COPY before it is merged into documents.
const stagingTable = `CREATE TEMP TABLE IF NOT EXISTS sift_staging (
	ord int, kind text, id text, del bool, vector_only bool, hash text, doc json,
	access text, org text, products text[], tiers text[], model text, embedding vector
) ON COMMIT DELETE ROWS`

var stagingColumns = []string{"ord", "kind", "id", "del", "vector_only", "hash", "doc", "access", "org", "products", "tiers", "model", "embedding"}

// lastChange keeps the last change of the batch per document.
const lastChange = `WITH last AS (SELECT DISTINCT ON (kind, id) * FROM sift_staging ORDER BY kind, id, ord DESC) `

// The merge, in one round trip: deletes leave tombstones for the change
// feed, upserts take new sequence numbers and clear tombstones, vector-only
// changes set the embedding of a stored document and nothing else.
var mergeStatements = []string{
	lastChange + `, gone AS (
		DELETE FROM documents d USING last s WHERE s.del AND d.kind = s.kind AND d.id = s.id RETURNING d.kind, d.id)
	INSERT INTO tombstones (kind, id, seq) SELECT kind, id, nextval('change_seq') FROM gone
	ON CONFLICT (kind, id) DO UPDATE SET seq = excluded.seq`,
	lastChange + `INSERT INTO documents (kind, id, hash, doc, seq, access, org, products, tiers, model, embedding)
	SELECT kind, id, hash, doc, nextval('change_seq'), access, org, products, tiers, model, embedding
	FROM last WHERE NOT del AND NOT vector_only ORDER BY ord
	ON CONFLICT (kind, id) DO UPDATE SET hash = excluded.hash, doc = excluded.doc, seq = excluded.seq,
		access = excluded.access, org = excluded.org, products = excluded.products, tiers = excluded.tiers,
		model = excluded.model, embedding = excluded.embedding`,
	lastChange + `DELETE FROM tombstones t USING last s WHERE NOT s.del AND NOT s.vector_only AND t.kind = s.kind AND t.id = s.id`,
	lastChange + `UPDATE documents d SET model = s.model, embedding = s.embedding FROM last s
	WHERE s.vector_only AND d.kind = s.kind AND d.id = s.id`,
}

// notifyChanges wakes the replicas' change feeds when the transaction
// commits; the payload names the schema written.
const notifyChanges = "SELECT pg_notify('" + channel + "', current_schema())"

// channel is the LISTEN/NOTIFY channel of the change feed.
const channel = "sift_changes"

// Write applies the changes in one transaction: all of them are durable
// when it returns nil, none of them when it returns an error. Rows go to
// the server by COPY and are merged there. When the database is away the
// error matches models.ErrUnavailable.
func (s *Store) Write(ctx context.Context, changes []models.Change) error {
	if len(changes) == 0 {
		return ctx.Err()
	}
	rows := make([][]any, 0, len(changes))
	notify := false
	for i, c := range changes {
		row, err := stagingRow(i, c)
		if err != nil {
			return err
		}
		rows = append(rows, row)
		notify = notify || !c.VectorOnly
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, writeLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, stagingTable); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"sift_staging"}, stagingColumns, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		b := &pgx.Batch{}
		for _, q := range mergeStatements {
			b.Queue(q)
		}
		if notify {
			b.Queue(notifyChanges)
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("write %d changes: %w", len(changes), classify(err))
	}
	return nil
}

// stagingRow is one change as a row of the staging table.
func stagingRow(ord int, c models.Change) ([]any, error) {
	if !slices.Contains(models.Kinds, c.Kind) {
		return nil, models.Invalid("kind", "unknown kind %q", c.Kind)
	}
	var doc []byte
	access, org := "", ""
	products, tiers := []string{}, []string{}
	if !c.Delete && !c.VectorOnly {
		var err error
		if doc, err = c.MarshalDocument(); err != nil {
			return nil, fmt.Errorf("write %s %q: %w", c.Kind, c.ID, err)
		}
	}
	switch {
	case c.Article != nil:
		access = articleAccess(c.Article.Visibility)
		products = append(products, c.Article.Products...)
		tiers = append(tiers, c.Article.Tiers...)
	case c.Ticket != nil:
		access, org = ticketAccess(c.Ticket.Portal), c.Ticket.Org
	}
	var model, vec any
	if c.Vector != nil && !c.Delete {
		model, vec = c.Model, pgvector.NewVector(c.Vector)
	}
	return []any{ord, string(c.Kind), c.ID, c.Delete, c.VectorOnly, c.Hash, doc, access, org, products, tiers, model, vec}, nil
}

// articleAccess is the access class stored with an article, as the vector
// filters read it.
func articleAccess(v models.Visibility) string {
	if v == models.VisibilityInternal {
		return "internal"
	}
	return "public"
}

// ticketAccess is the access class stored with a ticket.
func ticketAccess(p models.Portal) string {
	if p == models.PortalITSM {
		return "itsm"
	}
	return "customer"
}

// Hashes returns the content hash of every stored document of a kind, by id.
func (s *Store) Hashes(ctx context.Context, kind models.Kind) (map[string]string, error) {
	rows, err := s.pool.Query(ctx, "SELECT id, hash FROM documents WHERE kind = $1", string(kind))
	if err != nil {
		return nil, classify(err)
	}
	out := map[string]string{}
	var id, hash string
	_, err = pgx.ForEachRow(rows, []any{&id, &hash}, func() error {
		out[id] = hash
		return nil
	})
	return out, classify(err)
}

// Hash returns the content hash of one stored document, or "" when it is
// not stored.
func (s *Store) Hash(ctx context.Context, kind models.Kind, id string) (string, error) {
	var h string
	err := s.pool.QueryRow(ctx, "SELECT hash FROM documents WHERE kind = $1 AND id = $2", string(kind), id).Scan(&h)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return h, classify(err)
}

// Count returns how many documents of a kind are stored.
func (s *Store) Count(ctx context.Context, kind models.Kind) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, "SELECT count(*) FROM documents WHERE kind = $1", string(kind)).Scan(&n)
	return n, classify(err)
}

// Article returns the article with this id, or an error matching
// models.ErrNotFound.
func (s *Store) Article(ctx context.Context, id string) (*models.Article, error) {
	var a models.Article
	return &a, s.get(ctx, models.KindArticle, id, &a)
}

// Ticket returns the ticket with this id, or an error matching
// models.ErrNotFound.
func (s *Store) Ticket(ctx context.Context, id string) (*models.Ticket, error) {
	var t models.Ticket
	return &t, s.get(ctx, models.KindTicket, id, &t)
}

func (s *Store) get(ctx context.Context, kind models.Kind, id string, into any) error {
	return s.getJSON(ctx, into, fmt.Sprintf("%s %q not found", kind, id),
		"SELECT doc FROM documents WHERE kind = $1 AND id = $2", string(kind), id)
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

// Queries calls fn for every stored query record, in id order, stopping at
// the first error.
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
	rows, err := s.pool.Query(ctx, "SELECT id, doc FROM documents WHERE kind = $1 ORDER BY id", string(kind))
	if err != nil {
		return classify(err)
	}
	var id string
	var data []byte
	_, err = pgx.ForEachRow(rows, []any{&id, &data}, func() error {
		var doc T
		if err := json.Unmarshal(data, &doc); err != nil {
			return fmt.Errorf("decode %s %q: %w", kind, id, err)
		}
		return fn(&doc)
	})
	return classify(err)
}

// Vectors calls fn with every stored vector of a kind made by model, in id
// order; vectors of other models are skipped.
func (s *Store) Vectors(ctx context.Context, kind models.Kind, model string, fn func(id string, v []float32) error) error {
	rows, err := s.pool.Query(ctx, "SELECT id, embedding FROM documents WHERE kind = $1 AND model = $2 ORDER BY id", string(kind), model)
	if err != nil {
		return classify(err)
	}
	var id string
	var vec pgvector.Vector
	_, err = pgx.ForEachRow(rows, []any{&id, &vec}, func() error { return fn(id, vec.Slice()) })
	return classify(err)
}
