package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/siftdesk/sift/models"
)

// Vectors is the pgvector index of one embedding model: an HNSW index
// (cosine) per kind over the embeddings of that model, searched with the
// same access filters as the in-process index. Vectors are written with
// their documents by Store.Write, so its Write does nothing. It is safe for
// concurrent use.
type Vectors struct {
	s     *Store
	model string
	dims  int
	// article and ticket are the two searches, with the model and its
	// dimensions inlined so the planner matches the partial HNSW indexes.
	article, ticket string
	ddl             []string // creates the partial HNSW indexes
}

// EnsureIndex creates the model's HNSW indexes (one per kind) when they do
// not exist yet, which takes a while over many stored vectors: a bulk load
// is fastest before it, since every later write maintains the index.
// Replicas calling it together create each index once.
func (v *Vectors) EnsureIndex(ctx context.Context) error {
	err := pgx.BeginFunc(ctx, v.s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('sift.vectorindex.' || current_schema()))"); err != nil {
			return err
		}
		for _, ddl := range v.ddl {
			if _, err := tx.Exec(ctx, ddl); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create vector index: %w", classify(err))
	}
	return nil
}

// VectorIndex returns the vector index for embeddings of model with dims
// dimensions. It searches correctly at once, by exact scan until
// EnsureIndex has built the HNSW indexes.
func (s *Store) VectorIndex(ctx context.Context, model string, dims int) (*Vectors, error) {
	if model == "" || dims < 1 || dims > 16000 {
		return nil, models.Invalid("model", "vector index needs a model name and 1 to 16000 dimensions, got %q and %d", model, dims)
	}
	v := &Vectors{s: s, model: model, dims: dims}
	lit := quoteLiteral(model)
	cast := fmt.Sprintf("embedding::vector(%d)", dims)
	for _, kind := range []models.Kind{models.KindArticle, models.KindTicket} {
		sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%d", kind, model, dims))
		v.ddl = append(v.ddl, fmt.Sprintf("CREATE INDEX IF NOT EXISTS documents_hnsw_%s ON documents USING hnsw ((%s) vector_cosine_ops) WHERE kind = '%s' AND model = %s",
			hex.EncodeToString(sum[:6]), cast, kind, lit))
	}
	// relaxed_order scans may return hits slightly out of order: the outer
	// query sorts them again.
	search := func(kind models.Kind, filter string) string {
		return fmt.Sprintf(`WITH hits AS MATERIALIZED (
			SELECT id, %[1]s <=> $1::vector(%[2]d) AS distance FROM documents
			WHERE kind = '%[3]s' AND model = %[4]s AND %[5]s
			ORDER BY distance LIMIT $2)
		SELECT id, 1 - distance FROM hits ORDER BY distance, id`, cast, dims, kind, lit, filter)
	}
	// $4 true admits every product and tier; otherwise an article
	// restricted to products needs one of $5, and one restricted to tiers
	// needs $6 among them (models.ArticleFilter.Entitles).
	v.article = search(models.KindArticle, `access = ANY($3) AND ($4 OR
		((cardinality(products) = 0 OR products && $5::text[]) AND (cardinality(tiers) = 0 OR $6 = ANY(tiers))))`)
	v.ticket = search(models.KindTicket, "access = $3 AND ($4 = '' OR org = $4)")
	return v, nil
}

// quoteLiteral quotes s as an SQL string literal (standard conforming
// strings, as every supported PostgreSQL has by default).
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// Model names the embedder whose vectors the index searches.
func (v *Vectors) Model() string { return v.model }

// Write does nothing: Store.Write stores each document's vector with it.
func (v *Vectors) Write(ctx context.Context, changes []models.Change) error { return nil }

// SearchArticles returns the k articles nearest to vec among those f
// admits, best first, with cosine similarity as score.
func (v *Vectors) SearchArticles(ctx context.Context, vec []float32, k int, f models.ArticleFilter) ([]models.VectorHit, error) {
	access := make([]string, 0, len(f.Visibilities))
	for _, x := range f.Visibilities {
		access = append(access, articleAccess(x))
	}
	products, tier := []string{}, ""
	if f.Entitled != nil {
		products, tier = append(products, f.Entitled.Products...), f.Entitled.Tier
	}
	return v.query(ctx, v.article, vec, k, access, f.Entitled == nil, products, tier)
}

// SearchTickets returns the k tickets nearest to vec within scope (its
// portal, and its organisation when set), best first.
func (v *Vectors) SearchTickets(ctx context.Context, vec []float32, k int, scope models.TicketScope) ([]models.VectorHit, error) {
	return v.query(ctx, v.ticket, vec, k, ticketAccess(scope.Portal), scope.Org)
}

func (v *Vectors) query(ctx context.Context, sql string, vec []float32, k int, filters ...any) ([]models.VectorHit, error) {
	if len(vec) != v.dims {
		return nil, models.Invalid("vector", "has %d dimensions, the index %d", len(vec), v.dims)
	}
	if k <= 0 {
		return nil, nil
	}
	args := append([]any{pgvector.NewVector(vec), k}, filters...)
	rows, err := v.s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("vector search: %w", classify(err))
	}
	out := []models.VectorHit{}
	var h models.VectorHit
	_, err = pgx.ForEachRow(rows, []any{&h.ID, &h.Score}, func() error {
		out = append(out, h)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("vector search: %w", classify(err))
	}
	return out, nil
}
