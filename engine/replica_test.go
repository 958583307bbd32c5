package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/engine/analytics"
	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/bleve"
	"github.com/siftdesk/sift/indexer/postgres"
	"github.com/siftdesk/sift/models"
)

// replica is one sift serve over a shared database: its own pool, bleve
// index, type-ahead and change-feed watcher.
type replica struct {
	eng   *engine.Engine
	store *postgres.Store
}

func startReplica(t *testing.T, ctx context.Context, url string) *replica {
	t.Helper()
	store, err := postgres.Open(ctx, postgres.Config{URL: url, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	text, err := bleve.Open(filepath.Join(t.TempDir(), "fulltext"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { text.Close(); store.Close() })
	w := engine.NewReplicated(indexer.New(store, nil, 0, discard), text, store.Feed())
	if err := w.CatchUp(ctx); err != nil { // builds the full-text cache
		t.Fatal(err)
	}
	eng, err := engine.New(ctx, engine.Config{}, store, text, w, discard)
	if err != nil {
		t.Fatal(err)
	}
	go store.Watch(ctx, time.Second, w.CatchUp)
	return &replica{eng: eng, store: store}
}

// sharedDatabase returns a context that ends with the test and the URL of
// a fresh schema for the test's replicas to share, dropped at the end.
func sharedDatabase(t *testing.T) (context.Context, string) {
	t.Helper()
	base := os.Getenv("SIFT_TEST_DATABASE_URL")
	if base == "" {
		t.Skip("set SIFT_TEST_DATABASE_URL to run the replica test (.ci/postgres.sh start prints one)")
	}
	ctx, cancel := context.WithCancel(context.Background())
	url, drop, err := postgres.NewSchema(ctx, base, t.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		drop(context.Background())
	})
	return ctx, url
}

// within polls cond until it holds or d passes, and returns how long it
// took.
func within(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// TestReplicasSeeEachOthersWrites runs two replicas over one database: a
// write through either is found by search and type-ahead on the other
// within 2 seconds, and so is a delete.
func TestReplicasSeeEachOthersWrites(t *testing.T) {
	ctx, url := sharedDatabase(t)
	a, b := startReplica(t, ctx, url), startReplica(t, ctx, url)

	found := func(r *replica, word, id string) bool {
		res, err := r.eng.Search(ctx, models.SearchRequest{Query: word})
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(res.Hits, func(h models.ArticleHit) bool { return h.ID == id })
	}
	suggested := func(r *replica, typed, id string) bool {
		res, err := r.eng.Suggest(ctx, models.SuggestRequest{Query: typed})
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(res.Suggestions, func(s models.Suggestion) bool { return s.ID == id })
	}
	if _, err := a.eng.PutArticle(ctx, &models.Article{ID: "KB-1", Title: "Quarantined parcels at customs", Body: "Customs hold parcels."}); err != nil {
		t.Fatal(err)
	}
	if !found(a, "quarantined", "KB-1") {
		t.Fatal("the writing replica does not find its own write at once")
	}
	took := within(t, 2*time.Second, "A's write searchable on B", func() bool { return found(b, "quarantined", "KB-1") })
	within(t, 2*time.Second, "A's write in B's type-ahead", func() bool { return suggested(b, "quarant", "KB-1") })
	t.Logf("A's write visible on B after %s", took.Round(time.Millisecond))

	if _, err := b.eng.PutArticle(ctx, &models.Article{ID: "KB-2", Title: "Reboot the hub", Body: "Hold the button."}); err != nil {
		t.Fatal(err)
	}
	within(t, 2*time.Second, "B's write searchable on A", func() bool { return found(a, "reboot", "KB-2") })
	if err := b.eng.DeleteArticle(ctx, "KB-1"); err != nil {
		t.Fatal(err)
	}
	within(t, 2*time.Second, "B's delete reaches A", func() bool { return !found(a, "quarantined", "KB-1") && !suggested(a, "quarant", "KB-1") })

	// A replica started later loads what is there.
	c := startReplica(t, ctx, url)
	if !found(c, "reboot", "KB-2") || found(c, "quarantined", "KB-1") {
		t.Error("a new replica does not reflect the database")
	}
}

// TestReplicasShareEvents runs two replicas over one database: events
// posted to either are counted once, on both, in the metrics and in
// type-ahead popularity, and a replica started later counts them all.
func TestReplicasShareEvents(t *testing.T) {
	ctx, url := sharedDatabase(t)
	withEvents := func() *replica {
		r := startReplica(t, ctx, url)
		if err := r.eng.UseEvents(ctx, r.store, r.store.EventFeed(), analytics.Config{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(r.eng.Close)
		return r
	}
	a, b := withEvents(), withEvents()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	view := func(id, session string) models.Event {
		return models.Event{ID: id, Type: models.EventArticleView, SessionID: session, Portal: models.PortalCustomer, Time: at, ArticleID: "KB-1"}
	}
	for _, post := range []struct {
		r      *replica
		events []models.Event
	}{
		{a, []models.Event{view("e1", "s1"), view("e2", "s2")}},
		{b, []models.Event{view("e3", "s3"), view("e1", "s1")}}, // e1 again: a retry through the other replica
	} {
		if _, err := post.r.eng.RecordEvents(ctx, post.events); err != nil {
			t.Fatal(err)
		}
	}
	views := func(r *replica) int {
		if err := r.eng.CatchUpEvents(ctx); err != nil {
			t.Fatal(err)
		}
		rep, err := r.eng.DeflectionMetrics(ctx, analytics.Query{})
		if err != nil {
			t.Fatal(err)
		}
		return rep.Totals.ArticleViews
	}
	for name, r := range map[string]*replica{"A": a, "B": b, "a replica started later": withEvents()} {
		if n := views(r); n != 3 {
			t.Errorf("%s counts %d article views, want 3 (e1, e2, e3 once each)", name, n)
		}
	}
}

// TestCommittedWriteIsNotReportedFailed commits an article through a
// replica whose full-text cache then fails (its index is closed under it,
// as a database going away fails the catch-up's read): the write is in
// the database, so Apply must report success.
func TestCommittedWriteIsNotReportedFailed(t *testing.T) {
	ctx, url := sharedDatabase(t)
	store, err := postgres.Open(ctx, postgres.Config{URL: url, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	text, err := bleve.Open(filepath.Join(t.TempDir(), "fulltext"))
	if err != nil {
		t.Fatal(err)
	}
	w := engine.NewReplicated(indexer.New(store, nil, 0, discard), text, store.Feed())
	if _, err := engine.New(ctx, engine.Config{}, store, text, w, discard); err != nil {
		t.Fatal(err)
	}
	text.Close() // the catch-up after the commit now fails
	c, err := models.NewArticleChange(&models.Article{ID: "KB-C1", Title: "Committed though the cache failed"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Apply(ctx, []models.Change{c}); err != nil {
		t.Errorf("Apply of a committed write: %v, want success", err)
	}
	if a, err := store.Article(ctx, "KB-C1"); err != nil || a.Title != "Committed though the cache failed" {
		t.Errorf("the article in the database: %+v, %v", a, err)
	}
}
