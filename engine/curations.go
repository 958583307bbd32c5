package engine

import (
	"context"
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
// to hits, and returns them with the fired rules. A pinned article
// not among the hits is fetched, and left out when the audience may not
// see it.
func (e *Engine) curate(ctx context.Context, a models.Audience, query string, hits []models.ArticleHit, explain bool) ([]models.ArticleHit, []models.Curation) {
	fired := e.curations.Firing(a.Portal, query)
	if len(fired) == 0 {
		return hits, nil
	}
	f := a.Filter()
	fetch := func(id string) (models.ArticleHit, bool) {
		art, err := e.store.Article(ctx, id)
		if err != nil || !f.Allows(art.Visibility, art.Products, art.Tiers) {
			return models.ArticleHit{}, false
		}
		return models.ArticleHit{
			ID: art.ID, Title: art.Title, Category: art.Category, Product: art.Product,
			Visibility: art.Visibility, Products: art.Products, Tiers: art.Tiers,
		}, true
	}
	return curation.Apply(hits, fired, fetch, explain), fired
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
func (e *Engine) curateSuggestions(ctx context.Context, req models.SuggestRequest, out []models.Suggestion) ([]models.Suggestion, []models.Curation) {
	hits := make([]models.ArticleHit, len(out))
	for i, s := range out {
		hits[i] = models.ArticleHit{ID: s.ID, Title: s.Text, Score: s.Score} // a query's ID is empty: no rule names it
	}
	curated, fired := e.curate(ctx, req.Audience, req.Query, hits, false)
	if len(fired) == 0 {
		return out, nil
	}
	bySuggestion := map[string]models.Suggestion{}
	for _, s := range out {
		bySuggestion[s.Kind+"\x00"+s.ID+"\x00"+s.Text] = s
	}
	limit := max(len(out), 1)
	if req.Limit > 0 {
		limit = req.Limit
	}
	curatedOut := make([]models.Suggestion, 0, len(curated))
	for _, h := range curated[:min(len(curated), limit)] {
		kind := models.SuggestionQuery
		if h.ID != "" {
			kind = models.SuggestionArticle
		}
		s, ok := bySuggestion[kind+"\x00"+h.ID+"\x00"+h.Title]
		if !ok { // pinned from the store
			s = models.Suggestion{Kind: models.SuggestionArticle, ID: h.ID, Title: h.Title, Text: h.Title, Score: 1, Match: "pinned"}
		}
		curatedOut = append(curatedOut, s)
	}
	return curatedOut, fired
}
