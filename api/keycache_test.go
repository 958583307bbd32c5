package api

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/siftdesk/sift/models"
)

// flakyKeys is a key store whose availability the test switches, counting
// lookups: the real stores' failure (a database away) is not something a
// unit test can produce on demand.
type flakyKeys struct {
	noKeys
	keys    map[string]models.APIKey
	down    bool
	lookups int
}

func (f *flakyKeys) KeyByHash(_ context.Context, hash []byte) (models.APIKey, error) {
	f.lookups++
	if f.down {
		return models.APIKey{}, fmt.Errorf("%w: connection refused", models.ErrUnavailable)
	}
	if k, ok := f.keys[string(hash)]; ok {
		return k, nil
	}
	return models.APIKey{}, models.NotFound("no such key")
}

func (f *flakyKeys) RevokeKey(_ context.Context, id string, at time.Time) (models.APIKey, error) {
	for h, k := range f.keys {
		if k.ID == id {
			k.RevokedAt = at
			f.keys[h] = k
			return k, nil
		}
	}
	return models.APIKey{}, models.NotFound("key %q not found", id)
}

func TestKeyCache(t *testing.T) {
	ctx := context.Background()
	k, secret, err := NewKey(models.APIKey{Role: models.RoleAgent, Name: "t"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	store := &flakyKeys{keys: map[string]models.APIKey{string(k.Hash): k}}
	c := newKeyCache(store)
	now := time.Now()
	c.now = func() time.Time { return now }
	hash := HashKey(secret)

	for range 3 {
		if got, err := c.KeyByHash(ctx, hash); err != nil || got.ID != k.ID {
			t.Fatalf("KeyByHash = %+v, %v", got, err)
		}
	}
	if store.lookups != 1 {
		t.Errorf("3 lookups within the TTL asked the store %d times, want 1", store.lookups)
	}
	if _, err := c.KeyByHash(ctx, HashKey("sk_unknown")); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown key: %v", err)
	}

	// Past the TTL with the store away, the known key still works and an
	// unknown one gets the store's error.
	now = now.Add(keyCacheTTL + time.Second)
	store.down = true
	if got, err := c.KeyByHash(ctx, hash); err != nil || got.ID != k.ID {
		t.Errorf("store away: KeyByHash = %+v, %v; want the cached key", got, err)
	}
	if _, err := c.KeyByHash(ctx, HashKey("sk_other")); !errors.Is(err, models.ErrUnavailable) {
		t.Errorf("store away, unknown key: %v, want unavailable", err)
	}
	// An outage longer than keyCacheMaxStale: the key, unconfirmed for
	// that long, is no longer answered (it may have been revoked elsewhere).
	now = now.Add(keyCacheMaxStale)
	if _, err := c.KeyByHash(ctx, hash); !errors.Is(err, models.ErrUnavailable) {
		t.Errorf("store away past the maximum age: %v, want unavailable", err)
	}

	// A revocation through the cache takes effect at once, even while the
	// key is fresh in the cache.
	store.down = false
	if _, err := c.KeyByHash(ctx, hash); err != nil {
		t.Fatal(err)
	}
	before := store.lookups
	if _, err := c.RevokeKey(ctx, k.ID, now); err != nil {
		t.Fatal(err)
	}
	if got, err := c.KeyByHash(ctx, hash); err != nil || !got.Revoked() {
		t.Errorf("after revoking: %+v, %v; want the key, revoked", got, err)
	}
	if store.lookups != before+1 {
		t.Errorf("after revoking, the store was asked %d times, want 1", store.lookups-before)
	}

	// A key gone from the store is forgotten: with the store away again,
	// it is not answered from the cache.
	delete(store.keys, string(hash))
	now = now.Add(keyCacheTTL + time.Second)
	if _, err := c.KeyByHash(ctx, hash); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("key deleted from the store: %v, want not found", err)
	}
	store.down = true
	if _, err := c.KeyByHash(ctx, hash); !errors.Is(err, models.ErrUnavailable) {
		t.Errorf("deleted key, store away: %v, want unavailable", err)
	}
}
