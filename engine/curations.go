package engine

import (
	"context"
	"strconv"
	"time"

	"github.com/siftdesk/sift/engine/curation"
	"github.com/siftdesk/sift/models"
)

// PutCuration creates or replaces a curation rule (see models.Curation);
// created reports whether it is new. A portal holds at most
// models.MaxCurationRules rules, its own and both portals' together.
func (e *Engine) PutCuration(ctx context.Context, c *models.Curation) (created bool, err error) {
	c.UpdatedAt = time.Now().UTC().Truncate(time.Second)
	ch, err := models.NewCurationChange(c)
	if err != nil {
		return false, err
	}
	return e.putRule(ctx, e.curationSet(), ch, c.Portal)
}

// DeleteCuration removes a curation rule; deleting a missing one reports
// models.ErrNotFound.
func (e *Engine) DeleteCuration(ctx context.Context, id string) error {
	return e.deleteRule(ctx, e.curationSet(), models.KindCuration, id)
}

func (e *Engine) curationSet() ruleSet {
	ids := func(p models.Portal) []string { return curation.IDs(e.curations.List(p)) }
	return ruleSet{ids: ids, limit: models.MaxCurationRules, what: "curation rules"}
}

// Curations returns the curation rules of a portal (its own and both
// portals'), or all of them for an empty portal, in id order.
func (e *Engine) Curations(p models.Portal) []models.Curation {
	return e.curations.List(p)
}

// curate applies the curation rules query fires on the audience's portal
// to hits, and returns them with the fired rules.
func (e *Engine) curate(ctx context.Context, a models.Audience, query string, hits []models.ArticleHit, explain bool) ([]models.ArticleHit, []models.Curation) {
	fired := e.curations.Firing(a.Portal, query)
	if len(fired) == 0 {
		return hits, nil
	}
	return curation.Apply(hits, fired, e.pinnable(ctx, a), explain), fired
}

// pinnable fetches an article a rule pins, as a hit, when the audience may
// see it.
func (e *Engine) pinnable(ctx context.Context, a models.Audience) func(id string) (models.ArticleHit, bool) {
	f := a.Filter()
	return func(id string) (models.ArticleHit, bool) {
		art, err := e.store.Article(ctx, id)
		if err != nil || !f.Allows(art.Visibility, art.Products, art.Tiers) {
			return models.ArticleHit{}, false
		}
		return models.ArticleHit{
			ID: art.ID, Title: art.Title, Category: art.Category, Product: art.Product,
			Visibility: art.Visibility, Products: art.Products, Tiers: art.Tiers,
		}, true
	}
}

// pinned reports whether one of hits is pinned by a fired rule.
func pinned(hits []models.ArticleHit, fired []models.Curation) bool {
	for _, c := range fired {
		for _, p := range c.Pins {
			for _, h := range hits {
				if h.ID == p.Article {
					return true
				}
			}
		}
	}
	return false
}

// curateSuggestions applies the curation rules the typed text fires to a
// type-ahead answer: hidden articles leave it, pinned ones take their
// place, at most limit in all.
func (e *Engine) curateSuggestions(ctx context.Context, req models.SuggestRequest, out []models.Suggestion, limit int) ([]models.Suggestion, []models.Curation) {
	fired := e.curations.Firing(req.Audience.Portal, req.Query)
	if len(fired) == 0 {
		return out, nil
	}
	hits := make([]models.ArticleHit, len(out))
	byID := map[string]models.Suggestion{}
	for i, s := range out {
		id := s.ID
		if s.Kind != models.SuggestionArticle {
			id = "\x00" + strconv.Itoa(i) // no rule names a query completion
		}
		hits[i], byID[id] = models.ArticleHit{ID: id, Title: s.Text, Score: s.Score}, s
	}
	curated := curation.Apply(hits, fired, e.pinnable(ctx, req.Audience), false)
	kept := make([]models.Suggestion, 0, min(len(curated), limit))
	for _, h := range curated[:min(len(curated), limit)] {
		s, ok := byID[h.ID]
		if !ok { // pinned from the store
			s = models.Suggestion{Kind: models.SuggestionArticle, ID: h.ID, Title: h.Title, Text: h.Title, Score: 1, Match: "pinned"}
		}
		kept = append(kept, s)
	}
	return kept, fired
}
