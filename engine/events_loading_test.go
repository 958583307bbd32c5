package engine_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/engine/analytics"
	"github.com/siftdesk/sift/models"
)

// sliceFeed is a shared event log's feed holding events, delivered once.
type sliceFeed struct{ events []models.Event }

func (f *sliceFeed) CatchUp(_ context.Context, apply func([]models.Event) error) error {
	if len(f.events) == 0 {
		return nil
	}
	if err := apply(f.events); err != nil {
		return err
	}
	f.events = nil
	return nil
}

// TestSharedEventLogCountedInTheBackground gives the engine a shared log
// with a feed: metrics say they are unavailable and readiness that they
// are loading until the first catch-up has counted the log, and events
// recorded meanwhile are counted by it.
func TestSharedEventLogCountedInTheBackground(t *testing.T) {
	f := open(t, backends[0], t.TempDir(), filepath.Join(demo, "articles.jsonl"))
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	view := func(id string) models.Event {
		return models.Event{ID: id, Type: models.EventArticleView, SessionID: "s-" + id, Portal: models.PortalCustomer, Time: at, ArticleID: "KB-1001"}
	}
	store := f.events(t)
	stored, err := store.Append(ctx, []models.Event{view("e1"), view("e2")})
	if err != nil {
		t.Fatal(err)
	}
	feed := &sliceFeed{events: stored}
	if err := f.eng.UseEvents(ctx, store, feed, analytics.Config{}); err != nil {
		t.Fatal(err)
	}
	defer f.eng.Close()
	if _, err := f.eng.DeflectionMetrics(ctx, analytics.Query{}); !errors.Is(err, models.ErrUnavailable) {
		t.Errorf("metrics before the log is counted: %v, want unavailable", err)
	}
	if got := f.eng.Readiness()[engine.ComponentMetrics]; got != engine.Loading {
		t.Errorf("metrics readiness before the log is counted: %q, want %q", got, engine.Loading)
	}
	// Recorded while the log is being counted: stored, counted by the
	// catch-up that delivers it (here, the same one).
	res, err := f.eng.RecordEvents(ctx, []models.Event{view("e3")})
	if err != nil || res.Accepted != 1 {
		t.Fatalf("record while counting: %+v, %v", res, err)
	}
	// Recording does not count the log itself: the background catch-up
	// does.
	if got := f.eng.Readiness()[engine.ComponentMetrics]; got != engine.Loading {
		t.Errorf("metrics readiness after recording, before the catch-up: %q, want %q", got, engine.Loading)
	}
	feed.events = append(feed.events, view("e3"))
	if err := f.eng.CatchUpEvents(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := f.eng.DeflectionMetrics(ctx, analytics.Query{})
	if err != nil || rep.Totals.ArticleViews != 3 {
		t.Errorf("metrics once counted: %d article views, %v; want 3", rep.Totals.ArticleViews, err)
	}
	if got := f.eng.Readiness()[engine.ComponentMetrics]; got != engine.Ready {
		t.Errorf("metrics readiness once counted: %q, want %q", got, engine.Ready)
	}
}
