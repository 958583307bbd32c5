package engine

import (
	"cmp"
	"math"
	"slices"

	"github.com/siftdesk/sift/models"
)

// popularityWeight is how much an article's popularity (its views, as
// imported and as counted from article_view events) lifts its full-text
// score: by a factor of 1 + popularityWeight × log10(1 + views), so 10
// views lift it by 5%, 1,000 by 15% and 100,000 by 25%. Relevance still
// leads: a popular article passes a less popular one only when their
// scores are close. The lift applies to the full-text side, before fusion
// with vector search.
const popularityWeight = 0.05

// popularityWindow is how many hits beyond the requested page search
// fetches, so that a popular article just below the page can rise into it.
const popularityWindow = 10

// liftByPopularity multiplies each full-text hit's score by its article's
// popularity lift, re-sorts the hits, best first (equal scores keep their
// order), and returns the lift of each, by id.
func (e *Engine) liftByPopularity(hits []models.ArticleHit) map[string]float64 {
	lifts := make(map[string]float64, len(hits))
	for i := range hits {
		views, _ := e.articles.Popularity(hits[i].ID)
		lift := 1 + popularityWeight*math.Log10(1+max(views, 0))
		hits[i].Score *= lift
		lifts[hits[i].ID] = lift
	}
	slices.SortStableFunc(hits, func(a, b models.ArticleHit) int { return cmp.Compare(b.Score, a.Score) })
	return lifts
}
