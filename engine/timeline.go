package engine

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/siftdesk/sift/models"
)

// ticketTimeline is when each ticket was created, and on which portal,
// kept in memory once built (by WarmMetrics, in the background at start)
// and kept fresh by every write: what lets topic gaps find a period's
// tickets without reading them all.
type ticketTimeline struct {
	mu    sync.RWMutex
	built bool
	byID  map[string]ticketStamp
}

// ticketStamp is what the timeline keeps of a ticket.
type ticketStamp struct {
	portal  models.Portal
	created time.Time
}

// build reads every ticket's portal and creation time from the store.
func (tl *ticketTimeline) build(ctx context.Context, store Store) error {
	byID := map[string]ticketStamp{}
	err := store.Tickets(ctx, func(t *models.Ticket) error {
		byID[t.ID] = ticketStamp{t.Portal, t.CreatedAt}
		return nil
	})
	if err != nil {
		return err
	}
	tl.mu.Lock()
	defer tl.mu.Unlock()
	// Writes made while the store was read are already in byID or will
	// come again through put; keep what put recorded meanwhile.
	for id, s := range tl.byID {
		byID[id] = s
	}
	tl.byID, tl.built = byID, true
	return nil
}

// put records a written ticket.
func (tl *ticketTimeline) put(t *models.Ticket) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if tl.byID == nil {
		tl.byID = map[string]ticketStamp{}
	}
	tl.byID[t.ID] = ticketStamp{t.Portal, t.CreatedAt}
}

// remove forgets a deleted ticket.
func (tl *ticketTimeline) remove(id string) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	delete(tl.byID, id)
}

// between returns the ids of the tickets of portal (empty: both) created
// in [from, to) (a zero bound is open), most recent first, at most limit;
// false until the timeline is built.
func (tl *ticketTimeline) between(portal models.Portal, from, to time.Time, limit int) ([]string, bool) {
	tl.mu.RLock()
	if !tl.built {
		tl.mu.RUnlock()
		return nil, false
	}
	type hit struct {
		id      string
		created time.Time
	}
	var hits []hit
	for id, s := range tl.byID {
		if (portal == "" || s.portal == portal) && (from.IsZero() || !s.created.Before(from)) && (to.IsZero() || s.created.Before(to)) {
			hits = append(hits, hit{id, s.created})
		}
	}
	tl.mu.RUnlock()
	slices.SortFunc(hits, func(a, b hit) int {
		if c := b.created.Compare(a.created); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	ids := make([]string, 0, min(len(hits), limit))
	for _, h := range hits[:min(len(hits), limit)] {
		ids = append(ids, h.id)
	}
	return ids, true
}
