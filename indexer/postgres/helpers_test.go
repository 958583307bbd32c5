package postgres_test

import (
	"context"
	"os"
	"testing"

	"github.com/siftdesk/sift/indexer/postgres"
)

// testURL returns the URL of a fresh schema for this test, dropped when
// it ends, or skips the test when no database is configured.
func testURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("SIFT_TEST_DATABASE_URL")
	if base == "" {
		t.Skip("set SIFT_TEST_DATABASE_URL to run the PostgreSQL tests (.ci/postgres.sh start prints one)")
	}
	url, drop, err := postgres.NewSchema(context.Background(), base, t.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(context.Background()); err != nil {
			t.Errorf("drop test schema: %v", err)
		}
	})
	return url
}

// openStore opens a store over a fresh schema.
func openStore(t testing.TB) (*postgres.Store, string) {
	t.Helper()
	url := testURL(t)
	s, err := postgres.Open(context.Background(), postgres.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, url
}
