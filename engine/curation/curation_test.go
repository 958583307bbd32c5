package curation

import (
	"slices"
	"testing"

	"github.com/siftdesk/sift/models"
)

func TestFiring(t *testing.T) {
	r := New()
	r.Put(
		models.Curation{ID: "refund", Query: "Refund!", Match: models.CurationExact},
		models.Curation{ID: "parcel", Query: "lost parcel", Match: models.CurationContains, Portal: models.PortalCustomer},
		models.Curation{ID: "vpn", Query: "vpn", Match: models.CurationExact, Portal: models.PortalITSM},
	)
	for _, tc := range []struct {
		portal models.Portal
		query  string
		want   []string
	}{
		{models.PortalCustomer, "refund", []string{"refund"}},
		{models.PortalITSM, "  REFUND ", []string{"refund"}},
		{models.PortalCustomer, "refund policy", nil}, // exact: more words do not fire it
		{models.PortalCustomer, "my lost parcel claim", []string{"parcel"}},
		{models.PortalCustomer, "parcel lost", nil}, // contains: in order
		{models.PortalITSM, "lost parcel", nil},     // the customer portal's rule
		{models.PortalITSM, "VPN", []string{"vpn"}},
	} {
		if got := IDs(r.Firing(tc.portal, tc.query)); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("%s %q fires %q, want %q", tc.portal, tc.query, got, tc.want)
		}
	}
	r.Remove("refund")
	if got := r.Firing(models.PortalCustomer, "refund"); len(got) != 0 {
		t.Errorf("a removed rule fires: %v", got)
	}
	if got := IDs(r.List(models.PortalCustomer)); !slices.Equal(got, []string{"parcel"}) {
		t.Errorf("customer rules %q", got)
	}
}

func TestApply(t *testing.T) {
	hit := func(id, category string, score float64) models.ArticleHit {
		return models.ArticleHit{ID: id, Category: category, Score: score, Relevance: 0.5}
	}
	hits := []models.ArticleHit{hit("a", "Billing", 9), hit("b", "Orders", 8), hit("c", "Billing", 7), hit("d", "Orders", 6)}
	fetch := func(id string) (models.ArticleHit, bool) {
		if id == "elsewhere" {
			return hit("elsewhere", "Orders", 0), true
		}
		return models.ArticleHit{}, false
	}
	fired := []models.Curation{
		{ID: "r1", Hide: []string{"a"}, Boost: []models.Boost{{Category: "Orders", Factor: 2}}},
		{ID: "r2", Pins: []models.Pin{{Article: "c", Position: 1}, {Article: "elsewhere", Position: 2}, {Article: "unknown", Position: 1}, {Article: "a", Position: 1}}},
	}
	got := Apply(slices.Clone(hits), fired, fetch, true)
	var ids []string
	for _, h := range got {
		ids = append(ids, h.ID)
	}
	// a hidden (its pin too); b and d doubled (16, 12) above c (7); c pinned
	// first, elsewhere fetched and pinned second.
	if want := []string{"c", "elsewhere", "b", "d"}; !slices.Equal(ids, want) {
		t.Fatalf("order %q, want %q", ids, want)
	}
	if got[0].Relevance != 1 || got[1].Relevance != 1 || got[2].Relevance != 0.5 {
		t.Errorf("relevance %v %v %v, want pinned ones 1", got[0].Relevance, got[1].Relevance, got[2].Relevance)
	}
	if got[0].Explain == nil || got[0].Explain.Rule != "r2" || got[2].Explain == nil || got[2].Explain.Rule != "r1" || got[2].Score != 16 {
		t.Errorf("explanations %+v %+v, score %v", got[0].Explain, got[2].Explain, got[2].Score)
	}
	if plain := Apply(slices.Clone(hits), fired, fetch, false); plain[0].Explain != nil {
		t.Errorf("explained without explain: %+v", plain[0].Explain)
	}
	if same := Apply(slices.Clone(hits), nil, fetch, true); !slices.EqualFunc(same, hits, func(a, b models.ArticleHit) bool { return a.ID == b.ID && a.Score == b.Score }) {
		t.Errorf("no rules changed the hits: %+v", same)
	}
}
