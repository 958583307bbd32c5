package engine_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/siftdesk/sift/models"
)

// TestEntitlementsOnEveryPath writes many restricted articles that match a
// query better than the one unrestricted article, and checks that each
// retrieval path (type-ahead, search, deflection, vectors, article reads)
// shows a customer none of the articles their entitlements do not allow,
// shows an entitled customer the restricted ones, and never lets the
// restricted ones crowd the unrestricted one out of a customer's answer
// (type-ahead once fetched 4 x limit candidates of every class and
// filtered after: 50 better-ranked restricted titles starved it).
func TestEntitlementsOnEveryPath(t *testing.T) { eachBackend(t, testEntitlementsOnEveryPath) }

func testEntitlementsOnEveryPath(t *testing.T, b backend) {
	ctx := context.Background()
	f := open(t, b, t.TempDir())
	withVectors(t, f)
	put := func(a models.Article) {
		t.Helper()
		if _, err := f.eng.PutArticle(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 { // more than type-ahead over-fetches (4 x 10)
		put(models.Article{ID: fmt.Sprintf("pro-%02d", i), Title: "Reset the camera", Body: "Reset the pro camera firmware.",
			Products: []string{"cams-pro"}, Tiers: []string{"gold"}, Views: int64(1000 + i)})
	}
	put(models.Article{ID: "basic", Title: "Reset the camera", Body: "Hold the button.", Views: 1})
	put(models.Article{ID: "runbook", Title: "Reset camera firmware runbook", Visibility: models.VisibilityInternal, Views: 5000})

	customer := func(tier string, products ...string) models.Audience {
		return models.Audience{Entitlements: models.Entitlements{Tier: tier, Products: products}}
	}
	tests := []struct {
		name     string
		aud      models.Audience
		pro      bool // whether the restricted articles show
		internal bool // whether the internal article may show
	}{
		{"no entitlements", customer(""), false, false},
		{"product without tier", customer("", "cams-pro"), false, false},
		{"wrong product", customer("gold", "locks"), false, false},
		{"entitled", customer("gold", "cams-pro"), true, false},
		{"customer-portal agent", models.Audience{Staff: true}, true, false},
		{"employee", models.Audience{Portal: models.PortalITSM}, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			paths := map[string][]string{"suggest": nil, "deflect": nil}
			sug, err := f.eng.Suggest(ctx, models.SuggestRequest{Query: "reset cam", Audience: tc.aud, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range sug.Suggestions {
				paths["suggest"] = append(paths["suggest"], s.ID)
			}
			for _, mode := range []string{models.RetrievalText, models.RetrievalVector, models.RetrievalHybrid} {
				res, err := f.eng.Search(ctx, models.SearchRequest{Query: "reset camera firmware", Audience: tc.aud, Limit: 50, Retrieval: models.Retrieval{Mode: mode}})
				if err != nil {
					t.Fatal(err)
				}
				paths["search "+mode] = []string{}
				for _, h := range res.Hits {
					paths["search "+mode] = append(paths["search "+mode], h.ID)
				}
			}
			def, err := f.eng.Deflect(ctx, models.DeflectRequest{Subject: "camera reset", Body: "firmware", Audience: tc.aud, Limit: 20})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range def.Articles {
				paths["deflect"] = append(paths["deflect"], h.ID)
			}
			for path, ids := range paths {
				// The restricted articles rank first; whoever may not see
				// them must still get the unrestricted one.
				pro := slices.ContainsFunc(ids, func(id string) bool { return len(id) > 4 && id[:4] == "pro-" })
				switch {
				case pro != tc.pro:
					t.Errorf("%s: %v, want restricted articles %v", path, ids, tc.pro)
				case !tc.pro && !slices.Contains(ids, "basic"):
					t.Errorf("%s: %v lacks the unrestricted article", path, ids)
				case !tc.internal && slices.Contains(ids, "runbook"):
					t.Errorf("%s: %v has the internal article", path, ids)
				}
			}
			if _, err := f.eng.Article(ctx, tc.aud, "pro-00"); (err == nil) != tc.pro {
				t.Errorf("read a restricted article: %v, want readable %v", err, tc.pro)
			}
		})
	}
}
