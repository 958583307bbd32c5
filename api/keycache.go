package api

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/siftdesk/sift/models"
)

// keyCacheTTL is how long a key looked up is trusted without asking the
// store again: how late a revocation made elsewhere (another replica, or
// sift keys over PostgreSQL) takes effect here. A revocation through this
// server's /v1/keys takes effect at once.
const keyCacheTTL = 30 * time.Second

// keyCacheMaxStale is how long after the store last confirmed a key the
// cache still answers for it while the store is unavailable: a database
// outage keeps known keys working, but a key revoked elsewhere stops
// working here within this time, outage or not. Past it, the request
// fails as the store does (503).
const keyCacheMaxStale = 5 * time.Minute

// maxCachedKeys bounds the cache; past it, the cache starts over.
const maxCachedKeys = 10_000

// keyCache is a KeyStore that remembers the keys it looked up, so a
// request costs no store read, and so that known keys keep working while
// the store is unavailable (a database restart): reads served from memory
// then still answer. Unknown keys are never cached. It is safe for
// concurrent use.
type keyCache struct {
	KeyStore
	mu   sync.Mutex
	keys map[string]cachedKey // by "h:" hash and by "i:" id
	now  func() time.Time
}

type cachedKey struct {
	key models.APIKey
	at  time.Time
}

func newKeyCache(store KeyStore) *keyCache {
	return &keyCache{KeyStore: store, keys: map[string]cachedKey{}, now: time.Now}
}

// KeyByHash answers from the cache when the store confirmed the key within
// keyCacheTTL, and otherwise asks the store; when the store is
// unavailable, a key it confirmed within keyCacheMaxStale is answered.
func (c *keyCache) KeyByHash(ctx context.Context, hash []byte) (models.APIKey, error) {
	return c.lookup("h:"+string(hash), func() (models.APIKey, error) { return c.KeyStore.KeyByHash(ctx, hash) })
}

// KeyByID answers as KeyByHash does, for a key named by its id (a browser
// token's kid).
func (c *keyCache) KeyByID(ctx context.Context, id string) (models.APIKey, error) {
	return c.lookup("i:"+id, func() (models.APIKey, error) { return c.KeyStore.KeyByID(ctx, id) })
}

// lookup answers for the cache entry name, asking fetch when the entry is
// missing or older than keyCacheTTL.
func (c *keyCache) lookup(name string, fetch func() (models.APIKey, error)) (models.APIKey, error) {
	c.mu.Lock()
	hit, ok := c.keys[name]
	c.mu.Unlock()
	if ok && c.now().Sub(hit.at) < keyCacheTTL {
		return hit.key, nil
	}
	k, err := fetch()
	switch {
	case err == nil:
		c.mu.Lock()
		if len(c.keys) >= maxCachedKeys {
			clear(c.keys)
		}
		c.keys[name] = cachedKey{k, c.now()}
		c.mu.Unlock()
	case ok && errors.Is(err, models.ErrUnavailable) && c.now().Sub(hit.at) < keyCacheMaxStale:
		return hit.key, nil
	case errors.Is(err, models.ErrNotFound):
		c.mu.Lock()
		delete(c.keys, name)
		c.mu.Unlock()
	}
	return k, err
}

// RevokeKey revokes the key in the store and forgets it here.
func (c *keyCache) RevokeKey(ctx context.Context, id string, at time.Time) (models.APIKey, error) {
	k, err := c.KeyStore.RevokeKey(ctx, id, at)
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, e := range c.keys {
		if e.key.ID == id {
			delete(c.keys, name)
		}
	}
	return k, err
}
