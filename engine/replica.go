package engine

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/siftdesk/sift/models"
)

// Scale-out: when the system of record is shared by several replicas, each
// replica's in-memory searches (type-ahead, articles, tickets), and its
// full-text index if it keeps one, are caches, fed in commit order from
// the database's change feed, for its own writes as for everyone else's.

// TextWriter is a replica's full-text index as its change feed writes it.
type TextWriter interface {
	Write(ctx context.Context, changes []models.Change) error
}

// ChangeFeed delivers the changes committed to a shared system of record.
type ChangeFeed interface {
	// CatchUp calls apply with every change committed since the last one
	// delivered, in commit order, and returns when none are left.
	CatchUp(ctx context.Context, apply func(context.Context, []models.Change) error) error
}

// Replicated is the Writer of a replica: it writes through store (which
// writes the shared system of record only), then catches the replica's
// caches up with the change feed, so a write is searchable on this replica
// when Apply returns, and on the others at their next catch-up. Pass it to
// New as the writer; the engine attaches itself to it. It is safe for
// concurrent use.
type Replicated struct {
	store Writer
	text  TextWriter
	feed  ChangeFeed
	eng   atomic.Pointer[Engine]
	mu    sync.Mutex // one catch-up at a time, so caches see changes in order
}

// NewReplicated returns the writer of a replica whose full-text index text
// is fed from feed; text is nil for a replica that keeps none (its engine
// searches tickets in memory, and in the database until they are loaded).
func NewReplicated(store Writer, text TextWriter, feed ChangeFeed) *Replicated {
	return &Replicated{store: store, text: text, feed: feed}
}

// Apply writes changes to the system of record, then catches up. An error
// means the changes were not committed. Once they are, Apply succeeds even
// when the catch-up fails (the database going away just after the commit):
// saying "not written" of a committed write would make a client retry a
// delete that happened, or give up on an upsert that is stored. The next
// catch-up, announced or periodic, brings this replica's caches in line.
func (r *Replicated) Apply(ctx context.Context, changes []models.Change) error {
	if err := r.store.Apply(ctx, changes); err != nil {
		return err
	}
	if err := r.CatchUp(ctx); err != nil {
		if e := r.eng.Load(); e != nil {
			e.log.Warn("write committed; this replica's caches catch up later", "err", err)
		}
	}
	return nil
}

// CatchUp applies to the full-text index, if any, and the engine's caches
// every change the feed has that the replica has not applied yet. Run it when the database
// announces a change, and periodically.
func (r *Replicated) CatchUp(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.feed.CatchUp(ctx, func(ctx context.Context, changes []models.Change) error {
		if r.text != nil {
			if err := r.text.Write(ctx, changes); err != nil {
				return err
			}
		}
		if e := r.eng.Load(); e != nil {
			e.Refresh(changes)
		}
		return nil
	})
}

// Refresh brings type-ahead and article search in line with changes that
// are already in the system of record and the full-text index, as a
// replica's change feed delivers them: articles, query completions,
// synonym and curation rules, organisation records, incidents, the
// tickets' timeline and ticket search are added, replaced or removed.
func (e *Engine) Refresh(changes []models.Change) {
	for _, c := range changes {
		switch {
		case c.Kind == models.KindArticle && c.Delete:
			e.removeArticleEntry(c.ID)
			e.fulltext.Delete(c.ID)
		case c.Article != nil:
			e.putArticleEntry(c.Article, e.eventViews(c.ID))
			e.fulltext.Put(c.Article)
		case c.Kind == models.KindCuration && c.Delete:
			e.curations.Remove(c.ID)
		case c.Curation != nil:
			e.curations.Put(*c.Curation)
		case c.Kind == models.KindTicket && c.Delete:
			e.timeline.remove(c.ID)
			e.tickets.Delete(c.ID)
		case c.Ticket != nil:
			e.timeline.put(c.Ticket)
			e.tickets.Put(c.Ticket)
		case c.Kind == models.KindIncident && c.Delete:
			e.incidents.Remove(c.ID)
		case c.Incident != nil:
			e.incidents.Put(*c.Incident)
		case c.Kind == models.KindOrg && c.Delete:
			e.orgs.Remove(c.ID)
		case c.Org != nil:
			e.orgs.Put(*c.Org)
		case c.Kind == models.KindSynonym && c.Delete:
			e.synonyms.Remove(c.ID)
		case c.Synonym != nil:
			if err := e.synonyms.Put(*c.Synonym); err != nil {
				e.log.Warn("synonym rule left out", "err", err)
			}
		case c.Kind == models.KindQuery && c.Delete:
			e.queries.Remove(c.ID)
		case c.Query != nil:
			e.putQuery(c.Query)
		}
	}
}
