package engine_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/siftdesk/sift/engine/analytics"
	"github.com/siftdesk/sift/models"
)

// TestOwnCallsAreRecorded checks that suggest, search and deflect made
// with a session id become events that the search metrics count, and that
// calls without one leave no trace.
func TestOwnCallsAreRecorded(t *testing.T) { eachBackend(t, testOwnCallsAreRecorded) }

func testOwnCallsAreRecorded(t *testing.T, b backend) {
	f := open(t, b, t.TempDir(), filepath.Join(demo, "articles.jsonl"))
	ctx := context.Background()
	log := f.events(t)
	if err := f.eng.UseEvents(ctx, log, nil, analytics.Config{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.eng.Suggest(ctx, models.SuggestRequest{Query: "pass", SessionID: "s1"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"reset password", "zebra crossing", "reset password"} {
		if _, err := f.eng.Search(ctx, models.SearchRequest{Query: q, SessionID: "s1"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.eng.Search(ctx, models.SearchRequest{Query: "not recorded"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.eng.Deflect(ctx, models.DeflectRequest{Subject: "cannot log in", SessionID: "s1"}); err != nil {
		t.Fatal(err)
	}
	f.eng.Close()
	var types []models.EventType
	if err := log.Replay(ctx, func(ev models.Event) error {
		types = append(types, ev.Type)
		if ev.SessionID != "s1" || ev.Portal != models.PortalCustomer {
			t.Errorf("event %+v: want session s1 on the customer portal", ev)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []models.EventType{models.EventSuggestionShown, models.EventSearch, models.EventSearch, models.EventSearch, models.EventDeflectionShown}
	if !slices.Equal(types, want) {
		t.Fatalf("recorded %v, want %v", types, want)
	}
	rep, err := f.eng.SearchMetrics(ctx, analytics.Query{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.TopQueries) == 0 || rep.TopQueries[0].Query != "reset password" || rep.TopQueries[0].Searches != 2 {
		t.Errorf("top queries %+v, want reset password twice first", rep.TopQueries)
	}
}
