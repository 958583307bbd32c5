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
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	created = true
	for _, p := range []models.Portal{models.PortalCustomer, models.PortalITSM} {
		if s.Portal != "" && s.Portal != p {
			continue
		}
		rules := e.synonyms.Rules(p)
		for _, r := range rules {
			created = created && r.ID != s.ID
		}
		if created && len(rules) >= models.MaxSynonymRules {
			return false, models.TooLarge("synonyms", "portal %s has %d synonym rules, at most %d allowed", p, len(rules), models.MaxSynonymRules)
		}
	}
	if err := e.writer.Apply(ctx, []models.Change{c}); err != nil {
		return false, err
	}
	e.refreshOwn(c)
	return created, nil
}

// DeleteSynonym removes a synonym rule; deleting a missing one reports
// models.ErrNotFound.
func (e *Engine) DeleteSynonym(ctx context.Context, id string) error {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	if !e.hasSynonym(id) {
		return models.NotFound("synonym rule %q", id)
	}
	c := models.NewDelete(models.KindSynonym, id)
	if err := e.writer.Apply(ctx, []models.Change{c}); err != nil {
		return err
	}
	e.refreshOwn(c)
	return nil
}

func (e *Engine) hasSynonym(id string) bool {
	for _, r := range e.synonyms.Rules("") {
		if r.ID == id {
			return true
		}
	}
	return false
}

// Synonyms returns the synonym rules that apply to a portal (its own and
// those of both), or all of them for an empty portal, in id order.
func (e *Engine) Synonyms(p models.Portal) []models.Synonym {
	return e.synonyms.Rules(p)
}
