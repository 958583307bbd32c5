package bolt_test

import (
	"testing"

	"github.com/siftdesk/sift/indexer/bolt"
	"github.com/siftdesk/sift/indexer/storetest"
)

// TestKeysAndLinks runs the key and link store checks every backend
// passes, closing and opening the file between the writes and the reads.
func TestKeysAndLinks(t *testing.T) {
	s, path := openStore(t)
	storetest.KeysAndLinks(t, s, func() storetest.Store {
		s.Close()
		again, err := bolt.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { again.Close() })
		return again
	})
}
