// Package sharing keeps the organisations Sift has records of, and so
// which of them share their tickets among their users: the one fact, beyond
// the ticket itself, that per-user ticket privacy needs (see
// models.Principal.CanSeeTicket). An organisation with no record shares
// nothing. It is safe for concurrent use.
package sharing

import (
	"sync"

	"github.com/siftdesk/sift/models"
)

// Orgs is the set of organisation records, by id.
type Orgs struct {
	mu   sync.RWMutex
	byID map[string]models.Org
}

// New returns an empty set.
func New() *Orgs { return &Orgs{byID: map[string]models.Org{}} }

// Put adds or replaces records.
func (o *Orgs) Put(orgs ...models.Org) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, org := range orgs {
		o.byID[org.ID] = org
	}
}

// Remove forgets a record; an unknown id is no error.
func (o *Orgs) Remove(id string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.byID, id)
}

// Shares reports whether the organisation org of portal shares its
// tickets among its users: it has a record for that portal (or both)
// saying so.
func (o *Orgs) Shares(portal models.Portal, org string) bool {
	if org == "" {
		return false
	}
	o.mu.RLock()
	rec, ok := o.byID[org]
	o.mu.RUnlock()
	return ok && rec.SharesTickets && portal != "" && portal.Covers(rec.Portal)
}

// List returns the records of a portal (its own and both portals'), or
// every record for an empty portal, in id order.
func (o *Orgs) List(portal models.Portal) []models.Org {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return models.RulesFor(o.byID, portal, func(org models.Org) models.Portal { return org.Portal })
}
