package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/siftdesk/sift/indexer/bleve"
	"github.com/siftdesk/sift/indexer/bolt"
	"github.com/siftdesk/sift/models"
)

// rebuildBatch is how many documents a full-text rebuild writes at once.
const rebuildBatch = 1000

// rebuildFullText indexes every stored article and ticket into an empty
// full-text index, as when its directory was removed: an index built
// before articles had products and tiers is refused, and removing it is
// how it is rebuilt. An index that holds documents is left alone.
func rebuildFullText(ctx context.Context, store *bolt.Store, text *bleve.Index, log *slog.Logger) error {
	if n, err := text.Count(); err != nil || n > 0 {
		return err
	}
	start := time.Now()
	var batch []models.Change
	total := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := text.Write(ctx, batch)
		total += len(batch)
		batch = batch[:0]
		return err
	}
	add := func(c models.Change) error {
		if batch = append(batch, c); len(batch) == rebuildBatch {
			return flush()
		}
		return nil
	}
	err := store.Articles(ctx, func(a *models.Article) error {
		return add(models.Change{Kind: models.KindArticle, ID: a.ID, Article: a})
	})
	if err == nil {
		err = store.Tickets(ctx, func(t *models.Ticket) error {
			return add(models.Change{Kind: models.KindTicket, ID: t.ID, Ticket: t})
		})
	}
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("rebuild the full-text index from the store: %w", err)
	}
	if total > 0 {
		log.Info("full-text index rebuilt from the store", "documents", total, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}
