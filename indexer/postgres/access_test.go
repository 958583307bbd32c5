package postgres_test

import (
	"context"
	"testing"

	"github.com/siftdesk/sift/indexer/postgres"
	"github.com/siftdesk/sift/indexer/storetest"
)

// TestKeysAndLinks runs the key and link store checks every backend
// passes, reading back through a second connection pool.
func TestKeysAndLinks(t *testing.T) {
	s, url := openStore(t)
	storetest.KeysAndLinks(t, s, func() storetest.Store {
		again, err := postgres.Open(context.Background(), postgres.Config{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(again.Close)
		return again
	})
}
