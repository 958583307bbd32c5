// Package curation applies the rules a support team sets for what a query
// shows (models.Curation): articles pinned at a position, articles
// hidden, categories and products boosted or demoted. A rule fires when
// the query's words are its words (exact) or hold them in order
// (contains), compared as the support vocabulary reads words: case,
// accents and punctuation do not matter.
package curation

import (
	"cmp"
	"slices"
	"sync"

	"github.com/siftdesk/sift/engine/vocabulary"
	"github.com/siftdesk/sift/models"
)

// Rules is a set of curation rules. It is safe for concurrent use.
type Rules struct {
	mu    sync.RWMutex
	rules map[string]models.Curation
	words map[string][]string // by rule id: its query's words
}

// New returns an empty set.
func New() *Rules {
	return &Rules{rules: map[string]models.Curation{}, words: map[string][]string{}}
}

// Put adds rules, or replaces those of the same ids.
func (r *Rules) Put(rules ...models.Curation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range rules {
		r.rules[c.ID], r.words[c.ID] = c, vocabulary.Words(c.Query)
	}
}

// Remove removes the rule of this id, if there is one.
func (r *Rules) Remove(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.rules, id)
	delete(r.words, id)
}

// List returns the rules of a portal (its own and both portals'), or every
// rule for an empty portal, in id order.
func (r *Rules) List(p models.Portal) []models.Curation {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return models.RulesFor(r.rules, p, func(c models.Curation) models.Portal { return c.Portal })
}

// Firing returns the rules of portal p that query fires, in id order.
func (r *Rules) Firing(p models.Portal, query string) []models.Curation {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if len(r.rules) == 0 {
		return nil
	}
	words := vocabulary.Words(query)
	var out []models.Curation
	for id, c := range r.rules {
		if p.Covers(c.Portal) && fires(c.Match, r.words[id], words) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b models.Curation) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// fires reports whether query's words fire a rule of these words.
func fires(match string, rule, query []string) bool {
	if len(rule) == 0 {
		return false
	}
	if match == models.CurationExact {
		return slices.Equal(rule, query)
	}
	for i := 0; i+len(rule) <= len(query); i++ {
		if slices.Equal(rule, query[i:i+len(rule)]) {
			return true
		}
	}
	return false
}

// Apply returns hits (best first) as the fired rules would have them:
// hidden articles removed, the scores of boosted categories and products
// multiplied and the hits sorted again, and pinned articles put at their
// positions, fetched with fetch when they were not among the hits (one
// fetch cannot find is left out). A pinned hit has relevance 1: a person
// chose it for the query. With explain, each hit a rule moved names it.
func Apply(hits []models.ArticleHit, fired []models.Curation, fetch func(id string) (models.ArticleHit, bool), explain bool) []models.ArticleHit {
	hidden := map[string]bool{}
	for _, c := range fired {
		for _, id := range c.Hide {
			hidden[id] = true
		}
	}
	out := make([]models.ArticleHit, 0, len(hits))
	for _, h := range hits {
		if !hidden[h.ID] {
			out = append(out, h)
		}
	}
	boosted := false
	for _, c := range fired {
		for _, b := range c.Boost {
			for i := range out {
				if (b.Category == "" || b.Category == out[i].Category) && (b.Product == "" || b.Product == out[i].Product) {
					out[i].Score *= b.Factor
					note(&out[i], c.ID, explain)
					boosted = true
				}
			}
		}
	}
	if boosted {
		slices.SortStableFunc(out, func(a, b models.ArticleHit) int { return cmp.Compare(b.Score, a.Score) })
	}
	var pins []pinned
	for _, c := range fired {
		for _, p := range c.Pins {
			if !hidden[p.Article] {
				pins = append(pins, pinned{p, c.ID})
			}
		}
	}
	slices.SortStableFunc(pins, func(a, b pinned) int { return cmp.Compare(a.Position, b.Position) })
	for _, p := range pins {
		i := slices.IndexFunc(out, func(h models.ArticleHit) bool { return h.ID == p.Article })
		var h models.ArticleHit
		if i >= 0 {
			h = out[i]
			out = slices.Delete(out, i, i+1)
		} else if f, ok := fetch(p.Article); ok {
			h = f
		} else {
			continue
		}
		h.Relevance = 1
		note(&h, p.rule, explain)
		out = slices.Insert(out, min(p.Position-1, len(out)), h)
	}
	return out
}

// pinned is a pin and the rule that set it.
type pinned struct {
	models.Pin
	rule string
}

// note records on h that rule moved it, when explaining.
func note(h *models.ArticleHit, rule string, explain bool) {
	if !explain {
		return
	}
	if h.Explain == nil {
		h.Explain = &models.Explanation{}
	}
	h.Explain.Rule = rule
}

// IDs returns the ids of rules.
func IDs(rules []models.Curation) []string {
	out := make([]string, len(rules))
	for i, c := range rules {
		out[i] = c.ID
	}
	return out
}
