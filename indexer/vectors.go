package indexer

import (
	"context"
	"fmt"
	"time"

	"github.com/siftdesk/sift/models"
)

// Embedder turns texts into vectors, one per text, in order. Model names
// the embedder, so vectors from two models are never mixed.
type Embedder interface {
	Model() string
	Dimensions() int
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// VectorIndex is the vector index as the indexer writes it.
type VectorIndex interface {
	// Write adds the vectors of upserted documents and removes deleted
	// ones; changes without a vector are ignored.
	Write(ctx context.Context, changes []models.Change) error
}

// VectorStore is what SyncVectors reads from the system of record.
type VectorStore interface {
	Articles(ctx context.Context, fn func(*models.Article) error) error
	Tickets(ctx context.Context, fn func(*models.Ticket) error) error
	// Vectors calls fn with every stored vector of a kind made by model.
	Vectors(ctx context.Context, kind models.Kind, model string, fn func(id string, v []float32) error) error
	// Hash returns a stored document's content hash, "" if it is not stored.
	Hash(ctx context.Context, kind models.Kind, id string) (string, error)
}

// embedBatch is how many texts go to the embedder at once.
const embedBatch = 64

// UseVectors makes the indexer embed every upserted article and ticket
// with e and write the vectors to v as well as to the store. Call it
// before the indexer is used.
func (ix *Indexer) UseVectors(e Embedder, v VectorIndex) {
	ix.embedder, ix.vectors = e, v
}

// embed fills in the vectors of the upserts in changes that lack one.
func (ix *Indexer) embed(ctx context.Context, changes []models.Change) error {
	var texts []string
	var at []int
	for i, c := range changes {
		if c.Delete || c.Vector != nil {
			continue
		}
		switch {
		case c.Article != nil:
			texts = append(texts, c.Article.EmbeddingText())
		case c.Ticket != nil:
			texts = append(texts, c.Ticket.EmbeddingText())
		default:
			continue
		}
		at = append(at, i)
	}
	for start := 0; start < len(texts); start += embedBatch {
		end := min(start+embedBatch, len(texts))
		vecs, err := ix.embedder.Embed(ctx, texts[start:end])
		if err != nil {
			return fmt.Errorf("embed: %w", err)
		}
		if len(vecs) != end-start {
			return fmt.Errorf("embed: %d vectors for %d texts", len(vecs), end-start)
		}
		for j, v := range vecs {
			changes[at[start+j]].Vector = v
			changes[at[start+j]].Model = ix.embedder.Model()
		}
	}
	return nil
}

// VectorProgress counts the documents SyncVectors has embedded.
type VectorProgress struct {
	Done, Total int
	Elapsed     time.Duration
}

// SyncVectors embeds every stored article and ticket that has no vector
// from the current embedder (all of them when all is true, as after a
// change of model) and writes the vectors. It is how an index gains
// vectors, and how it heals after a crash or a new model. It may run while
// other writes go on: embedding happens outside the write lock, and a
// document changed meanwhile keeps the vector its own write gave it.
func (ix *Indexer) SyncVectors(ctx context.Context, store VectorStore, all bool, progress func(VectorProgress)) (int, error) {
	if ix.embedder == nil {
		return 0, nil
	}
	start := time.Now()
	todo, err := missingVectors(ctx, store, ix.embedder.Model(), all)
	if err != nil {
		return 0, err
	}
	done := 0
	for i := 0; i < len(todo); i += embedBatch {
		batch := todo[i:min(i+embedBatch, len(todo))]
		if err := ix.embed(ctx, batch); err != nil {
			return done, err
		}
		n, err := ix.writeVectors(ctx, store, batch)
		done += n
		if err != nil {
			return done, err
		}
		if progress != nil {
			progress(VectorProgress{Done: i + len(batch), Total: len(todo), Elapsed: time.Since(start)})
		}
	}
	return done, nil
}

// missingVectors lists, as vector-only changes, the stored documents with
// no vector of model (or all documents).
func missingVectors(ctx context.Context, store VectorStore, model string, all bool) ([]models.Change, error) {
	have := map[models.Kind]map[string]bool{}
	for _, kind := range []models.Kind{models.KindArticle, models.KindTicket} {
		have[kind] = map[string]bool{}
		if all {
			continue
		}
		err := store.Vectors(ctx, kind, model, func(id string, _ []float32) error {
			have[kind][id] = true
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var todo []models.Change
	add := func(c models.Change, err error) error {
		if err == nil {
			c.VectorOnly = true
			todo = append(todo, c)
		}
		return err
	}
	// Documents that have a vector are skipped before their change (and its
	// content hash) is built: at start-up that is nearly all of them.
	err := store.Articles(ctx, func(a *models.Article) error {
		if have[models.KindArticle][a.ID] {
			return nil
		}
		return add(models.NewArticleChange(a))
	})
	if err == nil {
		err = store.Tickets(ctx, func(t *models.Ticket) error {
			if have[models.KindTicket][t.ID] {
				return nil
			}
			return add(models.NewTicketChange(t))
		})
	}
	return todo, err
}

// writeVectors writes the vectors of batch under the write lock, skipping
// documents whose content changed since they were read.
func (ix *Indexer) writeVectors(ctx context.Context, store VectorStore, batch []models.Change) (int, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	current := batch[:0:0]
	for _, c := range batch {
		h, err := store.Hash(ctx, c.Kind, c.ID)
		if err != nil {
			return 0, err
		}
		if h == c.Hash {
			current = append(current, c)
		}
	}
	if err := ix.vectors.Write(ctx, current); err != nil {
		return 0, fmt.Errorf("vector index: %w", err)
	}
	if err := ix.store.Write(ctx, current); err != nil {
		return 0, fmt.Errorf("store: %w", err)
	}
	return len(current), nil
}
