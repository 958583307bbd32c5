package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/siftdesk/sift/models"
)

// TestEventFeedDeliversEveryBatchInOrderOnce appends more events than
// three of the feed's batches hold and checks a catch-up delivers each
// once, in append order, and that a failed apply leaves the feed before
// the batch it refused.
func TestEventFeedDeliversEveryBatchInOrderOnce(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	const total = 25_000
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	events := make([]models.Event, total)
	for i := range events {
		events[i] = models.Event{ID: fmt.Sprintf("e%d", i), Type: models.EventSearch, SessionID: "s", Portal: models.PortalCustomer, Time: t0, Query: "q"}
	}
	if _, err := s.Append(ctx, events); err != nil {
		t.Fatal(err)
	}
	feed := s.EventFeed()
	refuse := errors.New("refused")
	seen := 0
	err := feed.CatchUp(ctx, func(batch []models.Event) error {
		if seen > 0 {
			return refuse // the second batch
		}
		seen += len(batch)
		return nil
	})
	if !errors.Is(err, refuse) || seen == 0 || seen >= total {
		t.Fatalf("catch-up with a refused batch: %v after %d events; want the refusal after the first batch", err, seen)
	}
	for _, want := range []int{total - seen, 0} { // the rest, then nothing
		delivered := 0
		err := feed.CatchUp(ctx, func(batch []models.Event) error {
			for _, ev := range batch {
				if due := fmt.Sprintf("e%d", seen); ev.ID != due {
					return fmt.Errorf("event %s delivered where %s was due", ev.ID, due)
				}
				seen++
				delivered++
			}
			return nil
		})
		if err != nil || delivered != want {
			t.Fatalf("catch-up delivered %d events (%v), want %d", delivered, err, want)
		}
	}
}
