package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/siftdesk/sift/models"
)

// TestKnownIssuesOnBothBackends writes incidents through the engine on
// each backend and checks that search, type-ahead and deflection show an
// open one to whoever may see it, and that resolving one removes it.
func TestKnownIssuesOnBothBackends(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		f := open(t, b, t.TempDir())
		if _, err := f.eng.PutIncident(ctx, &models.Incident{ID: "inc-1", Title: "Cameras offline after firmware 4.2.1",
			Message: "Rolling back.", Keywords: []string{"E-423"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.eng.PutIncident(ctx, &models.Incident{ID: "inc-2", Title: "VPN gateway certificate expired", Visibility: models.VisibilityInternal,
			Message: "Renewing."}); err != nil {
			t.Fatal(err)
		}
		check := func(eng interface {
			Search(context.Context, models.SearchRequest) (models.SearchResult, error)
		}, want string) {
			t.Helper()
			for _, c := range []struct {
				portal models.Portal
				q      string
				want   string
			}{
				{models.PortalCustomer, "error E-423 on my camera", want},
				{models.PortalITSM, "cameras offline after the firmware update", want},
				{models.PortalCustomer, "vpn gateway certificate expired", ""},
			} {
				res, err := eng.Search(ctx, models.SearchRequest{Query: c.q, Audience: models.Audience{Portal: c.portal}})
				if err != nil {
					t.Fatal(err)
				}
				got := ""
				if len(res.KnownIssues) > 0 {
					got = res.KnownIssues[0].ID
				}
				if got != c.want {
					t.Errorf("%s %q: known issues %+v, want %q", c.portal, c.q, res.KnownIssues, c.want)
				}
			}
		}
		within(t, 10*time.Second, "the incidents to be shown", func() bool {
			res, _ := f.eng.Search(ctx, models.SearchRequest{Query: "error E-423", Audience: models.Audience{Portal: models.PortalCustomer}})
			return len(res.KnownIssues) == 1
		})
		check(f.eng, "inc-1")
		sugg, err := f.eng.Suggest(ctx, models.SuggestRequest{Query: "vpn gateway certif", Audience: models.Audience{Portal: models.PortalITSM}})
		if err != nil || len(sugg.KnownIssues) != 1 || sugg.KnownIssues[0].ID != "inc-2" {
			t.Errorf("type-ahead of an employee: %+v, %v; want inc-2", sugg.KnownIssues, err)
		}
		def, err := f.eng.Deflect(ctx, models.DeflectRequest{Subject: "E-423", Body: "camera offline", Audience: models.Audience{Portal: models.PortalCustomer}})
		if err != nil || len(def.KnownIssues) != 1 {
			t.Errorf("deflection: %+v, %v; want inc-1", def.KnownIssues, err)
		}
		if _, err := f.eng.PutIncident(ctx, &models.Incident{ID: "inc-1", Title: "Cameras offline after firmware 4.2.1",
			Message: "Fixed.", Keywords: []string{"E-423"}, Status: models.IncidentResolved}); err != nil {
			t.Fatal(err)
		}
		within(t, 10*time.Second, "the resolved incident's notice to go", func() bool {
			res, _ := f.eng.Search(ctx, models.SearchRequest{Query: "error E-423", Audience: models.Audience{Portal: models.PortalCustomer}})
			return len(res.KnownIssues) == 0
		})
		if n := len(f.eng.Incidents("")); n != 2 {
			t.Errorf("%d incidents kept, want 2", n)
		}
	})
}
