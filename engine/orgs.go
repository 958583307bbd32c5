package engine

import (
	"context"
	"time"

	"github.com/siftdesk/sift/models"
)

// PutOrg creates or replaces an organisation's record (see models.Org):
// whether its users share their tickets. created reports whether it is
// new. At most models.MaxOrgs are kept.
func (e *Engine) PutOrg(ctx context.Context, o *models.Org) (created bool, err error) {
	o.UpdatedAt = time.Now().UTC().Truncate(time.Second)
	ch, err := models.NewOrgChange(o)
	if err != nil {
		return false, err
	}
	return e.putRule(ctx, e.orgSet(), ch, o.Portal)
}

// DeleteOrg removes an organisation's record, after which its users see
// their own tickets only; deleting a missing one reports
// models.ErrNotFound.
func (e *Engine) DeleteOrg(ctx context.Context, id string) error {
	return e.deleteRule(ctx, e.orgSet(), models.KindOrg, id)
}

func (e *Engine) orgSet() ruleSet {
	ids := func(p models.Portal) []string {
		var out []string
		for _, o := range e.orgs.List(p) {
			out = append(out, o.ID)
		}
		return out
	}
	return ruleSet{ids: ids, limit: models.MaxOrgs, what: "organisations"}
}

// Orgs returns the organisation records of a portal (its own and both
// portals'), or all of them for an empty portal, in id order.
func (e *Engine) Orgs(p models.Portal) []models.Org { return e.orgs.List(p) }
