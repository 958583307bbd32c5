package engine

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/siftdesk/sift/models"
)

// ticketTimeline is when each ticket was created, and on which portal,
// kept in memory once built (by WarmTickets, in the background at start)
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

// load records a ticket read from the store while the timeline is built
// (WarmTickets), unless a write has recorded it meanwhile: that is newer.
func (tl *ticketTimeline) load(t *models.Ticket) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if tl.byID == nil {
		tl.byID = map[string]ticketStamp{}
	}
	if _, ok := tl.byID[t.ID]; !ok {
		tl.byID[t.ID] = ticketStamp{t.Portal, t.CreatedAt}
	}
}

// markBuilt ends the build: from now on the timeline answers.
func (tl *ticketTimeline) markBuilt() {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.built = true
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
