package engine_test

import (
	"context"
	"slices"
	"testing"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/models"
)

// TestAnswersSayWhenVectorsArePreparing checks that while vectors are
// marked as being prepared, search and deflection in hybrid mode say
// their answer is degraded, text mode does not, and once they are ready
// none does.
func TestAnswersSayWhenVectorsArePreparing(t *testing.T) {
	if testing.Short() {
		t.Skip("embeds the demo articles; skipped with -short")
	}
	ctx := context.Background()
	f := openDemoArticlesWithVectors(t)
	if got := f.eng.Readiness(); got[engine.ComponentVectors] != engine.Ready || got[engine.ComponentFullText] != engine.Ready {
		t.Fatalf("readiness after UseVectors: %v", got)
	}
	check := func(step string, mode string, want []string) {
		t.Helper()
		r := models.Retrieval{Mode: mode}
		res, err := f.eng.Search(ctx, models.SearchRequest{Query: "reset password", Audience: models.Audience{Portal: models.PortalCustomer}, Retrieval: r})
		if err != nil {
			t.Fatal(err)
		}
		def, err := f.eng.Deflect(ctx, models.DeflectRequest{Subject: "cannot log in", Audience: models.Audience{Portal: models.PortalCustomer}, Retrieval: r})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Degraded, want) || !slices.Equal(def.Degraded, want) {
			t.Errorf("%s, %s: search degraded %v, deflect %v; want %v", step, mode, res.Degraded, def.Degraded, want)
		}
	}
	f.eng.SetReadiness(engine.ComponentVectors, engine.Preparing)
	check("preparing", models.RetrievalHybrid, []string{engine.ComponentVectors})
	check("preparing", models.RetrievalText, nil)
	f.eng.SetReadiness(engine.ComponentVectors, engine.Ready)
	check("ready", models.RetrievalHybrid, nil)
}
