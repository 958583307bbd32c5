package engine

import (
	"context"

	"github.com/siftdesk/sift/models"
)

// PutSynonym creates or replaces a team's synonym rule (see
// models.Synonym); created reports whether it is new. A portal holds at
// most models.MaxSynonymRules rules, its own and those of both portals
// counted together.
func (e *Engine) PutSynonym(ctx context.Context, s *models.Synonym) (created bool, err error) {
	c, err := models.NewSynonymChange(s)
	if err != nil {
		return false, err
	}
	if err := e.synonyms.Check(*s); err != nil {
		return false, err
	}
	return e.putRule(ctx, e.synonymSet(), c, s.Portal)
}

// DeleteSynonym removes a synonym rule; deleting a missing one reports
// models.ErrNotFound.
func (e *Engine) DeleteSynonym(ctx context.Context, id string) error {
	return e.deleteRule(ctx, e.synonymSet(), models.KindSynonym, id)
}

func (e *Engine) synonymSet() ruleSet {
	ids := func(p models.Portal) []string {
		var out []string
		for _, r := range e.synonyms.Rules(p) {
			out = append(out, r.ID)
		}
		return out
	}
	return ruleSet{ids: ids, limit: models.MaxSynonymRules, what: "synonym rules"}
}

// Synonyms returns the synonym rules that apply to a portal (its own and
// those of both), or all of them for an empty portal, in id order.
func (e *Engine) Synonyms(p models.Portal) []models.Synonym {
	return e.synonyms.Rules(p)
}
