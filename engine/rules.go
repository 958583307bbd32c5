package engine

import (
	"context"
	"slices"

	"github.com/siftdesk/sift/models"
)

// ruleSet is a kind of rule a team writes (synonyms, curations): the ids
// of the rules that apply to a portal (its own and both portals'; every
// rule for an empty portal), how many a portal may have, and what the
// rules are called in errors.
type ruleSet struct {
	ids   func(models.Portal) []string
	limit int
	what  string
}

// putRule writes the upsert c of a rule of set for portal (empty: both),
// unless it would take a portal past the set's limit; created reports
// whether the rule is new.
func (e *Engine) putRule(ctx context.Context, set ruleSet, c models.Change, portal models.Portal) (created bool, err error) {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	created = !slices.Contains(set.ids(""), c.ID)
	for _, p := range []models.Portal{models.PortalCustomer, models.PortalITSM} {
		if n := len(set.ids(p)); created && (portal == "" || portal == p) && n >= set.limit {
			return false, models.TooLarge("id", "portal %s has %d %s, at most %d allowed", p, n, set.what, set.limit)
		}
	}
	if err := e.applyOwn(ctx, c); err != nil {
		return false, err
	}
	return created, nil
}

// deleteRule removes a rule of set; a missing one reports
// models.ErrNotFound.
func (e *Engine) deleteRule(ctx context.Context, set ruleSet, kind models.Kind, id string) error {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	if !slices.Contains(set.ids(""), id) {
		return models.NotFound("%s: no rule %q", set.what, id)
	}
	return e.applyOwn(ctx, models.NewDelete(kind, id))
}
