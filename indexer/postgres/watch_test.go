package postgres_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/postgres"
	"github.com/siftdesk/sift/models"
)

// TestWatchPokesOnNotificationAndPeriodically checks the two ways a replica
// learns of changes: a notification wakes it at once, and with none (a
// missed notification) the periodic catch-up still comes.
func TestWatchPokesOnNotificationAndPeriodically(t *testing.T) {
	s, url := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	var pokes atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Watch(ctx, time.Hour, func(context.Context) error { pokes.Add(1); return nil })
	}()
	waitPokes := func(n int64, within time.Duration, what string) {
		t.Helper()
		deadline := time.Now().Add(within)
		for pokes.Load() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d pokes, want %d within %s", what, pokes.Load(), n, within)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitPokes(1, 5*time.Second, "catch-up after connecting")
	// Watch pokes after LISTEN, so a write now is notified.
	other, err := postgres.Open(ctx, postgres.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Write(ctx, []models.Change{article("KB-1", "Notified", models.VisibilityPublic)}); err != nil {
		t.Fatal(err)
	}
	waitPokes(2, time.Second, "poke on notification (the interval is an hour)")
	cancel()
	<-done

	// With no notifications at all, the interval alone pokes.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	pokes.Store(0)
	go s.Watch(ctx, 50*time.Millisecond, func(context.Context) error { pokes.Add(1); return nil })
	waitPokes(4, 2*time.Second, "periodic catch-up")
}
