package engine

import (
	"context"
	"errors"

	"github.com/siftdesk/sift/models"
)

// Article returns an article the audience may see. An article it may not
// see is reported as not found, so its existence does not leak.
func (e *Engine) Article(ctx context.Context, aud models.Audience, id string) (*models.Article, error) {
	a, err := e.store.Article(ctx, id)
	if err != nil {
		return nil, err
	}
	if !aud.CanSeeArticle(a) {
		return nil, models.NotFound("article %q not found", id)
	}
	return a, nil
}

// Ticket returns an indexed ticket the principal may see. A ticket it may
// not see is reported as not found, so its existence does not leak.
func (e *Engine) Ticket(ctx context.Context, who models.Principal, id string) (*models.Ticket, error) {
	t, err := e.store.Ticket(ctx, id)
	if err != nil {
		return nil, err
	}
	if !who.CanSeeTicket(t, e.orgs.Shares) {
		return nil, models.NotFound("ticket %q not found", id)
	}
	return t, nil
}

// PutArticle creates or replaces an article. It is searchable and in
// type-ahead when PutArticle returns; created reports whether it is new.
func (e *Engine) PutArticle(ctx context.Context, a *models.Article) (created bool, err error) {
	c, err := models.NewArticleChange(a)
	if err != nil {
		return false, err
	}
	return e.putDocument(ctx, c, func() error {
		_, err := e.store.Article(ctx, a.ID)
		return err
	})
}

// DeleteArticle removes an article; deleting a missing one reports
// models.ErrNotFound.
func (e *Engine) DeleteArticle(ctx context.Context, id string) error {
	return e.deleteDocument(ctx, models.KindArticle, id, func() error {
		_, err := e.store.Article(ctx, id)
		return err
	})
}

// PutTicket creates or replaces a ticket; created reports whether it is
// new.
func (e *Engine) PutTicket(ctx context.Context, t *models.Ticket) (created bool, err error) {
	c, err := models.NewTicketChange(t)
	if err != nil {
		return false, err
	}
	return e.putDocument(ctx, c, func() error {
		_, err := e.store.Ticket(ctx, t.ID)
		return err
	})
}

// DeleteTicket removes a ticket; deleting a missing one reports
// models.ErrNotFound.
func (e *Engine) DeleteTicket(ctx context.Context, id string) error {
	return e.deleteDocument(ctx, models.KindTicket, id, func() error {
		_, err := e.store.Ticket(ctx, id)
		return err
	})
}

// putDocument writes the upsert c under the write lock; lookUp reads the
// stored document (models.ErrNotFound when there is none), so created
// reports whether it is new.
func (e *Engine) putDocument(ctx context.Context, c models.Change, lookUp func() error) (created bool, err error) {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	switch err := lookUp(); {
	case errors.Is(err, models.ErrNotFound):
		created = true
	case err != nil:
		return false, err
	}
	return created, e.applyOwn(ctx, c)
}

// deleteDocument removes the document of kind and id under the write
// lock; lookUp reads it first, so deleting a missing one reports its
// models.ErrNotFound.
func (e *Engine) deleteDocument(ctx context.Context, kind models.Kind, id string, lookUp func() error) error {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	if err := lookUp(); err != nil {
		return err
	}
	return e.applyOwn(ctx, models.NewDelete(kind, id))
}

// applyOwn writes c, the engine's own change, and refreshes the in-memory
// read models after it. The caller holds writeMu.
func (e *Engine) applyOwn(ctx context.Context, c models.Change) error {
	if err := e.writer.Apply(ctx, []models.Change{c}); err != nil {
		return err
	}
	e.refreshOwn(c)
	return nil
}

// refreshOwn updates type-ahead and the other in-memory read models after
// the engine's own write, unless the change feed does (a replica), which
// applies changes in commit order: a later write from another replica must
// not be undone by this one.
func (e *Engine) refreshOwn(c models.Change) {
	if !e.replicated {
		e.Refresh([]models.Change{c})
	}
}

// Stats counts what the engine serves, for health checks.
type Stats struct {
	Articles int `json:"articles"`
	Queries  int `json:"query_completions"`
}

// Stats returns the engine's counts.
func (e *Engine) Stats() Stats {
	return Stats{Articles: e.articles.Len(), Queries: e.queries.Len()}
}
