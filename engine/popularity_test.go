package engine_test

import (
	"context"
	"testing"

	"github.com/siftdesk/sift/models"
)

// TestPopularityLiftsSearchRank gives two articles the same text, so
// full-text search scores them alike, and checks that the one with more
// views comes first, whichever it is, and that the explanation says by how
// much it was lifted.
func TestPopularityLiftsSearchRank(t *testing.T) { eachBackend(t, testPopularityLiftsSearchRank) }

func testPopularityLiftsSearchRank(t *testing.T, b backend) {
	ctx := context.Background()
	f := open(t, b, t.TempDir())
	put := func(id string, views int64) {
		t.Helper()
		a := &models.Article{ID: id, Title: "Quokka configuration guide", Body: "How to configure the quokka.", Views: views}
		if _, err := f.eng.PutArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	first := func() models.ArticleHit {
		t.Helper()
		res, err := f.eng.Search(ctx, models.SearchRequest{Query: "quokka configuration", Limit: 1, Retrieval: models.Retrieval{Explain: true}})
		if err != nil || len(res.Hits) != 1 {
			t.Fatalf("search: %v, %d hits", err, len(res.Hits))
		}
		return res.Hits[0]
	}
	put("kb-a", 0)
	put("kb-b", 0)
	equal := first().ID
	other := map[string]string{"kb-a": "kb-b", "kb-b": "kb-a"}[equal]
	put(other, 1000) // 1,000 views: a lift of 1 + 0.05 × log10(1001) ≈ 1.15
	if h := first(); h.ID != other || h.Explain == nil || h.Explain.PopularityLift < 1.14 || h.Explain.PopularityLift > 1.16 {
		t.Errorf("after %s got 1,000 views: first %s, explanation %+v", other, h.ID, h.Explain)
	}
	put(equal, 100000)
	if h := first(); h.ID != equal {
		t.Errorf("after %s got 100,000 views: first %s", equal, h.ID)
	}
}
